"""Chunk and stage reports in, one throttled, never-decreasing progress snapshot out. Qt-free.

The engine reports to a :class:`ProgressFeed` in its owner thread; the feed sends a
:class:`~studio_render.core.progress.ProgressSnapshot` at most ``UPDATES_PER_SECOND`` times
a second, and never drops the last one: whoever drives it calls :meth:`flush_due` once
:meth:`due_in` has passed (the window's aggregator with a QTimer, told by ``on_hold``;
the command line from its event loop).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from studio_render.core.progress import ProgressModel, ProgressSnapshot, Stage

#: At most this many updates a second reach the screen; the last one is never dropped.
UPDATES_PER_SECOND = 30
#: A progress bar's range (the window's, the terminal's): tenths of a percent.
BAR_MAXIMUM = 1000


class ProgressFeed:
    """The render's :class:`ProgressModel`, and the snapshots sent from it to ``send``.

    The first snapshot (progress 0) is sent by :meth:`begin`; 1.0 exactly once, by
    :meth:`finish`; nothing after :meth:`stop`.
    """

    def __init__(
        self,
        send: Callable[[ProgressSnapshot], None],
        on_hold: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._send = send
        self._on_hold = on_hold  # called when an update is held back
        self._clock = clock
        self.model: ProgressModel | None = None
        self._last_sent: ProgressSnapshot | None = None
        self._pending = False
        self._closed = True
        self._next_at = 0.0  # no update is sent before this time

    def begin(self, model: ProgressModel) -> None:
        """Start a new render: sends the first value, 0."""
        self.model = model
        self._last_sent = None
        self._closed = False
        self._pending = False
        self._emit(model.snapshot())

    def chunk_progress(self, index: int, rendered: int, encoded: int) -> None:
        if self.model and not self._closed:
            self.model.chunk_progress(index, rendered, encoded)
            self._schedule()

    def chunk_restarted(self, index: int) -> None:
        if self.model and not self._closed:
            self.model.chunk_restarted(index)
            self._schedule()

    def chunk_split(self, index: int, keep: int, new_index: int) -> None:
        if self.model and not self._closed:
            self.model.chunk_split(index, keep, new_index)
            self._schedule()

    def chunk_done(self, index: int) -> None:
        if self.model and not self._closed:
            self.model.chunk_done(index)
            self._schedule()

    def stage_progress(self, stage: str, fraction: float) -> None:
        if self.model and not self._closed:
            self.model.stage_progress(Stage(stage), fraction)
            self._schedule()

    def finish(self) -> None:
        """The output file is in place: send 1.0, once, and stop."""
        if self.model is None or self._closed:
            return
        self.model.finish()
        self._emit(self.model.snapshot())
        self._closed = True
        self._pending = False

    def stop(self) -> None:
        """Cancelled or failed: no further updates."""
        self._closed = True
        self._pending = False

    def due_in(self) -> float | None:
        """Seconds until the update held back may be sent (0: now); None if none is."""
        if not self._pending or self._closed:
            return None
        return max(0.0, self._next_at - self._clock())

    def flush_due(self) -> None:
        """Send the update held back, if its time has come."""
        if self._pending and not self._closed and self._clock() >= self._next_at:
            self._flush()

    def _schedule(self) -> None:
        self._pending = True
        self.flush_due()
        if self._pending and self._on_hold is not None:
            self._on_hold()

    def _flush(self) -> None:
        assert self.model is not None
        self._pending = False
        snap = self.model.snapshot()
        last = self._last_sent
        if last and (snap.progress, snap.stage, snap.frames_done, snap.chunks_done) == (
            last.progress,
            last.stage,
            last.frames_done,
            last.chunks_done,
        ):
            return
        self._emit(snap)

    def _emit(self, snap: ProgressSnapshot) -> None:
        self._last_sent = snap
        self._next_at = self._clock() + 1.0 / UPDATES_PER_SECOND
        self._send(snap)
