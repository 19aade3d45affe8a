"""The frames a chunk still has to draw, which another thread may cut short."""

from __future__ import annotations

import threading


class FrameRange:
    """Frames ``[start, end)`` handed out one at a time; :meth:`cut` may lower ``end``
    to any frame not handed out yet, so the rest can be rendered by another worker."""

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self._next = start
        self._end = end
        self._lock = threading.Lock()

    def claim(self) -> int | None:
        """The next frame to draw, or None when the range is done."""
        with self._lock:
            if self._next >= self._end:
                return None
            self._next += 1
            return self._next - 1

    def cut(self, at: int) -> int:
        """End the range at ``at``, or at the first frame not handed out if that is later;
        never later than it ends now. Returns the new end."""
        with self._lock:
            self._end = min(self._end, max(at, self._next))
            return self._end

    @property
    def end(self) -> int:
        with self._lock:
            return self._end

    @property
    def count(self) -> int:
        return self.end - self.start
