"""Timing each frame a worker draws, to catch a hung frame in seconds. Qt-free.

A worker reports after every frame. A frame is hung when it has taken ``HANG_FACTOR``
times as long as the frames before it (and at least ``MIN_HANG_S``), or in any case longer
than the user's limit (the first frame of an attempt, which loads the scene, only that). A
worker that stops reporting (stopped, swapping, deadlocked) looks the same. Once all its
frames are drawn, the encoder's lines show the worker alive, within the limit. While a frame
is slow, ``on_waiting(frame, seconds)`` says so about twice a second.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

#: Default limit for one frame, in seconds (``--frame-timeout``).
FRAME_TIMEOUT_S = 30.0
HANG_FACTOR = 20.0
MIN_HANG_S = 5.0
#: A frame this much slower than usual (and over a second) is shown as waiting.
SLOW_FACTOR = 4.0
_NOTICE_EVERY_S = 0.5


class FrameWatch:
    """Watches one attempt of one chunk: ``frames`` frames from ``start``."""

    def __init__(
        self,
        start: int,
        frames: int,
        limit_s: float = FRAME_TIMEOUT_S,
        on_waiting: Callable[[int, float], None] = lambda frame, seconds: None,
    ) -> None:
        self.start = start
        self.frames = frames  # may shrink when the chunk is cut short
        self.limit_s = limit_s
        self.on_waiting = on_waiting
        self.rendered = 0
        self.hung_frame: int | None = None
        self._times: deque[float] = deque(maxlen=50)
        now = time.monotonic()
        self._since = now  # the current frame (or, once all are drawn, the last line) began
        self._noticed = now

    @property
    def frame(self) -> int:
        """The frame being drawn now."""
        return self.start + self.rendered

    def line(self, rendered: int | None = None) -> None:
        """The worker wrote a line; ``rendered``: its count of frames drawn, if it said."""
        now = time.monotonic()
        if rendered is not None and rendered > self.rendered:
            self._times.append((now - self._since) / (rendered - self.rendered))
            self.rendered = rendered
            self._since = now
        elif self.rendered >= self.frames:  # all drawn: the encoder's lines show life
            self._since = now

    def typical_s(self) -> float | None:
        """The median time of the frames drawn so far (the first, loading, left out)."""
        import statistics  # here: the command line imports this module before it forks its
        # workers, and statistics (with decimal and fractions) costs milliseconds

        times = list(self._times)[1:]
        return statistics.median(times) if times else None

    def threshold_s(self) -> float:
        typical = self.typical_s()
        if typical is None or self.rendered >= self.frames:  # loading, or flushing the encoder
            return self.limit_s
        return min(self.limit_s, max(MIN_HANG_S, HANG_FACTOR * typical))

    def check(self) -> str | None:
        """None while all is well; else why the attempt is taken as hung."""
        now = time.monotonic()
        waited = now - self._since
        threshold = self.threshold_s()
        if waited > threshold:
            typical = self.typical_s()
            before = f" (frames before it: {typical:.2g} s)" if typical is not None else ""
            if self.rendered >= self.frames:
                return f"the worker stopped reporting for {threshold:g} s after the last frame"
            self.hung_frame = self.frame
            return f"frame {self.frame} took more than {threshold:g} s{before}"
        typical = self.typical_s()
        if typical is None:  # the first frames (the scene loading): only a long wait
            slow = waited > MIN_HANG_S
        else:
            slow = waited > 1.0 and waited > SLOW_FACTOR * typical
        if slow and self.rendered < self.frames and now - self._noticed >= _NOTICE_EVERY_S:
            self._noticed = now
            self.on_waiting(self.frame, waited)
        return None
