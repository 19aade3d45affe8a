"""A real cluster for tests: ``studio-render scheduler`` and ``studio-render worker``
processes on this machine, stopped by their process ids."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from studio_render.cluster.client import ClusterInfo, TlsFiles, test_connection
from studio_render.core.errors import BadInput
from studio_render.core.procs import LOAD_LOG_ENV

START_TIMEOUT_S = 60.0


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """Ports free now, all different: they are held open together while they are picked
    (one after the other, the system may hand out the same port twice)."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind((host, 0))
        return [int(sock.getsockname()[1]) for sock in sockets]


def free_port(host: str = "127.0.0.1") -> int:
    return free_ports(1, host)[0]


class SchedulerDied(RuntimeError):
    """The scheduler process ended while the cluster was starting."""


def is_chunk_process(proc: psutil.Process) -> bool:
    """A render process (idle or holding a chunk) or its ffmpeg, as opposed to the
    cluster's own processes."""
    try:
        return "studio_render.worker" in " ".join(proc.cmdline()) or _is_encoder(proc)
    except psutil.Error:
        return False


def _is_encoder(proc: psutil.Process) -> bool:
    try:
        return "ffmpeg" in proc.name()
    except psutil.Error:
        return False


def holds_chunk(proc: psutil.Process) -> bool:
    """A chunk's encoder, or a render process feeding one: a chunk is rendering. (A render
    process with no encoder is idle: booted ahead of a job, or between two chunks.)"""
    try:
        return _is_encoder(proc) or (
            is_chunk_process(proc) and any(_is_encoder(c) for c in proc.children())
        )
    except psutil.Error:
        return False


def _tls_args(tls: TlsFiles | None) -> list[str]:
    if tls is None:
        return []
    return ["--tls-ca-file", str(tls.ca_file), "--tls-cert", str(tls.cert),
            "--tls-key", str(tls.key)]  # fmt: skip


