"""Cluster work for the window, run off the GUI thread: tests, sessions, closing them.

Everything that touches the network (and the import of Dask itself) happens in
``QThreadPool.globalInstance()``; answers come back as signals carrying a token.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from studio_render.core.errors import BadInput

if TYPE_CHECKING:
    from studio_render.cluster.client import ClusterInfo, ClusterSession, TlsFiles
    from studio_render.compositions.info import CompositionInfo
    from studio_render.core.job import RenderJob, RenderSettings

NO_EXTRA = "rendering on a cluster needs the cluster extra: pip install 'studio-render[cluster]'"


@dataclass(frozen=True)
class ClusterTarget:
    """Where the window renders when "cluster" is chosen: an address and optional TLS files."""

    address: str
    ca_file: str = ""
    cert: str = ""
    key: str = ""
    timeout_s: float = 10.0

    def tls(self) -> TlsFiles | None:
        from studio_render.cluster.client import TlsFiles

        files = TlsFiles(self.ca_file or None, self.cert or None, self.key or None)
        return files if files.given else None


def test_target(target: ClusterTarget) -> ClusterInfo:
    """Connect, check versions, count workers and cores (blocks)."""
    from studio_render.cluster.client import test_connection

    return test_connection(target.address, target.tls(), timeout=target.timeout_s)


test_target.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def open_job(
    target: ClusterTarget, info: CompositionInfo, settings: RenderSettings
) -> tuple[ClusterSession, RenderJob]:
    """A session on ``target`` and a job planned for it, its composition sent (blocks)."""
    from studio_render.cluster.client import ClusterSession

    session = ClusterSession(target.address, target.tls(), timeout=target.timeout_s)
    try:
        return session, session.prepare_job(info, settings)
    except BaseException:
        session.close()
        raise


def close_session(session: ClusterSession) -> None:
    """Free the workers' copies of the job and disconnect (blocks)."""
    session.close()


def describe_error(exc: BaseException) -> str:
    """A one-line message for the window."""
    if isinstance(exc, BadInput):
        return str(exc)
    if isinstance(exc, ModuleNotFoundError) and exc.name in ("dask", "distributed"):
        return NO_EXTRA
    return f"cluster error: {type(exc).__name__}: {exc}"


class _Signals(QObject):
    done = Signal(int, object)  # token, result
    failed = Signal(int, str)  # token, message
    finished = Signal(int)  # token, always last


class _Call(QRunnable):
    def __init__(self, token: int, call: Callable[[], object], signals: _Signals) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.token = token
        self.call = call
        self.signals = signals

    def run(self) -> None:
        try:
            result = self.call()
        except Exception as exc:  # every failure ends the call with a message
            self.signals.failed.emit(self.token, describe_error(exc))
        else:
            self.signals.done.emit(self.token, result)
        finally:
            self.signals.finished.emit(self.token)


class BackgroundCalls(QObject):
    """Runs blocking calls in the global thread pool; answers with tokened signals."""

    done = Signal(int, object)  # token, what the call returned
    failed = Signal(int, str)  # token, message in plain words
    idle = Signal()  # no call is running any more

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
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
        self._calls[token] = task = _Call(token, call, self._signals)
        QThreadPool.globalInstance().start(task)
        return token

    def _on_finished(self, token: int) -> None:
        self._calls.pop(token, None)
        if not self._calls:
            self.idle.emit()
