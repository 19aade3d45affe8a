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

A worker keeps one booted, idle ``worker serve`` process per thread between jobs
(:class:`Spares`; Python, Qt and ThorVG loaded, about 0.4 CPU s each, then no CPU while
idle), so a job's first chunk there does not wait for one to boot. A job's pool takes
these first; when the job ends, its processes exit and fresh spares boot for the next
job.

Loaded into every worker by ``studio-render worker`` (``--preload`` of this module) and
registered again by each client, so plain ``dask worker`` processes get it as well.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dask
from distributed import Worker, WorkerPlugin
from distributed.core import Status

from studio_render.core.chunk_run import ChunkSplitter
from studio_render.core.procs import SupervisedProcess, worker_command
from studio_render.core.worker_pool import WorkerPool, let_go

PLUGIN_NAME = "studio-render-chunks"
#: Set for chunk processes on workers: QML scenes there may not make network requests.
NO_NETWORK_ENV = "STUDIO_RENDER_NO_NETWORK"
#: Set for render processes on workers: a probe there does not look for the audio file.
AUDIO_ON_CLIENT_ENV = "STUDIO_RENDER_AUDIO_ON_CLIENT"
#: Set by Dask's nanny for its worker process (``distributed.nanny.pre-spawn-environ``);
#: a render process or encoder that inherits it pays for it (see :func:`_malloc_untuned`).
MALLOC_TRIM_ENV = "MALLOC_TRIM_THRESHOLD_"
#: Transitions out of ``executing`` that mean the result is no longer wanted.
_STOP_STATES = frozenset({"cancelled", "released", "forgotten", "rescheduled"})

_running: dict[str, tuple[threading.Event, ChunkSplitter | None]] = {}
_pools: dict[str, _JobPool] = {}  # job: its warm workers on this Dask worker
_used: dict[str, float] = {}  # job: when a chunk last took one of its warm workers
#: A job whose warm workers have not been used for this long has lost its client.
STALE_POOL_S = 600.0
_lock = threading.Lock()
_adopting = threading.Lock()  # spares passing to a job


@contextmanager
def running_chunk(key: str, splitter: ChunkSplitter | None = None) -> Iterator[threading.Event]:
    """Register the task ``key`` (a chunk, with the ``splitter`` that can end it early, or
    a probe) while it runs; yields the Event that cancels it."""
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


class Spares:
    """Booted ``worker serve`` processes waiting for a job on this Dask worker. Thread-safe.

    Booted for either kind (``serve any``: Qt and the Lottie modules loaded, ThorVG's
    import took 0.04 CPU s of a Lottie probe): the boot does not depend on the
    composition, so they start with the worker and after each job.
    """

    def __init__(self) -> None:
        self.count = 0  # how many to keep: the worker's threads
        self._idle: list[SupervisedProcess] = []
        self._lock = threading.Lock()
        self._closed = False

    def fill(self, count: int | None = None) -> None:
        """Boot spares until ``count`` (or the count kept) are idle."""
        with self._lock:
            if count is not None:
                self.count = count
            dead = [p for p in self._idle if p.poll() is not None]
            self._idle = [p for p in self._idle if p.poll() is None]
            missing = 0 if self._closed else self.count - len(self._idle)
        for proc in dead:
            proc.stop()  # reap what is left of its group
        booted = [SupervisedProcess(worker_command("serve", "any"), own_tmp=True)
                  for _ in range(missing)]  # fmt: skip
        with self._lock:
            if not self._closed:
                self._idle.extend(booted)
                return
        let_go(booted)  # closed while they booted: nothing else would end them

    def take(self) -> SupervisedProcess | None:
        """A booted idle process, or None if none is left."""
        with self._lock:
            while self._idle:
                proc = self._idle.pop()
                if proc.poll() is None:
                    return proc
                proc.stop()
        return None

    def pids(self) -> list[int]:
        with self._lock:
            return [p.pid for p in self._idle]

    def close(self) -> None:
        """Let every spare go (the worker is closing) and boot no more."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        let_go(idle)


_spares = Spares()


class _JobPool(WorkerPool):
    """A job's warm workers: the worker's booted spares join it as it is first used."""

    def adopt_spares(self) -> None:
        """Make the worker's spares idle workers of this job, in one step: a chunk that
        takes a worker meanwhile finds one of them, never a process to boot."""
        with _adopting:
            while (proc := _spares.take()) is not None:
                self.put_back(proc)

    def take(self) -> SupervisedProcess:
        self.adopt_spares()
        return super().take()

    def tell_idle(self, line: str) -> int:
        """Send ``line`` to the job's idle processes, before any chunk can take them; to
        how many."""
        with self._lock:
            return sum(proc.send_line(line) for proc in self._idle)


def spare_pids(dask_worker: Any = None) -> list[int]:
    """The process ids of this worker's idle booted processes (through ``Client.run``)."""
    return _spares.pids()


