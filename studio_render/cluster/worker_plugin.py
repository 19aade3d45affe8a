"""The worker plugin: stops a chunk's process as soon as its task is released.

Dask cannot interrupt a running task: ``future.cancel()`` (or a client that goes away)
only moves the task to ``cancelled`` and waits for it to return (dask/distributed#4694).
Chunk tasks register a cancel Event here while they run; the ``transition`` hook sets it
when the task leaves the executing state, and the task's supervisor then stops the chunk
process group (interrupt, terminate, kill) within a second.

Loaded into every worker by ``studio-render worker`` (``--preload`` of this module) and
registered again by each client, so plain ``dask worker`` processes get it as well.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from distributed import Worker, WorkerPlugin
from distributed.core import Status

PLUGIN_NAME = "studio-render-chunks"
#: Set for chunk processes on workers: QML scenes there may not make network requests.
NO_NETWORK_ENV = "STUDIO_RENDER_NO_NETWORK"
#: Transitions out of ``executing`` that mean the result is no longer wanted.
_STOP_STATES = frozenset({"cancelled", "released", "forgotten", "rescheduled"})

_running: dict[str, threading.Event] = {}
_lock = threading.Lock()


@contextmanager
def running_chunk(key: str) -> Iterator[threading.Event]:
    """Register the task ``key`` while it runs; yields the Event that cancels it."""
    event = threading.Event()
    with _lock:
        _running[key] = event
    try:
        yield event
    finally:
        with _lock:
            _running.pop(key, None)


def stop_chunk(key: str) -> bool:
    """Ask the chunk task ``key`` to stop its process; False if it is not running here."""
    with _lock:
        event = _running.get(key)
    if event is not None:
        event.set()
    return event is not None


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

    def transition(self, key: Any, start: str, finish: str, **kwargs: Any) -> None:
        if finish in _STOP_STATES and isinstance(key, str):
            stop_chunk(key)


async def dask_setup(worker: Worker) -> None:
    """``--preload`` entry point."""
    await worker.plugin_add(ChunkCancelPlugin(), name=PLUGIN_NAME)
