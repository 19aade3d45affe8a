"""The window's render engine: the core's state machine (``core/engine.py``) as a QObject.

``start(job)`` returns at once; a QThreadPool runs the chunk tasks and the final steps, and
everything they report arrives as signals in the owner's (the GUI) thread.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

from studio_render.core.chunk_run import Outcome
from studio_render.core.engine import ChunkState, EngineEvents, RenderCore
from studio_render.core.job import RenderJob
from studio_render.core.worker_pool import WorkerPool
from studio_render.qt.aggregator import ProgressAggregator

__all__ = ["ChunkState", "RenderEngine", "live_pools"]

_POOLS: weakref.WeakSet[QThreadPool] = weakref.WeakSet()


def live_pools() -> list[QThreadPool]:
    """The thread pools of all engines that still exist (tests check none is left busy).

    A pool deleted with its engine's parent (a closed window) may keep its Python wrapper
    a while; it is left out, having waited for its threads when it was deleted.
    """
    return [pool for pool in _POOLS if shiboken6.isValid(pool)]


class _Runnable(QRunnable):
    """Runs ``fn`` in a pool thread."""

    def __init__(self, fn: Callable[[], None]) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the host keeps it alive until its pool is done
        self.fn = fn

    def run(self) -> None:
        self.fn()


class QtHost(QObject):
    """The core engine's threads in Qt: posts arrive in this object's thread as queued
    signals; the pool is a QThreadPool (one per render), the audio has one of its own."""

    _posted = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._posted.connect(self._run_posted, type=Qt.ConnectionType.QueuedConnection)
        self.pool: QThreadPool | None = None
        self._runnables: list[_Runnable] = []  # this render's, kept from the collector
        self._beside = QThreadPool(self)
        self._beside.setMaxThreadCount(1)
        _POOLS.add(self._beside)

    def post(self, fn: Callable[[], None]) -> None:
        self._posted.emit(fn)

    @Slot(object)
    def _run_posted(self, fn: Callable[[], None]) -> None:
        fn()

    def new_pool(self, threads: int) -> None:
        if self.pool is not None:
            self.pool.deleteLater()
        self._runnables = []
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        _POOLS.add(self.pool)

    def submit(self, fn: Callable[[], None]) -> None:
        assert self.pool is not None
        self._start(self.pool, fn)

    def set_threads(self, threads: int) -> None:
        assert self.pool is not None
        self.pool.setMaxThreadCount(threads)

    def submit_beside(self, fn: Callable[[], None]) -> None:
        self._start(self._beside, fn)

    def wait(self) -> None:
        assert self.pool is not None
        self.pool.waitForDone()
        self._beside.waitForDone()

    def _start(self, pool: QThreadPool, fn: Callable[[], None]) -> None:
        runnable = _Runnable(fn)
        self._runnables.append(runnable)
        pool.start(runnable)


class _Signals(EngineEvents):
    """The core's events, as the engine's signals. It holds the engine weakly: the core
    and the pool's tasks must not keep it in a reference cycle, which Python's cycle
    collector would free in whatever thread it runs in (a pool or Dask thread), where
    destroying the engine's QObjects crashes."""

    def __init__(self, engine: RenderEngine) -> None:
        self._engine = weakref.ref(engine)

    def _emit(self, signal: str, *args: object) -> None:
        engine = self._engine()
        if engine is not None:
            getattr(engine, signal).emit(*args)

    def chunk_state_changed(self, index: int, state: ChunkState, fraction: float) -> None:
        self._emit("chunkStateChanged", index, state, fraction)

    def chunk_started(self, index: int, pid: int, attempt: int) -> None:
        self._emit("chunkStarted", index, pid, attempt)

    def frame_waiting(self, index: int, frame: int, seconds: float) -> None:
        self._emit("frameWaiting", index, frame, seconds)

    def warning(self, message: str) -> None:
        self._emit("warning", message)

    def finished(self, output: str) -> None:
        self._emit("finished", output)

    def failed(self, message: str, details: str) -> None:
        self._emit("failed", message, details)

    def cancelled(self) -> None:
        self._emit("cancelled")

    def ended(self) -> None:
        self._emit("ended")


class RenderEngine(QObject):
    """Renders one job at a time. Ends with exactly one of finished, failed or cancelled."""

    chunkStateChanged = Signal(int, str, float)  # index, ChunkState, fraction of the chunk
    chunkStarted = Signal(int, int, int)  # index, worker pid, attempt
    frameWaiting = Signal(int, int, float)  # index, a frame taking long, seconds so far
    warning = Signal(str)  # a problem the scene had at a frame (once a render)
    finished = Signal(str)  # output path
    failed = Signal(str, str)  # one-line message, details (worker's last lines)
    cancelled = Signal()
    ended = Signal()  # after any of the three above

    def __init__(
        self,
        parent: QObject | None = None,
        chunk_attempt: Callable[..., Outcome] | None = None,
    ) -> None:
        super().__init__(parent)
        self.aggregator = ProgressAggregator(self)
        self._host = QtHost(self)
        self.core = RenderCore(self._host, _Signals(self), self.aggregator.feed, chunk_attempt)

    @property
    def pool(self) -> QThreadPool | None:
        """The QThreadPool of the current (or last) render's chunks."""
        return self._host.pool

    @property
    def chunk_attempt(self) -> Callable[..., Outcome] | None:
        """How the next render's chunks run (see :class:`RenderCore`)."""
        return self.core.chunk_attempt

    @chunk_attempt.setter
    def chunk_attempt(self, attempt: Callable[..., Outcome] | None) -> None:
        self.core.chunk_attempt = attempt

    @property
    def job(self) -> RenderJob | None:
        return self.core.job

    @property
    def workers(self) -> WorkerPool | None:
        return self.core.workers

    @property
    def running(self) -> bool:
        return self.core.running

    @property
    def cancel_requested(self) -> bool:
        return self.core.cancel_requested

    def start(self, job: RenderJob, workers: WorkerPool | None = None) -> None:
        """Queue every chunk of ``job``; returns at once (see :meth:`RenderCore.start`)."""
        self.core.start(job, workers)

    @Slot(int)
    def set_concurrency(self, concurrency: int) -> None:
        """Render ``concurrency`` chunks at once from now on (see
        :meth:`RenderCore.set_concurrency`)."""
        self.core.set_concurrency(concurrency)

    @Slot()
    def cancel(self, keep_finished: bool = False) -> None:
        """Stop every process, remove temporary files, leave the output path as it was
        (``keep_finished``: keep the finished chunks for a resume; see ``core/resume.py``)."""
        self.core.cancel(keep_finished)