@dataclass
class LocalCluster:
    """A scheduler and workers (each a nanny with its worker process)."""

    address: str
    log_dir: Path
    tls: TlsFiles | None = None
    prefix: Sequence[str] = ()  # e.g. ``ip netns exec NAME`` for the workers
    worker_host: str = "127.0.0.1"
    scheduler: subprocess.Popen[bytes] | None = None
    nannies: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @classmethod
    def start(
        cls, log_dir: Path, workers: int = 2, host: str = "127.0.0.1",
        tls: TlsFiles | None = None, prefix: Sequence[str] = (), worker_host: str = "127.0.0.1",
        attempts: int = 3,
    ) -> LocalCluster:  # fmt: skip
        """Start a scheduler and ``workers`` workers; new ports if the scheduler's were
        taken between picking them and binding them."""
        for attempt in range(1, attempts + 1):
            port, dashboard = free_ports(2, host)
            scheme = "tls" if tls else "tcp"
            cluster = cls(f"{scheme}://{host}:{port}", log_dir, tls, prefix, worker_host)
            try:
                cluster.scheduler = cluster._spawn(
                    ["scheduler", "--host", host, "--port", str(port),
                     "--dashboard-port", str(dashboard), *_tls_args(tls)], "scheduler", (),
                )  # fmt: skip
                for n in range(workers):
                    cluster.add_worker(f"w{n}")
                cluster.wait_for_workers(workers)
                return cluster
            except SchedulerDied:
                cluster.stop()
                if attempt == attempts:
                    raise
            except BaseException:
                cluster.stop()
                raise
        raise AssertionError("unreachable")

    def _spawn(self, args: list[str], name: str, prefix: Sequence[str]) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"{name}.log").open("ab")
        return subprocess.Popen(
            [*prefix, sys.executable, "-m", "studio_render", *args],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # stopped by us, not by a Ctrl-C meant for pytest
            env={**os.environ, LOAD_LOG_ENV: str(self.load_log)},
        )  # fmt: skip

    @property
    def load_log(self) -> Path:
        """Where the workers' chunk processes note each composition they load."""
        return self.log_dir / "loads.txt"

    def loads(self, job: str, how: str | None = None) -> list[int]:
        """The process ids of the chunk processes that loaded the composition of ``job``
        (a cluster job id), one per load; ``how``: only the loads that took the probe's
        animation over (``"probed"``), or only those that opened the file (``"opened"``)."""
        if not self.load_log.exists():
            return []
        lines = [line.split(" ", 2) for line in self.load_log.read_text().splitlines()]
        return [int(pid) for pid, taken, composition in lines
                if f"/{job}/" in composition and how in (None, taken)]  # fmt: skip

    def add_worker(self, name: str) -> None:
        self.nannies.append(self._spawn(
            ["worker", self.address, "--nthreads", "1", "--name", name,
             "--host", self.worker_host, *_tls_args(self.tls)], name, self.prefix,
        ))  # fmt: skip

    def info(self) -> ClusterInfo:
        return test_connection(self.address, self.tls)

    def wait_for_workers(self, count: int, timeout: float = START_TIMEOUT_S) -> ClusterInfo:
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(BadInput):
                info = self.info()
                if info.workers >= count:
                    return info
            if self.scheduler is not None and self.scheduler.poll() is not None:
                raise SchedulerDied(f"the scheduler at {self.address} ended:\n{self.logs()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{count} workers did not join {self.address}:\n{self.logs()}")
            time.sleep(0.2)

    # -- processes --------------------------------------------------------------------

    def processes(self) -> list[psutil.Process]:
        """Every live process of the cluster: scheduler, nannies, workers, chunks."""
        found = []
        for popen in [self.scheduler, *self.nannies]:
            if popen is None or popen.poll() is not None:
                continue
            with contextlib.suppress(psutil.Error):
                root = psutil.Process(popen.pid)
                found += [root, *root.children(recursive=True)]
        return [p for p in found if _alive(p)]

    def owns(self, proc: psutil.Process) -> bool:
        """For the leak check: a cluster process that is not rendering a chunk (its
        scheduler, nannies and workers, and the idle render processes a worker keeps)."""
        return not holds_chunk(proc) and proc.pid in {p.pid for p in self.processes()}

    def chunk_processes(self) -> list[psutil.Process]:
        """The processes rendering a chunk now (render processes and their encoders)."""
        return [p for p in self.processes() if holds_chunk(p)]

    def idle_render_processes(self) -> list[psutil.Process]:
        """Render processes of the workers holding no chunk (booted ahead of a job)."""
        return [p for p in self.processes() if is_chunk_process(p) and not holds_chunk(p)]

    def worker_processes(self) -> list[psutil.Process]:
        """The Dask worker processes (children of the nannies, not chunk processes)."""
        found = []
        for nanny in self.nannies:
            with contextlib.suppress(psutil.Error):
                found += [p for p in psutil.Process(nanny.pid).children()
                          if "spawn_main" in " ".join(p.cmdline())]  # fmt: skip
        return found

    def busy_workers(self) -> list[psutil.Process]:
        """Worker processes that are rendering a chunk right now."""
        busy = []
        for worker in self.worker_processes():
            with contextlib.suppress(psutil.Error):
                if any(holds_chunk(c) for c in worker.children(recursive=True)):
                    busy.append(worker)
        return busy

    def logs(self) -> str:
        parts = []
        for log in sorted(self.log_dir.glob("*.log")):
            parts.append(f"--- {log.name}\n" + "\n".join(log.read_text().splitlines()[-15:]))
        return "\n".join(parts)

    def stop(self) -> None:
        """SIGTERM the nannies, then the scheduler (workers close fast while it is still
        there); SIGKILL the process group of any that does not end."""
        _terminate(self.nannies)
        _terminate([self.scheduler] if self.scheduler else [])


def _terminate(popens: Sequence[subprocess.Popen[bytes]]) -> None:
    for popen in popens:
        if popen.poll() is None:
            popen.send_signal(signal.SIGTERM)
    for popen in popens:
        try:
            popen.wait(15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(popen.pid, signal.SIGKILL)
            popen.wait(5)


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def wait_gone(procs: Sequence[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Those of ``procs`` still alive after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    left = [p for p in procs if _alive(p)]
    while left and time.monotonic() < deadline:
        time.sleep(0.02)
        left = [p for p in left if _alive(p)]
    return left


def describe(procs: Sequence[psutil.Process]) -> list[str]:
    """Command lines for a message, whatever became of the processes."""
    names = []
    for proc in procs:
        try:
            names.append(" ".join(proc.cmdline()[:4]))
        except (psutil.Error, OSError):
            names.append(f"pid {proc.pid}")
    return names
