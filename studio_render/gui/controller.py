"""Runs the render queue: one render at a time, through the one RenderEngine.

Before each render the composition is read again (in the thread pool: the file may have
changed since it was queued) and the settings are checked with ``prepare_job``. With a
cluster :attr:`RenderController.target`, a session is opened and the job prepared in the
thread pool too; the same engine then renders its chunks through the session.
"""

from __future__ import annotations

import contextlib
import os
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QElapsedTimer, QObject, QTimer, Signal

from studio_render.core.composition import CompositionInfo, composition_kind
from studio_render.core.errors import BadInput
from studio_render.core.ffmpeg import find_ffmpeg
from studio_render.core.job import RenderJob, prepare_job
from studio_render.core.worker_pool import WorkerPool, boot_count
from studio_render.gui.background import BackgroundCalls
from studio_render.gui.cluster_tasks import ClusterTarget, close_session, describe_error, open_job
from studio_render.gui.formatting import format_duration
from studio_render.gui.loader import CompositionLoader
from studio_render.gui.queue_model import QueueModel
from studio_render.gui.render_queue import INTERRUPTED_MESSAGE, Status
from studio_render.qt.engine import RenderEngine

if TYPE_CHECKING:
    from studio_render.cluster.client import ClusterSession

#: Worker processes started from the window run this much nicer than the window, so
#: the window stays responsive while every core renders.
WORKER_NICENESS = 5


def lower_priority(pid: int) -> None:
    """Renice a worker's process group (the worker and its encoder); best effort."""
    if hasattr(os, "setpriority"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PGRP, pid, WORKER_NICENESS)


def output_size(path: Path) -> int | None:
    """Size of a file, or of all files in a folder (an image sequence)."""
    try:
        if path.is_dir():
            return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        return path.stat().st_size
    except OSError:
        return None


