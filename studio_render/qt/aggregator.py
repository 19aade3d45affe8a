"""The aggregator QObject: chunk signals in, one monotonic progress value out."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from studio_render.core.progress import ProgressModel, ProgressSnapshot, Stage

#: QProgressBar range: tenths of a percent.
BAR_MAXIMUM = 1000
#: At most this many updates a second reach the screen; the last one is never dropped.
UPDATES_PER_SECOND = 30


class ProgressAggregator(QObject):
    """Combines chunk and stage reports into one value from 0 to 1 that never decreases.

    ``progressChanged`` carries the value, ``barValueChanged`` the same value scaled to
    ``BAR_MAXIMUM`` for a QProgressBar, ``snapshotChanged`` stage, frames, fps and ETA.
    The first emission is 0; 1.0 is emitted exactly once, by :meth:`finish`.
    """

    progressChanged = Signal(float)
    barValueChanged = Signal(int)
    snapshotChanged = Signal(object)  # ProgressSnapshot

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model: ProgressModel | None = None
        self._last_sent: ProgressSnapshot | None = None
        self._pending = False
        self._closed = True
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(1000 // UPDATES_PER_SECOND)
        self._timer.timeout.connect(self._flush)

    def begin(self, model: ProgressModel) -> None:
        """Start a new render: emits the first value, 0."""
        self._model = model
        self._last_sent = None
        self._closed = False
        self._emit(model.snapshot())

    @Slot(int, int, int)
    def onChunkProgress(self, index: int, rendered: int, encoded: int) -> None:
        if self._model and not self._closed:
            self._model.chunk_progress(index, rendered, encoded)
            self._schedule()

    @Slot(int)
    def onChunkRestarted(self, index: int) -> None:
        if self._model and not self._closed:
            self._model.chunk_restarted(index)
            self._schedule()

    @Slot(int, int, int)
    def onChunkSplit(self, index: int, keep: int, new_index: int) -> None:
        if self._model and not self._closed:
            self._model.chunk_split(index, keep, new_index)
            self._schedule()

    @Slot(int)
    def onChunkDone(self, index: int) -> None:
        if self._model and not self._closed:
            self._model.chunk_done(index)
            self._schedule()

    @Slot(str, float)
    def onStageProgress(self, stage: str, fraction: float) -> None:
        if self._model and not self._closed:
            self._model.stage_progress(Stage(stage), fraction)
            self._schedule()

    def finish(self) -> None:
        """The output file is in place: emit 1.0, once, and stop."""
        if self._model is None or self._closed:
            return
        self._timer.stop()
        self._model.finish()
        self._emit(self._model.snapshot())
        self._closed = True

    def stop(self) -> None:
        """Cancelled or failed: no further updates."""
        self._timer.stop()
        self._closed = True

    def _schedule(self) -> None:
        self._pending = True
        if not self._timer.isActive():
            self._flush()
            self._timer.start()

    def _flush(self) -> None:
        if not self._pending or self._model is None or self._closed:
            return
        self._pending = False
        snap = self._model.snapshot()
        last = self._last_sent
        if last and (snap.progress, snap.stage, snap.frames_done, snap.chunks_done) == (
            last.progress,
            last.stage,
            last.frames_done,
            last.chunks_done,
        ):
            return
        self._emit(snap)
        self._timer.start()

    def _emit(self, snap: ProgressSnapshot) -> None:
        self._last_sent = snap
        self.progressChanged.emit(snap.progress)
        self.barValueChanged.emit(round(snap.progress * BAR_MAXIMUM))
        self.snapshotChanged.emit(snap)
