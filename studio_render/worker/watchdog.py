"""A time limit per frame, for renderers that can loop forever on a broken file. Qt-free.

ThorVG spins at 100% CPU on some fuzzed Lottie files; its C code cannot be interrupted,
so a frame over the limit ends the whole worker process with a message.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

#: No sane frame takes this long (a 1080p Lottie frame takes milliseconds).
FRAME_TIME_LIMIT_S = 5.0


class Watchdog:
    """Calls ``expire(what)`` (from its own thread) when a guarded step runs too long."""

    def __init__(self, expire: Callable[[str], None], limit_s: float = FRAME_TIME_LIMIT_S):
        self.limit_s = limit_s
        self._expire = expire
        self._deadline: float | None = None
        self._what = ""
        self._wake = threading.Condition()
        threading.Thread(target=self._watch, daemon=True, name="frame-watchdog").start()

    def arm(self, what: str) -> None:
        """Start timing a step described by ``what``."""
        with self._wake:
            self._deadline, self._what = time.monotonic() + self.limit_s, what
            self._wake.notify()

    def disarm(self) -> None:
        with self._wake:
            self._deadline = None

    def _watch(self) -> None:
        with self._wake:
            while True:
                if self._deadline is None:
                    self._wake.wait()
                    continue
                left = self._deadline - time.monotonic()
                if left <= 0:
                    self._expire(f"{self._what} took longer than {self.limit_s:g} s")
                    return
                self._wake.wait(left)
