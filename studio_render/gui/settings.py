"""Where the app keeps things: QSettings for preferences, a data folder for the queue.

Both can be redirected, for tests and portable installs: the window takes them as
constructor arguments, and :func:`studio_render.gui.app.run_app` reads the environment
variables ``STUDIO_RENDER_SETTINGS`` (an INI file) and ``STUDIO_RENDER_DATA_DIR``.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths

from studio_render.core.job import MAX_CONCURRENCY, default_concurrency
from studio_render.core.presets import PRESETS

MAX_RECENT = 10
CLUSTER_KEYS = ("address", "ca_file", "cert", "key")


def default_data_dir() -> Path:
    """The per-user data folder (QStandardPaths.AppDataLocation), or $STUDIO_RENDER_DATA_DIR."""
    override = os.environ.get("STUDIO_RENDER_DATA_DIR")
    if override:
        return Path(override)
    location = QStandardPaths.StandardLocation.AppDataLocation
    return Path(QStandardPaths.writableLocation(location))


def default_qsettings() -> QSettings:
    """The user's QSettings, or an INI file at $STUDIO_RENDER_SETTINGS."""
    override = os.environ.get("STUDIO_RENDER_SETTINGS")
    if override:
        return QSettings(override, QSettings.Format.IniFormat)
    return QSettings()


class AppSettings:
    """Typed access to the preferences the window remembers between sessions."""

    def __init__(self, qsettings: QSettings) -> None:
        self.q = qsettings

    @classmethod
    def at(cls, path: Path) -> AppSettings:
        """Preferences kept in an INI file at ``path``."""
        return cls(QSettings(str(path), QSettings.Format.IniFormat))

    def _str(self, key: str, default: str = "") -> str:
        value = self.q.value(key, default)
        return value if isinstance(value, str) else default

    def _bytes(self, key: str) -> QByteArray | None:
        value = self.q.value(key)
        return value if isinstance(value, QByteArray) else None

    @property
    def geometry(self) -> QByteArray | None:
        return self._bytes("window/geometry")

    @geometry.setter
    def geometry(self, value: QByteArray) -> None:
        self.q.setValue("window/geometry", value)

    @property
    def splitter_state(self) -> QByteArray | None:
        return self._bytes("window/splitter")

    @splitter_state.setter
    def splitter_state(self, value: QByteArray) -> None:
        self.q.setValue("window/splitter", value)

    @property
    def open_dir(self) -> str:
        """The folder the Open dialog starts in."""
        return self._str("folders/open", str(Path.home()))

    @open_dir.setter
    def open_dir(self, value: str) -> None:
        self.q.setValue("folders/open", value)

    @property
    def save_dir(self) -> str:
        """The folder the last output was saved to ("" until there is one)."""
        return self._str("folders/save")

    @save_dir.setter
    def save_dir(self, value: str) -> None:
        self.q.setValue("folders/save", value)

    @property
    def preset(self) -> str:
        name = self._str("render/preset", "h264")
        return name if name in PRESETS else "h264"

    @preset.setter
    def preset(self, value: str) -> None:
        self.q.setValue("render/preset", value)

    @property
    def concurrency(self) -> int:
        raw = self.q.value("render/concurrency", default_concurrency())
        try:
            value = int(str(raw))
        except ValueError:
            return default_concurrency()
        return min(max(value, 1), MAX_CONCURRENCY)

    @concurrency.setter
    def concurrency(self, value: int) -> None:
        self.q.setValue("render/concurrency", value)

    @property
    def render_on(self) -> str:
        """Where the window renders: "local" or "cluster"."""
        value = self._str("render/on", "local")
        return value if value in ("local", "cluster") else "local"

    @render_on.setter
    def render_on(self, value: str) -> None:
        self.q.setValue("render/on", value)

    @property
    def cluster(self) -> dict[str, str]:
        """The cluster's address and TLS files: ``address``, ``ca_file``, ``cert``, ``key``."""
        return {key: self._str(f"cluster/{key}") for key in CLUSTER_KEYS}

    @cluster.setter
    def cluster(self, values: dict[str, str]) -> None:
        for key in CLUSTER_KEYS:
            self.q.setValue(f"cluster/{key}", values.get(key, ""))

    @property
    def recent_files(self) -> list[str]:
        value = self.q.value("recent/files", [])
        if isinstance(value, str):  # QSettings gives a lone string for a one-item list
            value = [value]
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

    def add_recent(self, path: str) -> None:
        files = [path, *(f for f in self.recent_files if f != path)][:MAX_RECENT]
        self.q.setValue("recent/files", files)

    def clear_recent(self) -> None:
        self.q.setValue("recent/files", [])

    def sync(self) -> None:
        self.q.sync()
