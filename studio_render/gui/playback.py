"""Playback arithmetic for the preview: which frame is due now, and the rate achieved.

Playback never queues frames: at any moment the frame due is the one the clock says, and
the preview asks for it once the frame before it is on screen, so a machine that does not
keep up skips frames and stays on time.
"""

from __future__ import annotations

import collections


class PlaybackClock:
    """Frame due at time ``now_s`` when playing from ``start`` at ``fps``, looping over
    ``first``-``last`` (inclusive)."""

    def __init__(self, fps: float, first: int, last: int) -> None:
        self.fps = fps
        self.first, self.last = first, max(first, last)
        self._anchor_frame = first
        self._anchor_s = 0.0

    def start(self, frame: int, now_s: float) -> None:
        """Play on from ``frame`` (a frame outside the loop starts it from its first)."""
        inside = self.first <= frame <= self.last
        self._anchor_frame, self._anchor_s = (frame if inside else self.first), now_s

    def due(self, now_s: float) -> int:
        frame = self._anchor_frame + int((now_s - self._anchor_s) * self.fps + 1e-9)
        if frame > self.last:  # loop: the first frame again, on time
            length = self.last - self.first + 1
            frame = self.first + (frame - self.first) % length
        return frame


class RateMeter:
    """Frames shown per second over the last ``window_s`` seconds."""

    def __init__(self, window_s: float = 1.0) -> None:
        self.window_s = window_s
        self._times: collections.deque[float] = collections.deque()

    def reset(self) -> None:
        self._times.clear()

    def shown(self, now_s: float) -> None:
        self._times.append(now_s)
        while self._times and self._times[0] < now_s - self.window_s:
            self._times.popleft()

    def rate(self) -> float | None:
        """Frames per second, once at least two frames were shown."""
        if len(self._times) < 2:
            return None
        span = self._times[-1] - self._times[0]
        return (len(self._times) - 1) / span if span > 0 else None