def warm_pool(job: str, kind: str) -> _JobPool:
    """The warm chunk workers of ``job`` on this Dask worker (made on first use). Those of
    jobs unused for ``STALE_POOL_S`` (a client that went away) are let go."""
    now = time.monotonic()
    with _lock:
        stale = [j for j, used in _used.items() if j != job and now - used > STALE_POOL_S]
        pool = _pools.get(job)
        if pool is None:
            pool = _pools[job] = _JobPool(kind)
        _used[job] = now
    for old in stale:
        close_pool(old)
    return pool


def load_ahead(job: str, kind: str, spec_json: str) -> int:
    """Give the job the worker's spares, and tell them and the job's idle processes to
    load the scene of chunks like ``spec_json`` now (a ``load`` request), so the first
    chunk only renders; how many."""
    pool = warm_pool(job, kind)
    pool.adopt_spares()
    return pool.tell_idle(json.dumps({"load": json.loads(spec_json)}))


def close_pool(job: str) -> None:
    """Let the job's idle warm workers exit (its running chunks stop theirs), and boot
    spares in place of those it took."""
    with _lock:
        pool = _pools.pop(job, None)
        _used.pop(job, None)
    if pool is not None:
        pool.close()
        _spares.fill()


def running_keys() -> list[str]:
    with _lock:
        return list(_running)


class ChunkCancelPlugin(WorkerPlugin):
    """Turns a released chunk task into a stopped chunk process."""

    name = PLUGIN_NAME
    idempotent = True

    def setup(self, worker: Worker) -> None:
        _malloc_untuned()
        os.environ[NO_NETWORK_ENV] = "1"  # inherited by every chunk process
        os.environ[AUDIO_ON_CLIENT_ENV] = "1"
        _spares.fill(worker.state.nthreads)

    def teardown(self, worker: Worker) -> None:
        if worker.status in (Status.closing, Status.closed):  # not when merely replaced
            for key in running_keys():
                stop_chunk(key)
            with _lock:
                jobs = list(_pools)
            _spares.close()
            for job in jobs:
                close_pool(job)

    def transition(self, key: Any, start: str, finish: str, **kwargs: Any) -> None:
        if finish in _STOP_STATES and isinstance(key, str):
            stop_chunk(key)


def _malloc_untuned() -> None:
    """Leave glibc's malloc as it comes for the chunk processes this worker starts.

    The nanny gives its worker ``MALLOC_TRIM_THRESHOLD_`` (to hand freed memory back to the
    system at once); with it set, glibc also stops raising its mmap threshold, so every
    frame-sized buffer is a fresh mapping whose pages fault in again. Inherited by a
    render process, that cost 0.45 CPU s of system time in a 208-frame 1080p Lottie
    render of 8 CPU s. The worker itself keeps the setting (glibc read it at start); a
    value other than the nanny's is the user's own and stays.
    """
    nanny = dask.config.get("distributed.nanny.pre-spawn-environ", {}).get(MALLOC_TRIM_ENV)
    if nanny is not None and os.environ.get(MALLOC_TRIM_ENV) == str(nanny):
        del os.environ[MALLOC_TRIM_ENV]


async def dask_setup(worker: Worker) -> None:
    """``--preload`` entry point."""
    await worker.plugin_add(ChunkCancelPlugin(), name=PLUGIN_NAME)
