"""The command line's engine host: a pool of plain threads that keeps its limit (and a
new one), runs work in order, and a queue that the owner thread drains."""

from __future__ import annotations

import threading
import time
from functools import partial

from studio_render.core.thread_host import ThreadHost, ThreadPool


def test_the_pool_keeps_its_limit_and_takes_a_new_one() -> None:
    pool = ThreadPool(2)
    lock, release = threading.Lock(), threading.Event()
    running: list[int] = []
    started: list[int] = []
    most = [0]

    def work(n: int) -> None:
        with lock:
            started.append(n)
            running.append(n)
            most[0] = max(most[0], len(running))
        release.wait(10)
        with lock:
            running.remove(n)

    for n in range(5):
        pool.submit(partial(work, n))
    deadline = time.monotonic() + 5
    while len(started) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)
    assert started == [0, 1], "two at once, the first two submitted"
    pool.set_threads(4)  # two queued ones start at once
    while len(started) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)
    assert started == [0, 1, 2, 3]
    release.set()
    pool.wait()
    assert started == [0, 1, 2, 3, 4] and most[0] == 4 and not running
    assert not [t for t in threading.enumerate() if t.name == "studio-render-pool"]


def test_posts_run_in_the_owner_thread_in_order() -> None:
    host = ThreadHost()
    host.new_pool(2)
    seen: list[tuple[int, bool]] = []
    main = threading.current_thread()

    def report(n: int) -> None:
        seen.append((n, threading.current_thread() is main))

    def work() -> None:
        for n in range(20):
            host.post(partial(report, n))

    host.submit(work)
    host.run_until(lambda: len(seen) == 20)
    host.wait()
    assert seen == [(n, True) for n in range(20)]
