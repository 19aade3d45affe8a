"""Worker processes kept alive between the chunks of one local render.

Starting a worker costs about a third of a CPU second (Python, Qt, loading the scene), so
a worker that finishes a chunk waits for the next one instead of exiting. A worker whose
attempt failed, stalled or was cancelled is stopped and never handed out again: only a
process that reported a complete chunk goes back to the pool.
"""

from __future__ import annotations

import importlib
import subprocess
import threading
from functools import partial
from pathlib import Path

from studio_render.core.composition import composition_kind
from studio_render.core.cpus import usable_cores
from studio_render.core.forked import can_fork
from studio_render.core.procs import WORKER_MAIN, SupervisedProcess, run_worker, worker_command

#: What a worker of each kind imports before its first request, imported here before
#: forking workers, so that each child has it already.
_PRELOADED = {"lottie": (WORKER_MAIN, "studio_render.worker.lottie_frames"),
              "qml": (WORKER_MAIN,)}  # fmt: skip
#: How long a closed idle worker gets to exit on its own before it is stopped.
_EXIT_GRACE_S = 1.0


class WorkerPool:
    """Idle ``worker serve`` processes, handed out one chunk at a time. Thread-safe."""

    def __init__(self, kind: str = "qml") -> None:
        self.kind = kind  # what the workers will render: a Lottie worker does not boot Qt
        self._idle: list[SupervisedProcess] = []
        self._lock = threading.Lock()
        self._closed = False
        #: workers given a chunk before the engine ran (:meth:`head_start`), by spec line
        self._head_started: dict[str, SupervisedProcess] = {}
        self.started = 0  # processes started so far (for tests and benchmarks)
        self.forked = 0  # of which forked from this process

    def _spawn(self, count: int = 1) -> list[SupervisedProcess]:
        """``count`` new workers: forked from this process if it can fork now (the
        command line before any of them runs), else each a new Python (exec)."""
        with self._lock:
            self.started += count
        argv = worker_command("serve", self.kind)
        forking = count > 0 and can_fork()
        if forking:
            for module in _PRELOADED[self.kind]:
                importlib.import_module(module)
            forking = can_fork()  # unless an import started a thread
        if not forking:
            return [SupervisedProcess(argv, own_tmp=True) for _ in range(count)]
        serve = partial(run_worker, "serve", self.kind)
        forked: list[SupervisedProcess] = []
        try:
            for _ in range(count):
                forked.append(SupervisedProcess(argv, own_tmp=True, read=False, fork=serve))
        except BaseException:  # out of processes or files, say: none is left half-started
            for proc in forked:
                proc.stop()
            raise
        for proc in forked:  # threads, once no more forks are to come
            proc.start_reading()
        with self._lock:
            self.forked += count
        return forked

    def prestart(self, count: int) -> None:
        """Start ``count`` workers now, so they boot while other work (a probe) runs. A
        pool closed meanwhile (the render ended first) stops them at once."""
        started = self._spawn(count)
        with self._lock:
            if not self._closed:
                self._idle.extend(started)
                return
        for proc in started:
            proc.stop()

    def head_start(self, spec_line: str) -> None:
        """Give the chunk spec ``spec_line`` to an idle worker now, before the engine runs:
        the command line's first chunk is drawn while Qt loads. The engine's attempt at
        that spec takes the worker over (:meth:`take_started`); one never taken (the
        engine planned otherwise) is stopped when the pool closes."""
        with self._lock:
            proc = self._idle.pop() if self._idle and not self._closed else None
        if proc is None:
            return
        if proc.poll() is None and proc.send_line(spec_line):
            with self._lock:
                self._head_started[spec_line] = proc
        else:
            proc.stop()

    def take_started(self, spec_line: str) -> SupervisedProcess | None:
        """The worker already rendering the chunk of ``spec_line``, if one is."""
        with self._lock:
            return self._head_started.pop(spec_line, None)

    def take(self) -> SupervisedProcess:
        """An idle worker, or a new one if none is waiting."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the worker pool is closed")
            while self._idle:
                proc = self._idle.pop()
                if proc.poll() is None:
                    return proc
                proc.stop()  # died while idle: reap what is left of its group
        return self._spawn()[0]

    def put_back(self, proc: SupervisedProcess) -> None:
        """Return a worker that completed its chunk; it waits for the next one."""
        with self._lock:
            if not self._closed and proc.poll() is None:
                self._idle.append(proc)
                return
        proc.stop()

    def close(self) -> None:
        """Let every idle worker go: end of stdin tells it to exit."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            unclaimed, self._head_started = list(self._head_started.values()), {}
        for proc in unclaimed:  # drawing a chunk nobody will take
            proc.stop()
        let_go(idle)


def let_go(idle: list[SupervisedProcess]) -> None:
    """End idle ``worker serve`` processes: the end of stdin tells each to exit, which it
    does after removing its own TMPDIR (whatever becomes of this process meanwhile); one
    still running after a grace period is stopped."""
    for proc in idle:
        proc.close_stdin()
    for proc in idle:
        try:
            proc.wait(_EXIT_GRACE_S)
        except subprocess.TimeoutExpired:  # still running: stop it the hard way
            proc.stop()


def boot_count(kind: str, concurrency: int | None) -> int:
    """How many workers a local render of a ``kind`` composition starts while it is
    probed (:func:`boot_workers`)."""
    cores = usable_cores()
    wanted = min(concurrency or cores, cores)
    return wanted if kind == "qml" or can_fork() else 1


def boot_workers(composition: Path, concurrency: int | None) -> WorkerPool:
    """The worker processes of a local render of ``composition``, started now: one probes
    the composition (``probe_composition(workers=...)``) while the others boot, and the
    engine takes them over (``RenderEngine.start(job, workers)``). At most one per core;
    ``concurrency`` None: the default, one per core. Forked (the command line), they all
    start now: later, reader threads run and a new worker is a new Python. Exec'd, a
    Lottie probe is quick and its workers boot without Qt, so only the prober starts: the
    plan may give a short render one chunk (the engine starts the others as chunks need
    them)."""
    workers = WorkerPool(composition_kind(composition) or "qml")  # the probe refuses others
    workers.prestart(boot_count(workers.kind, concurrency))
    return workers
