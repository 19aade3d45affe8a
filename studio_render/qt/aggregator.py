"""The aggregator QObject: the core's progress feed, as Qt signals for the window."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from studio_render.core.progress import ProgressModel, ProgressSnapshot
from studio_render.core.progress_feed import BAR_MAXIMUM, UPDATES_PER_SECOND, ProgressFeed

__all__ = ["BAR_MAXIMUM", "UPDATES_PER_SECOND", "ProgressAggregator"]


class ProgressAggregator(QObject):
    """Combines chunk and stage reports into one value from 0 to 1 that never decreases.

    ``progressChanged`` carries the value, ``barValueChanged`` the same value scaled to
    ``BAR_MAXIMUM`` for a QProgressBar, ``snapshotChanged`` stage, frames, fps and ETA.
    The first emission is 0; 1.0 is emitted exactly once, by :meth:`finish`. The
    throttling is :class:`ProgressFeed`'s (:attr:`feed`, which the engine reports to); a
    QTimer sends the update it holds back.
    """

    progressChanged = Signal(float)
    barValueChanged = Signal(int)
    snapshotChanged = Signal(object)  # ProgressSnapshot

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.feed = ProgressFeed(self._emit, on_hold=self._arm)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._flush)

    def begin(self, model: ProgressModel) -> None:
        """Start a new render: emits the first value, 0."""
        self.feed.begin(model)

    @Slot(int, int, int)
    def onChunkProgress(self, index: int, rendered: int, encoded: int) -> None:
        self.feed.chunk_progress(index, rendered, encoded)

    @Slot(int)
    def onChunkRestarted(self, index: int) -> None:
        self.feed.chunk_restarted(index)

    @Slot(int, int, int)
    def onChunkSplit(self, index: int, keep: int, new_index: int) -> None:
        self.feed.chunk_split(index, keep, new_index)

    @Slot(int)
    def onChunkDone(self, index: int) -> None:
        self.feed.chunk_done(index)

    @Slot(str, float)
    def onStageProgress(self, stage: str, fraction: float) -> None:
        self.feed.stage_progress(stage, fraction)

    def finish(self) -> None:
        """The output file is in place: emit 1.0, once, and stop."""
        self._timer.stop()
        self.feed.finish()

    def stop(self) -> None:
        """Cancelled or failed: no further updates."""
        self._timer.stop()
        self.feed.stop()

    def _arm(self) -> None:
        """If the feed holds an update back, send it when its time comes."""
        due = self.feed.due_in()
        if due is not None and not self._timer.isActive():
            self._timer.start(max(1, round(due * 1000)))

    def _flush(self) -> None:
        self.feed.flush_due()
        self._arm()  # sent early by a coarse timer: not due yet

    def _emit(self, snap: ProgressSnapshot) -> None:
        self.progressChanged.emit(snap.progress)
        self.barValueChanged.emit(round(snap.progress * BAR_MAXIMUM))
        self.snapshotChanged.emit(snap)
