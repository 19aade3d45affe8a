"""The worker plugin: warm chunk workers, and stopping a chunk as soon as its task is released.

Dask cannot interrupt a running task: ``future.cancel()`` (or a client that goes away)
only moves the task to ``cancelled`` and waits for it to return (dask/distributed#4694).
Chunk tasks register a cancel Event here while they run; the ``transition`` hook sets it
when the task leaves the executing state, and the task's supervisor then stops the chunk
process group (interrupt, terminate, kill) within a second.

Chunk tasks of one job take their render process from that job's :class:`WorkerPool`
here (:func:`warm_pool`): a ``worker serve`` process loads the composition once and takes
chunk after chunk, as in a local render. The pool is closed when the client removes the
job (:func:`close_pool`) or the worker stops. A running chunk also registers its
:class:`ChunkSplitter`, so the client can ask it to end early (:func:`cut_chunk`).

Loaded into every worker by ``studio-render worker`` (``--preload`` of this module) and
registered again by each client, so plain ``dask worker`` processes get it as well.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from distributed import Worker, WorkerPlugin
from distributed.core import Status

from studio_render.core.chunk_run import ChunkSplitter
from studio_render.core.worker_pool import WorkerPool

PLUGIN_NAME = "studio-render-chunks"
#: Set for chunk processes on workers: QML scenes there may not make network requests.
NO_NETWORK_ENV = "STUDIO_RENDER_NO_NETWORK"
#: Transitions out of ``executing`` that mean the result is no longer wanted.
_STOP_STATES = frozenset({"cancelled", "released", "forgotten", "rescheduled"})

_running: dict[str, tuple[threading.Event, ChunkSplitter | None]] = {}
_pools: dict[str, WorkerPool] = {}  # job: its warm workers on this Dask worker
_used: dict[str, float] = {}  # job: when a chunk last took one of its warm workers
#: A job whose warm workers have not been used for this long has lost its client.
STALE_POOL_S = 600.0
_lock = threading.Lock()


@contextmanager
def running_chunk(key: str, splitter: ChunkSplitter | None = None) -> Iterator[threading.Event]:
    """Register the task ``key`` (and the ``splitter`` that can end it early) while it
    runs; yields the Event that cancels it."""
    event = threading.Event()
    with _lock:
        _running[key] = (event, splitter)
    try:
        yield event
    finally:
        with _lock:
            _running.pop(key, None)


def stop_chunk(key: str) -> bool:
    """Ask the chunk task ``key`` to stop its process; False if it is not running here."""
    with _lock:
        event, _ = _running.get(key, (None, None))
    if event is not None:
        event.set()
    return event is not None


def cut_chunk(key: str, at: int, dask_worker: Any = None) -> bool:
    """Ask the chunk task ``key`` to end at frame ``at`` (through ``Client.run``); False
    if it is not running here. Its answer travels back with its progress events."""
    with _lock:
        _, splitter = _running.get(key, (None, None))
    return splitter is not None and splitter.request(at)


def warm_pool(job: str, kind: str) -> WorkerPool:
    """The warm chunk workers of ``job`` on this Dask worker (made on first use). Those of
    jobs unused for ``STALE_POOL_S`` (a client that went away) are let go."""
    now = time.monotonic()
    with _lock:
        stale = [j for j, used in _used.items() if j != job and now - used > STALE_POOL_S]
        pool = _pools.get(job)
        if pool is None:
            pool = _pools[job] = WorkerPool(kind)
        _used[job] = now
    for old in stale:
        close_pool(old)
    return pool


def close_pool(job: str) -> None:
    """Let the job's idle warm workers exit (its running chunks stop theirs)."""
    with _lock:
        pool = _pools.pop(job, None)
        _used.pop(job, None)
    if pool is not None:
        pool.close()


def running_keys() -> list[str]:
    with _lock:
        return list(_running)


class ChunkCancelPlugin(WorkerPlugin):
    """Turns a released chunk task into a stopped chunk process."""

    name = PLUGIN_NAME
    idempotent = True

    def setup(self, worker: Worker) -> None:
        os.environ[NO_NETWORK_ENV] = "1"  # inherited by every chunk process

    def teardown(self, worker: Worker) -> None:
        if worker.status in (Status.closing, Status.closed):  # not when merely replaced
            for key in running_keys():
                stop_chunk(key)
            with _lock:
                jobs = list(_pools)
            for job in jobs:
                close_pool(job)

    def transition(self, key: Any, start: str, finish: str, **kwargs: Any) -> None:
        if finish in _STOP_STATES and isinstance(key, str):
            stop_chunk(key)


async def dask_setup(worker: Worker) -> None:
    """``--preload`` entry point."""
    await worker.plugin_add(ChunkCancelPlugin(), name=PLUGIN_NAME)
