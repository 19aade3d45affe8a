"""Blocking calls run off the GUI thread, answered with signals that carry a token."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from studio_render.core.errors import one_line


class _Signals(QObject):
    done = Signal(int, object)  # token, result
    failed = Signal(int, str)  # token, message
    finished = Signal(int)  # token, always last


class _Call(QRunnable):
    def __init__(
        self,
        token: int,
        call: Callable[[], object],
        signals: _Signals,
        describe: Callable[[BaseException], str],
    ) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.token = token
        self.call = call
        self.signals = signals
        self.describe = describe

    def run(self) -> None:
        try:
            result = self.call()
        except Exception as exc:  # every failure ends the call with a message
            self.signals.failed.emit(self.token, self.describe(exc))
        else:
            self.signals.done.emit(self.token, result)
        finally:
            self.signals.finished.emit(self.token)


class BackgroundCalls(QObject):
    """Runs blocking calls in the global thread pool; answers with tokened signals."""

    done = Signal(int, object)  # token, what the call returned
    failed = Signal(int, str)  # token, message in plain words
    idle = Signal()  # no call is running any more

    def __init__(
        self,
        parent: QObject | None = None,
        describe: Callable[[BaseException], str] = one_line,
    ) -> None:
        super().__init__(parent)
        self._describe = describe
        self._tokens = itertools.count(1)
        self._calls: dict[int, _Call] = {}
        self._signals = _Signals(self)
        self._signals.done.connect(self.done)
        self._signals.failed.connect(self.failed)
        self._signals.finished.connect(self._on_finished)

    @property
    def busy(self) -> bool:
        return bool(self._calls)

    def submit(self, call: Callable[[], Any]) -> int:
        """Run ``call()`` in the pool; returns the token its answer carries."""
        token = next(self._tokens)
        self._calls[token] = task = _Call(token, call, self._signals, self._describe)
        QThreadPool.globalInstance().start(task)
        return token

    def _on_finished(self, token: int) -> None:
        self._calls.pop(token, None)
        if not self._calls:
            self.idle.emit()