class RenderController(QObject):
    """Takes pending items from the queue model and renders them in order.

    ``jobStarting`` comes just before the engine starts (displays reset then);
    ``itemEnded`` once an item's final status is stored; ``stateChanged`` whenever
    :attr:`busy` or :attr:`running_queue` may have changed.
    """

    itemStarted = Signal(str)  # item id: it is being prepared
    jobStarting = Signal(str, object)  # item id, RenderJob
    itemEnded = Signal(str)  # item id
    stateChanged = Signal()
    settled = Signal()  # nothing running and no probe in flight

    def __init__(self, model: QueueModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        #: Where items render when they start: None for this computer.
        self.target: ClusterTarget | None = None
        self.engine = RenderEngine(self)
        self.loader = CompositionLoader(self)
        self.cluster = BackgroundCalls(self, describe_error)  # opening sessions, preparing jobs
        self.closer = BackgroundCalls(self, describe_error)  # closing sessions
        self.current_id: str | None = None
        self.running_queue = False
        self._token: int | None = None
        self._prep_token: int | None = None
        self._session: ClusterSession | None = None
        #: The next local render's worker processes, booting while its composition is
        #: probed; the engine takes them over when the render starts.
        self.booting: WorkerPool | None = None
        self._stop_as: Status | None = None
        self._result: tuple[Status, str, str] = (Status.CANCELLED, "", "")
        self._clock = QElapsedTimer()
        self.loader.done.connect(self._on_loaded)
        self.loader.failed.connect(self._on_load_failed)
        self.loader.idle.connect(self._maybe_settled)
        self.cluster.done.connect(self._on_cluster_job)
        self.cluster.failed.connect(self._on_cluster_failed)
        self.cluster.idle.connect(self._maybe_settled)
        self.closer.idle.connect(self._maybe_settled)
        self.engine.chunkStarted.connect(self._on_chunk_started)
        self.engine.finished.connect(self._on_finished)
        self.engine.failed.connect(self._on_failed)
        self.engine.cancelled.connect(self._on_cancelled)
        self.engine.ended.connect(self._on_ended)
        self.engine.aggregator.progressChanged.connect(self._on_progress)

    @property
    def busy(self) -> bool:
        """An item is being prepared or rendered."""
        return self.current_id is not None

    @property
    def is_settled(self) -> bool:
        """Nothing runs: no render, no probe, no cluster call (the app can close now)."""
        calls = (self.loader, self.cluster, self.closer)
        return not self.busy and not any(c.busy for c in calls)

    @property
    def on_cluster(self) -> bool:
        """The current item renders (or is being prepared) on a cluster."""
        return self._session is not None or self._prep_token is not None

    def elapsed_s(self) -> float:
        """How long the current item has been running."""
        return self._clock.elapsed() / 1000 if self.busy else 0.0

    # -- commands -----------------------------------------------------------------------

    def start_queue(self) -> None:
        """Render pending items, in order, until none is left."""
        self.running_queue = True
        if not self.busy:
            self._run_next()
        self.stateChanged.emit()

    def cancel_current(
        self, as_status: Status = Status.CANCELLED, keep_finished: bool = False
    ) -> None:
        """Stop the current render at once; the queue stops too. ``keep_finished``: its
        finished chunks stay for a later render of the same job (Resume)."""
        if not self.busy:
            return
        self.running_queue = False
        self._stop_as = as_status
        if self.engine.running:
            self.engine.cancel(keep_finished)  # ``ended`` follows within a second
        else:  # still reading the composition or connecting: nothing to stop
            self._token = self._prep_token = None
            self._end(as_status)

    def cancel_item(self, item_id: str) -> None:
        if item_id == self.current_id:
            self.cancel_current()
        elif self.model.get(item_id).status is Status.PENDING:
            self.model.update(
                item_id, status=Status.CANCELLED, message="Cancelled before it started"
            )

    def run_again(self, item_id: str) -> None:
        """Queue a finished item again and start the queue."""
        if item_id != self.current_id:
            self.model.reset_item(item_id)
            self.start_queue()

    def remove(self, item_id: str) -> None:
        if item_id != self.current_id:
            self.model.remove(item_id)

    def shutdown(self, keep_finished: bool) -> None:
        """The app is closing: stop the queue. The current item ends as interrupted, its
        finished chunks kept for Resume (``keep_finished``), else as cancelled."""
        self.running_queue = False
        status = Status.INTERRUPTED if keep_finished else Status.CANCELLED
        self.cancel_current(status, keep_finished)

    # -- running one item ---------------------------------------------------------------

    def _run_next(self) -> None:
        item = self.model.next_pending()
        if item is None:
            self.running_queue = False
            self.stateChanged.emit()
            return
        self.current_id = item.id
        self._stop_as = None
        self._result = (Status.CANCELLED, "", "")
        self._clock.start()
        self.model.update(item.id, status=Status.RUNNING, started_at=time.time(),
                          ended_at=None, progress=0.0, message="Preparing")  # fmt: skip
        path = Path(item.composition)
        boot = 0
        if self.target is None:  # as the command line does: one probes, the others boot
            self.booting = WorkerPool(composition_kind(path) or "qml")  # the probe refuses others
            boot = boot_count(self.booting.kind, item.settings.concurrency)
        self._token = self.loader.load(path, find_encoder=True, workers=self.booting,
                                       boot=boot, renderer=item.settings.renderer)  # fmt: skip
        self.itemStarted.emit(item.id)
        self.stateChanged.emit()

    def _on_loaded(self, token: int, info: CompositionInfo) -> None:
        if token != self._token or self.current_id is None:
            return
        self._token = None
        item = self.model.get(self.current_id)
        try:
            find_ffmpeg()  # cached by the probe; the engine needs it to start
            job = None if self.target else prepare_job(info, item.settings)
        except BadInput as exc:
            self._end(Status.FAILED, str(exc))
            return
        if job is not None:
            self._start(item.id, job)
        elif self.target is not None:  # connect and send the composition off this thread
            self.model.update(item.id, message="Connecting to the cluster", save=False)
            call = partial(open_job, self.target, info, item.settings)
            self._prep_token = self.cluster.submit(call)

    def _on_cluster_job(self, token: int, result: tuple[ClusterSession, RenderJob]) -> None:
        session, job = result
        if token != self._prep_token or self.current_id is None:  # cancelled meanwhile
            job.remove_work_dir()
            self.closer.submit(partial(close_session, session))
            return
        self._prep_token = None
        self._session = session
        self._start(self.current_id, job)

    def _on_cluster_failed(self, token: int, message: str) -> None:
        if token == self._prep_token and self.current_id is not None:
            self._prep_token = None
            self._end(Status.FAILED, message)

    def _on_chunk_started(self, _index: int, pid: int, _attempt: int) -> None:
        if self._session is None:  # a cluster's pids are other machines' processes
            lower_priority(pid)

    def _start(self, item_id: str, job: RenderJob) -> None:
        self.model.update(item_id, message="Rendering", save=False)
        self.jobStarting.emit(item_id, job)
        self.engine.chunk_attempt = self._session.chunk_attempt if self._session else None
        workers, self.booting = self.booting, None
        try:
            self.engine.start(job, workers)
        except Exception as exc:
            job.remove_work_dir()
            self.booting = workers  # not taken over: let go in _end
            self._end(Status.FAILED, f"the render could not start: {exc}")

    def _on_load_failed(self, token: int, message: str) -> None:
        if token == self._token and self.current_id is not None:
            self._token = None
            self._end(Status.FAILED, message)

    def _on_progress(self, value: float) -> None:
        if self.current_id is not None:
            self.model.update(self.current_id, progress=value, save=False)

    def _on_finished(self, output: str) -> None:
        self._result = (Status.DONE, "", "")

    def _on_failed(self, message: str, details: str) -> None:
        self._result = (Status.FAILED, message, details)

    def _on_cancelled(self) -> None:
        self._result = (self._stop_as or Status.CANCELLED, "", "")

    def _on_ended(self) -> None:
        if self.current_id is not None:
            self._end(*self._result)

    def _end(self, status: Status, message: str = "", details: str = "") -> None:
        if self.booting is not None:  # the render never started: let its workers go
            self.closer.submit(self.booting.close)
            self.booting = None
        if self._session is not None:  # disconnecting may take a moment: off this thread
            self.closer.submit(partial(close_session, self._session))
            self._session = None
        item_id, self.current_id = self.current_id, None
        assert item_id is not None
        item = self.model.get(item_id)
        took = format_duration(self._clock.elapsed() / 1000)
        changes: dict[str, Any] = {"status": status, "ended_at": time.time(), "details": details}
        if status is Status.DONE:
            changes.update(progress=1.0, output_size=output_size(item.output),
                           message=f"Rendered in {took}")  # fmt: skip
        elif status is Status.CANCELLED:
            changes["message"] = f"Cancelled after {took}; the output was left as it was"
        elif status is Status.INTERRUPTED:
            changes["message"] = INTERRUPTED_MESSAGE
        else:
            changes["message"] = message
        if status in (Status.CANCELLED, Status.INTERRUPTED) or not self.model.has_pending():
            self.running_queue = False
        self.model.update(item_id, **changes)
        self.itemEnded.emit(item_id)
        self.stateChanged.emit()
        if self.running_queue:
            QTimer.singleShot(0, self._run_next)
        else:
            self._maybe_settled()

    def _maybe_settled(self) -> None:
        if self.is_settled:
            self.settled.emit()
