"""Reading a composition's facts off the GUI thread (the probe starts a worker process)."""

from __future__ import annotations

import itertools
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from studio_render.compositions.probe import probe_composition
from studio_render.core.errors import BadInput
from studio_render.core.ffmpeg import find_ffmpeg


class _ProbeSignals(QObject):
    loaded = Signal(int, object)  # token, CompositionInfo
    failed = Signal(int, str)  # token, message
    finished = Signal(int)  # token, always last


class _ProbeTask(QRunnable):
    """Probes one file in the global thread pool; the loader keeps it alive until ``finished``."""

    def __init__(self, token: int, path: Path, signals: _ProbeSignals, find_encoder: bool) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.token = token
        self.path = path
        self.signals = signals
        self.find_encoder = find_encoder

    def run(self) -> None:
        try:
            if self.find_encoder:
                find_ffmpeg()  # the first look can take 0.1 s; later ones are cached
            info = probe_composition(self.path)
        except BadInput as exc:
            self.signals.failed.emit(self.token, str(exc))
        except Exception as exc:  # a bug must still end the load, not hang it
            self.signals.failed.emit(self.token, f"{self.path.name}: cannot load ({exc})")
        else:
            self.signals.loaded.emit(self.token, info)
        finally:
            self.signals.finished.emit(self.token)


class CompositionLoader(QObject):
    """Probes compositions in ``QThreadPool.globalInstance()``; answers with signals.

    Every :meth:`load` returns a token that the answer carries, so a caller can ignore
    answers to questions it no longer asks.
    """

    loaded = Signal(int, object)  # token, CompositionInfo
    failed = Signal(int, str)  # token, message in plain words
    idle = Signal()  # no probe is running any more

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tokens = itertools.count(1)
        self._tasks: dict[int, _ProbeTask] = {}
        self._signals = _ProbeSignals(self)
        self._signals.loaded.connect(self.loaded)
        self._signals.failed.connect(self.failed)
        self._signals.finished.connect(self._on_finished)

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    def load(self, path: Path, find_encoder: bool = False) -> int:
        """Probe ``path``; with ``find_encoder``, also look for ffmpeg (a render follows)."""
        token = next(self._tokens)
        task = _ProbeTask(token, Path(path), self._signals, find_encoder)
        self._tasks[token] = task
        QThreadPool.globalInstance().start(task)
        return token

    def _on_finished(self, token: int) -> None:
        self._tasks.pop(token, None)
        if not self._tasks:
            self.idle.emit()
