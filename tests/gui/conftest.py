"""Fixtures for the desktop app tests: isolated settings and data, windows that close cleanly."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QStandardPaths, QUrl
from pytestqt.qtbot import QtBot

from studio_render.gui.main_window import MainWindow
from studio_render.gui.settings import AppSettings

#: Long enough for a slow CI machine, short enough that a hang fails quickly.
RENDER_TIMEOUT_MS = 60_000
LOAD_TIMEOUT_MS = 15_000

WindowFactory = Callable[..., MainWindow]


@pytest.fixture(autouse=True)
def isolated_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test reads or writes the user's real settings or data folder."""
    QStandardPaths.setTestModeEnabled(True)
    monkeypatch.setenv("STUDIO_RENDER_SETTINGS", str(tmp_path / "env-settings.ini"))
    monkeypatch.setenv("STUDIO_RENDER_DATA_DIR", str(tmp_path / "env-data"))
    yield
    QStandardPaths.setTestModeEnabled(False)


@pytest.fixture
def opened_urls() -> list[QUrl]:
    """What the windows would have opened (Open, Show in Folder) instead of opening it."""
    return []


@pytest.fixture
def composition(small_qml: Path) -> Path:
    """The small demo scene: 640x360, 30 fps, 60 frames, no audio."""
    assert small_qml.is_file(), f"{small_qml} is missing"
    return small_qml


def close_window(qtbot: QtBot, window: MainWindow) -> None:
    """Close the window (a render still running is discarded, without asking) and wait
    until it has stopped everything it started."""
    if window.isVisible() or not window._closed:
        with qtbot.waitSignal(window.closed, timeout=10_000):
            window.close_now(keep_finished=False)


@pytest.fixture
def make_window(qtbot: QtBot, tmp_path: Path, opened_urls: list[QUrl]) -> Iterator[WindowFactory]:
    """Creates shown main windows sharing one settings file and data folder.

    Every window is closed (and waited for) at the end of the test.
    """
    windows: list[MainWindow] = []

    def make(settings: Path | None = None, data: Path | None = None) -> MainWindow:
        window = MainWindow(
            AppSettings.at(settings or tmp_path / "settings.ini"), data or tmp_path / "data"
        )
        window.open_url = opened_urls.append
        windows.append(window)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()  # keyboard shortcuts go to the active window
        qtbot.waitUntil(window.isActiveWindow)
        return window

    yield make
    for window in windows:
        if not window._closed:
            close_window(qtbot, window)
        window.deleteLater()


def load(qtbot: QtBot, window: MainWindow, path: Path) -> None:
    with qtbot.waitSignal(window.compositionLoaded, timeout=LOAD_TIMEOUT_MS):
        window.load_composition(path)


@pytest.fixture
def window(make_window: WindowFactory, qtbot: QtBot, composition: Path) -> MainWindow:
    """A window with the small composition loaded."""
    w = make_window()
    load(qtbot, w, composition)
    return w


def set_render(
    window: MainWindow,
    output: Path,
    frames: tuple[int, int] = (0, 23),
    chunk_frames: int = 6,
    workers: int = 2,
    preset: str = "h264",
) -> None:
    """Fill the output form (frames inclusive, as the window shows them)."""
    form = window.form
    form.preset_combo.setCurrentIndex(form.preset_combo.findData(preset))
    form.output_edit.setText(str(output))
    form.first_frame.setValue(frames[0])
    form.last_frame.setValue(frames[1])
    form.chunk_spin.setValue(chunk_frames)
    form.concurrency_spin.setValue(workers)
