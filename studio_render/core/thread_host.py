"""The engine's threads from the standard library, for the command line. Qt-free.

:class:`ThreadHost` posts to a queue that the owner (main) thread drains in
:meth:`ThreadHost.run_until`, and runs the pool's work in plain threads: at most
``threads`` at once, in the order submitted, as a QThreadPool does in the window.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable


class ThreadPool:
    """Runs submitted functions in threads, in order, at most ``threads`` at once; the
    limit may change while they run (a queued function starts when it allows)."""

    def __init__(self, threads: int) -> None:
        self._limit = max(1, threads)
        self._queue: deque[Callable[[], None]] = deque()
        self._threads: list[threading.Thread] = []
        self._running = 0
        self._lock = threading.Lock()

    def submit(self, fn: Callable[[], None]) -> None:
        with self._lock:
            self._queue.append(fn)
            self._start_threads()

    def set_threads(self, threads: int) -> None:
        with self._lock:
            self._limit = max(1, threads)
            self._start_threads()

    def wait(self) -> None:
        """Wait until nothing is queued and every thread has returned."""
        while True:
            with self._lock:
                threads = list(self._threads)
            if not threads:
                return
            for thread in threads:
                thread.join()

    def _start_threads(self) -> None:
        """With the lock held: a thread for each queued function the limit allows."""
        while self._queue and self._running < self._limit:
            self._running += 1
            thread = threading.Thread(target=self._work, name="studio-render-pool")
            self._threads.append(thread)
            thread.start()

    def _work(self) -> None:
        while True:
            with self._lock:
                if not self._queue or self._running > self._limit:
                    self._running -= 1
                    self._threads.remove(threading.current_thread())
                    self._start_threads()  # the limit may allow another
                    return
                fn = self._queue.popleft()
            fn()  # the engine's functions report their own errors


class ThreadHost:
    """An :class:`~studio_render.core.engine.EngineHost` on a queue and plain threads."""

    def __init__(self) -> None:
        self._posted: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self.pool = ThreadPool(1)
        self._beside = ThreadPool(1)

    def post(self, fn: Callable[[], None]) -> None:
        self._posted.put(fn)

    def new_pool(self, threads: int) -> None:
        self.pool = ThreadPool(threads)

    def submit(self, fn: Callable[[], None]) -> None:
        self.pool.submit(fn)

    def set_threads(self, threads: int) -> None:
        self.pool.set_threads(threads)

    def submit_beside(self, fn: Callable[[], None]) -> None:
        self._beside.submit(fn)

    def wait(self) -> None:
        self.pool.wait()
        self._beside.wait()

    def run_until(
        self,
        done: Callable[[], bool],
        idle: Callable[[], float | None] = lambda: None,
        poll_s: float = 0.1,
    ) -> None:
        """Run what is posted, in this thread, until ``done()``. ``idle()`` runs after
        each posted function and returns how soon it wants to run again (None: when
        something is posted). Waits at most ``poll_s`` at a time, so that Python runs the
        handlers of signals that came meanwhile."""
        while not done():
            wait = idle()
            timeout = poll_s if wait is None else min(wait, poll_s)
            try:
                fn = self._posted.get(timeout=timeout)
            except queue.Empty:
                continue
            fn()
