"""Render the 1080p demo on a loopback cluster of 1 worker, then 2 workers (1 thread each).

For each: wall time (from the job's start to the output in place, packing and sending the
composition included), speedup over 1 worker, and bytes moved per frame: the packed
composition sent to each worker plus the chunk files sent back, as counted by the
client, and all traffic on the loopback interface during the render (each byte counted
once; scheduler messages and TCP included, and anything else this machine sends over lo).

    python benchmarks/cluster_bench.py [--frames 0:120] [--preset h264] [--workers 1,2]
                                       [--chunk-frames N] [--local]

``--local`` adds the same render with the local engine at ``-j 1, 2, ...`` (as many as
the largest cluster), to tell the cluster's cost from what this machine's cores allow.

``--quota CORES`` simulates machines: each worker (its nanny, worker process, chunk
processes and encoders) runs in a cgroup of its own limited to CORES of CPU time (cgroup
v1 ``cpu.cfs_quota_us`` or v2 ``cpu.max``, whichever the machine has; needs root), the
scheduler and the client outside. The sizes are then run interleaved ``--repeats`` times
(1, 2, 4, 1, 2, 4, ...), each on a fresh cluster, and a local ``-j 1`` render confined to
the same quota is run in each round. It prints, per render: wall time, speed-up against
the one-worker median, the client's time before the first chunk starts and after the last
chunk's bytes arrive, the client's phases (connect, versions, pack, send, probe), when
each step before the first chunk ended, CPU seconds per frame inside the workers'
cgroups and how the workers' processes spent them (Dask's nanny and worker, drawing,
encoding), KiB moved per frame, the CPU seconds of the client (this process and the ffmpeg
processes it runs) and of the scheduler, when each machine drew its first frame and how
long after one of its chunks ended its next one started, and the end of the render (when
each machine's last chunk ended, the chunks split off for idle machines); then the medians with the
range of the wall times. The machine being shared shows in the load average printed.

    python benchmarks/cluster_bench.py --quota 0.4 --workers 1,2,4 --repeats 3 \
        --size 960x540 [--composition FILE.json]

``--cores K`` simulates machines on a computer with more cores than the machines ask for:
each worker is pinned (CPU affinity) to K cores of its own, which it sizes its encoders
by, and the client, the scheduler and this script to the cores left; CPU time is read from
each machine's process tree. Use it where cgroups cannot be made, or to measure the
design without the contention of quotas on a small computer.

    python benchmarks/cluster_bench.py --cores 1 --workers 1,2,4 --repeats 2 \
        --composition FILE.json

Each render starts once the simulated machines are idle, as a render farm's machines are
between jobs: the workers joined and their groups using under a quarter of their quota
(their render processes booted); "boot CPU s" is what the groups used until then.

``--contention`` (with ``--quota`` or ``--cores``) measures what the simulated machines
cost each other on this computer instead: a local ``-j 1`` render alone in its group, then
as many at once as the largest of ``--workers``, each in a group of its own; it prints how
much longer and how much more CPU the renders at once took, and so the most speed-up that
many simulated machines could show here.

    python benchmarks/cluster_bench.py --quota 0.4 --workers 4 --contention --frames 0:150

``--idle SECONDS`` measures what an idle worker costs instead: one ``studio-render
worker`` (nanny, worker process, its booted render process) is left idle that long and
the CPU share and memory of each process are printed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import psutil

if TYPE_CHECKING:
    from studio_render.qt.engine import RenderEngine

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "demo" / "demo.qml"
#: A first frame (Qt booting, the scene loading) under a small quota on a busy machine
#: can take longer than the default 30 s.
FRAME_TIMEOUT_S = 120.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


CGROUP = Path("/sys/fs/cgroup")


class CpuQuota:
    """Cgroups, each limited to ``cores`` of CPU time, for simulated machines.

    Each group sits at the top of its hierarchy, beside the machine's other processes:
    groups under one shared parent would share that parent's one weight, so that together
    they would get no more CPU than one process when the machine is busy. cgroup v1: a
    group in the ``cpu`` hierarchy (``cpu.cfs_quota_us``) and one of the same name in
    ``cpuacct`` (CPU time used); v2: one group with ``cpu.max``. A process joins with
    :meth:`command` (a shell that moves itself in, then runs the command), so everything
    it starts is confined too.
    """

    def __init__(self, cores: float) -> None:
        self.cores = cores
        self.name = f"studio-render-bench-{uuid.uuid4().hex[:8]}"
        self.v2 = (CGROUP / "cgroup.controllers").exists()
        self.groups: list[list[Path]] = []  # per group: its folders (v1: cpu, cpuacct)
        if self.v2:
            if "cpu" not in (CGROUP / "cgroup.controllers").read_text().split():
                raise OSError("the cgroup v2 hierarchy has no cpu controller")
            (CGROUP / "cgroup.subtree_control").write_text("+cpu")
            self.controllers = [CGROUP]
        else:
            if not (CGROUP / "cpu" / "cpu.cfs_quota_us").exists():
                raise OSError(f"no cgroup v1 cpu controller under {CGROUP}/cpu")
            self.controllers = [CGROUP / c for c in ("cpu", "cpuacct")]
            self.controllers = [c for c in self.controllers if c.is_dir()]
        probe = self.controllers[0] / f"{self.name}-probe"
        probe.mkdir()  # raises OSError where groups cannot be made (not root, read-only)
        probe.rmdir()

    def add(self) -> int:
        """A new group limited to the quota; its number."""
        folders = [c / f"{self.name}-m{len(self.groups)}" for c in self.controllers]
        for folder in folders:
            folder.mkdir()
        period = 100_000
        quota = max(1000, round(self.cores * period))
        if self.v2:
            (folders[0] / "cpu.max").write_text(f"{quota} {period}")
        else:
            (folders[0] / "cpu.cfs_period_us").write_text(str(period))
            (folders[0] / "cpu.cfs_quota_us").write_text(str(quota))
        self.groups.append(folders)
        return len(self.groups) - 1

    def command(self, group: int, argv: Sequence[str]) -> list[str]:
        """``argv`` run inside ``group`` (it and every process it starts)."""
        joins = " && ".join(f"echo $$ > {f / 'cgroup.procs'}" for f in self.groups[group])
        return ["sh", "-c", f'{joins} && exec "$@"', "sh", *argv]

    def describe(self) -> str:
        return f"{self.cores:g} core per machine, {'v2' if self.v2 else 'v1'} cgroups"

    def started(self, group: int, pid: int) -> None:
        """A process was started in ``group`` with :meth:`command` (cgroups follow it)."""

    def run(self, group: int, argv: Sequence[str]) -> float:
        """Run ``argv`` in ``group`` to its end; the CPU seconds it used."""
        cpu = self.cpu_seconds(group)
        subprocess.run(self.command(group, argv), check=True, stdin=subprocess.DEVNULL)
        return self.cpu_seconds(group) - cpu

    def cpu_seconds(self, group: int) -> float:
        """CPU time used so far by the processes of ``group`` (those gone included)."""
        folders = self.groups[group]
        if self.v2:
            for line in (folders[0] / "cpu.stat").read_text().splitlines():
                if line.startswith("usage_usec "):
                    return int(line.split()[1]) / 1e6
            return 0.0
        usage = folders[-1] / "cpuacct.usage"
        return int(usage.read_text()) / 1e9 if usage.exists() else float("nan")

    def remove(self, timeout: float = 10.0) -> None:
        """Remove the groups once their processes have ended (a worker's render processes
        may outlive it by a moment), or give up after ``timeout``."""
        deadline = time.monotonic() + timeout
        for folders in self.groups:
            for folder in folders:
                while (folder / "cgroup.procs").exists():
                    with contextlib.suppress(OSError):
                        folder.rmdir()
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.1)


class CoreSets:
    """Sets of ``cores`` whole cores, one per simulated machine, by CPU affinity; this
    process (and so the client and the scheduler it starts) keeps the cores left. Same
    interface as :class:`CpuQuota`. A machine's CPU time is its process tree's, those of
    its processes that ended and were waited for included."""

    def __init__(self, cores: int, machines: int) -> None:
        available = sorted(os.sched_getaffinity(0))
        if cores * machines >= len(available):
            raise OSError(f"{machines} machines of {cores} cores need more than the "
                          f"{len(available)} cores here")  # fmt: skip
        self.cores = float(cores)
        self.free = available[: len(available) - cores * machines]
        self.sets = [available[len(self.free) + m * cores :][:cores] for m in range(machines)]
        self.roots: dict[int, list[int]] = {}
        self.added = 0
        os.sched_setaffinity(0, self.free)

    def describe(self) -> str:
        return f"{self.cores:g} cores per machine by affinity, {len(self.free)} cores left"

    def add(self) -> int:
        self.added += 1
        return self.added - 1

    def command(self, group: int, argv: Sequence[str]) -> list[str]:
        pin = "import os, sys; os.sched_setaffinity(0, %r); os.execvp(sys.argv[1], sys.argv[1:])"
        return [sys.executable, "-c", pin % (self.sets[group],), *argv]

    def started(self, group: int, pid: int) -> None:
        self.roots.setdefault(group, []).append(pid)

    def run(self, group: int, argv: Sequence[str]) -> float:
        before = _children_cpu()
        subprocess.run(self.command(group, argv), check=True, stdin=subprocess.DEVNULL)
        return _children_cpu() - before

    def cpu_seconds(self, group: int) -> float:
        total = 0.0
        for pid in self.roots.get(group, []):
            with contextlib.suppress(psutil.Error):
                root = psutil.Process(pid)
                for proc in (root, *root.children(recursive=True)):
                    with contextlib.suppress(psutil.Error):
                        total += sum(proc.cpu_times()[:4])  # its own and its waited children
        return total

    def remove(self) -> None:
        os.sched_setaffinity(0, [c for s in (self.free, *self.sets) for c in s])


def _children_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


Confinement = CpuQuota | CoreSets


class LoopbackCluster:
    """``studio-render scheduler`` and ``workers`` x ``studio-render worker --nthreads 1``,
    each worker in a group of ``quota`` if given."""

    def __init__(
        self, workers: int, logs: Path, quota: Confinement | None = None,
        groups: Sequence[int] = (),
    ) -> None:  # fmt: skip
        self.boot_cpu_s = 0.0  # CPU seconds the groups used until idle (with ``quota``)
        used = groups[:workers]
        cpu_at_start = sum(quota.cpu_seconds(g) for g in used) if quota else 0.0
        from studio_render.cluster.client import test_connection

        port = _free_port()
        self.address = f"tcp://127.0.0.1:{port}"
        self.procs = [self._spawn(["scheduler", "--port", str(port), "--dashboard-port",
                                   str(_free_port())], logs / "scheduler.log")]  # fmt: skip
        for n in range(workers):
            argv = ["worker", self.address, "--nthreads", "1", "--host", "127.0.0.1"]
            wrap = partial(quota.command, groups[n]) if quota else None
            self.procs.append(self._spawn(argv, logs / f"w{n}.log", wrap))
            if quota:
                quota.started(groups[n], self.procs[-1].pid)
        deadline = time.monotonic() + 60
        problem = "its workers did not join"
        while True:
            try:
                if test_connection(self.address, timeout=2).workers == workers:
                    break
            except Exception as exc:  # not up yet, or what stops it (versions)
                problem = str(exc)
            if time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"the cluster did not start ({problem}); see {logs}")
            time.sleep(0.2)
        if quota:
            self.boot_cpu_s = _wait_idle(quota, used) - cpu_at_start

    @staticmethod
    def _spawn(
        args: list[str], log: Path, wrap: Callable[[list[str]], list[str]] | None = None
    ) -> subprocess.Popen[bytes]:
        argv = [sys.executable, "-m", "studio_render", *args]
        return subprocess.Popen(
            wrap(argv) if wrap else argv, stdin=subprocess.DEVNULL,
            stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def stop(self) -> None:
        for group in (self.procs[1:], self.procs[:1]):  # workers first, then the scheduler
            for proc in group:
                proc.send_signal(signal.SIGTERM)
            for proc in group:
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)


def _wait_idle(quota: Confinement, groups: Sequence[int], timeout: float = 60) -> float:
    """Wait until every group uses under a quarter of its quota over half a second (its
    processes booted, or ``timeout``); their CPU seconds so far."""
    deadline = time.monotonic() + timeout
    while True:
        before = [quota.cpu_seconds(g) for g in groups]
        time.sleep(0.5)
        after = [quota.cpu_seconds(g) for g in groups]
        busy = any((b - a) / 0.5 > 0.25 * quota.cores for a, b in zip(before, after, strict=True))
        if not busy or time.monotonic() > deadline:
            return sum(after)


def idle_mode(seconds: float) -> None:
    """What an idle worker costs: CPU share and memory of each of its processes."""
    with tempfile.TemporaryDirectory() as tmp:
        cluster = LoopbackCluster(1, Path(tmp))
        try:
            time.sleep(10)  # its render process boots
            tree = psutil.Process(cluster.procs[1].pid)
            procs = [tree, *tree.children(recursive=True)]
            before = {p.pid: sum(p.cpu_times()[:2]) for p in procs}
            time.sleep(seconds)
            print(f"{'process':<48} {'% of a core':>11} {'RSS MiB':>8}")
            total = 0.0
            for proc in procs:
                share = (sum(proc.cpu_times()[:2]) - before[proc.pid]) / seconds * 100
                total += share
                name = " ".join(proc.cmdline()[1:4])[:48]
                rss = proc.memory_info().rss / 2**20
                print(f"{name:<48} {share:11.2f} {rss:8.0f}")
            print(f"{'total':<48} {total:11.2f}   (over {seconds:g} s, "
                  f"load average {os.getloadavg()[0]:.1f})")  # fmt: skip
        finally:
            cluster.stop()


@dataclass
class Result:
    workers: int
    frames: int
    chunks: int
    wall_s: float
    sent: int  # packed composition, times the machines it went to
    received: int  # chunk files
    loopback: int  # every byte over lo during the render (any process)
    before_s: float = 0.0  # from the start to the first chunk starting on a worker
    after_s: float = 0.0  # from the last chunk's bytes arriving to the output in place
    phases: dict[str, float] = field(default_factory=dict)  # connect, versions, pack, send
    cpu_s: float = float("nan")  # CPU time inside the workers' cgroups (--quota)
    client_cpu_s: float = 0.0  # this process (the client) and its children (the join)
    scheduler_cpu_s: float = float("nan")  # the scheduler process (--quota)
    boot_cpu_s: float = float("nan")  # the groups' CPU time before the render (--quota)
    #: the workers' CPU seconds by what spent them: Dask, drawing, encoding (--quota)
    cpu_split: dict[str, float] = field(default_factory=dict)
    #: When each step before the first chunk ended, in seconds from the start: the session
    #: open and the composition probed on a worker, the job prepared, the engine started,
    #: the first chunk submitted, the first chunk started on a worker.
    marks: dict[str, float] = field(default_factory=dict)
    #: The end of the render: chunks run (splits included), when each machine's last chunk
    #: ended, and the chunks split off for idle machines with when they were (s from start).
    runs: int = 0
    machine_firsts: list[float] = field(default_factory=list)  # each machine's first frame
    machine_ends: list[float] = field(default_factory=list)
    splits: list[float] = field(default_factory=list)
    #: seconds from each cut request to the split-off part starting on another machine
    handovers: list[float] = field(default_factory=list)
    cut_answers: list[float] = field(default_factory=list)  # the cut's round trip, of those
    #: seconds from a machine's chunk ending (its bytes here) to its next chunk starting
    gaps: list[float] = field(default_factory=list)

    @property
    def idle_at_end_s(self) -> float:
        """Mean seconds a machine sat idle between its last chunk and the last one."""
        ends = self.machine_ends
        return sum(max(ends) - e for e in ends) / len(ends) if ends else float("nan")

    def row(self, base: Result | None) -> str:
        speedup = base.wall_s / self.wall_s if base else 1.0
        kib = [n / self.frames / 1024 for n in
               (self.sent + self.received, self.sent, self.received, self.loopback)]  # fmt: skip
        return (f"{self.workers:>7} {self.chunks:>6} {self.wall_s:8.2f} {speedup:7.2f}x "
                f"{self.frames / self.wall_s:6.1f} {kib[0]:13.1f} {kib[1]:9.1f} {kib[2]:9.1f} "
                f"{kib[3]:11.1f}")  # fmt: skip

    @property
    def kib_per_frame(self) -> float:
        return (self.sent + self.received) / self.frames / 1024


def _client_cpu() -> float:
    """CPU seconds of this process and its waited-for children (the join's ffmpeg)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _process_cpu(pid: int) -> float:
    with contextlib.suppress(psutil.Error):
        return float(sum(psutil.Process(pid).cpu_times()[:2]))
    return float("nan")


def _groups_cpu(quota: Confinement, groups: Sequence[int]) -> float:
    return sum(quota.cpu_seconds(group) for group in groups)


#: Each process of the workers' trees: (what it does, its CPU seconds, its waited-for
#: children's), by pid.
TreeCpu = dict[int, tuple[str, float, float]]


def _tree_cpu(roots: Sequence[int]) -> TreeCpu:
    """The CPU seconds so far of every process under ``roots`` (``studio-render worker``
    commands): Dask's (nanny, worker) and the render processes', whose waited-for
    children are the chunks' encoders (ffmpeg)."""
    found: TreeCpu = {}
    for root in roots:
        with contextlib.suppress(psutil.Error):
            top = psutil.Process(root)
            for proc in [top, *top.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    t = proc.cpu_times()
                    argv = proc.cmdline()
                    kind = "render" if "serve" in argv else "dask"
                    if argv and "ffmpeg" in Path(argv[0]).name:
                        kind = "encoder"  # counted once it exits, as its parent's child
                    found[proc.pid] = (kind, t.user + t.system, t.children_user + t.children_system)
    return found


def _cpu_split(before: TreeCpu, after: TreeCpu) -> dict[str, float]:
    """CPU seconds spent between two samples by Dask, by drawing and by encoding (a
    render process's reaped children); an encoder still running is not counted."""
    spent = {"Dask": 0.0, "drawing": 0.0, "encoding": 0.0}
    for pid, (kind, own, children) in after.items():
        was = before.get(pid, (kind, 0.0, 0.0))
        if kind == "render":
            spent["drawing"] += own - was[1]
            spent["encoding"] += children - was[2]
        elif kind == "dask":
            spent["Dask"] += own - was[1]
    return spent


def _times(seconds: Sequence[float]) -> str:
    return " ".join(f"{t:.2f}" for t in seconds) or "-"


def _loopback_bytes() -> int:
    counters = psutil.net_io_counters(pernic=True).get("lo")
    return counters.bytes_sent if counters else 0  # on lo, every byte sent is also received


def render_on(
    address: str, demo: Path, frames: tuple[int, int], preset: str, chunk: int | None, out: Path,
    size: tuple[int, int] | None = None, cpu: Callable[[], float] = lambda: float("nan"),
    tree_cpu: Callable[[], TreeCpu] = dict,
) -> Result:  # fmt: skip
    """One render through the engine with the cluster's chunk attempts, as the CLI does it:
    the session connects, checks, sends the composition and has a worker probe it. Timed
    from before connecting to the output in place. ``cpu``: the workers' CPU seconds so
    far; ``tree_cpu``: their processes'."""
    from PySide6.QtCore import QCoreApplication

    from studio_render.cluster.client import OpeningSession
    from studio_render.core.chunk_run import ChunkSplitter
    from studio_render.core.job import RenderSettings
    from studio_render.qt.engine import RenderEngine

    app = QCoreApplication.instance() or QCoreApplication([])
    failures: list[str] = []
    lo, cpu_before, start = _loopback_bytes(), cpu(), time.monotonic()
    tree_before = tree_cpu()
    client_before = _client_cpu()
    marks: dict[str, float] = {}

    def mark(name: str) -> None:
        marks[name] = time.monotonic() - start

    opening = OpeningSession(address, None, demo, exclude=[out])
    try:
        session, info = opening.opened()
        mark("probe")
        workers = session.info.workers
        settings = RenderSettings(output=out, preset=preset, frames=frames, chunk_frames=chunk,
                                  size=size, frame_timeout=FRAME_TIMEOUT_S)  # fmt: skip
        job = session.prepare_job(info, settings)
        mark("prepared")
        engine = RenderEngine(chunk_attempt=session.chunk_attempt)
        engine.failed.connect(lambda message, details: failures.append(message))
        planned, pids, ended = len(job.chunks), {}, {}  # index: pid; pid: last end
        firsts: dict[int, float] = {}  # pid: its first frame drawn

        def started(index: int, pid: int, attempt: int) -> None:
            pids[index] = pid
            if pid in ended:
                gaps.append(time.monotonic() - start - ended[pid])
            if index >= planned:
                splits.append(time.monotonic() - start)
                if asked:  # from the engine's cut request to the part starting elsewhere
                    handovers.append(time.monotonic() - asked.pop(0))

        def state(index: int, name: str, fraction: float) -> None:
            if fraction > 0 and index in pids:
                firsts.setdefault(pids[index], time.monotonic() - start)
            if name == "done" and index in pids:
                ended[pids[index]] = time.monotonic() - start
            if name == "queued" and index >= planned and asked:  # the cut was answered
                answers.append(time.monotonic() - asked[0])

        splits: list[float] = []
        gaps: list[float] = []
        asked: list[float] = []  # when the engine asked a running chunk to end early
        handovers: list[float] = []
        answers: list[float] = []  # from a cut request to its answer
        request = ChunkSplitter.request

        def timed_request(splitter: ChunkSplitter, at: int) -> bool:
            sent = request(splitter, at)
            if sent:
                asked.append(time.monotonic())
            return sent

        ChunkSplitter.request = timed_request  # type: ignore[method-assign,assignment]
        engine.chunkStarted.connect(started)
        engine.chunkStateChanged.connect(state)
        engine.ended.connect(app.quit)
        engine.start(job)
        mark("engine")
        _rendering.append(engine)
        try:
            app.exec()
        finally:
            _rendering.clear()
        if _terminated:
            raise SystemExit(128 + _terminated[0])
        end = time.monotonic()
        ChunkSplitter.request = request  # type: ignore[method-assign]
        lo, cpu_used = _loopback_bytes() - lo, cpu() - cpu_before
        split = _cpu_split(tree_before, tree_cpu())  # before the render processes exit
        client_cpu = _client_cpu() - client_before
        stats = session.stats()
        session.finish_job()
    finally:
        opening.close()
    if failures:
        raise SystemExit(f"render on {workers} workers failed: {failures[0]}")
    for name, key in (("submit", "first_submit"), ("first", "first_start")):
        if stats[key] is not None:
            marks[name] = stats[key] - start
    return Result(workers, frames[1] - frames[0], len(job.chunks), end - start,
                  stats["pack_bytes"], stats["chunk_bytes"], lo,
                  (stats["first_start"] or end) - start, end - (stats["last_chunk"] or end),
                  stats["phases"], cpu_used, client_cpu, marks=marks, runs=len(pids),
                  machine_firsts=sorted(firsts.values()), machine_ends=sorted(ended.values()),
                  splits=splits, handovers=handovers, cut_answers=answers,
                  gaps=gaps, cpu_split=split)  # fmt: skip


def local(args: argparse.Namespace, frames: tuple[int, int], most: int) -> None:
    """The same render with the local engine, for comparison."""
    base = None
    for jobs in range(1, most + 1):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / f"local{'.mp4' if args.preset in ('h264', 'h265') else '.mkv'}"
            argv = [sys.executable, "-m", "studio_render", "render", str(args.composition),
                    "-o", str(out), "-j", str(jobs), "--frames", f"{frames[0]}:{frames[1]}",
                    "--preset", args.preset, "--progress", "none"]  # fmt: skip
            if args.chunk_frames:
                argv += ["--chunk-frames", str(args.chunk_frames)]
            start = time.monotonic()
            subprocess.run(argv, check=True, stdin=subprocess.DEVNULL)
            wall = time.monotonic() - start
        base = base or wall
        print(f"  local -j {jobs}: {wall:8.2f} s, speedup {base / wall:.2f}x", flush=True)


def _suffix(preset: str) -> str:
    return ".mp4" if preset in ("h264", "h265") else ".mkv"


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _local_argv(args: argparse.Namespace, frames: tuple[int, int], out: Path) -> list[str]:
    """The command line of a local ``-j 1`` render of the benchmark's composition."""
    argv = [sys.executable, "-m", "studio_render", "render", str(args.composition), "-o",
            str(out), "-j", "1", "--frames", f"{frames[0]}:{frames[1]}", "--preset",
            args.preset, "--progress", "none", "--frame-timeout", str(FRAME_TIMEOUT_S)]  # fmt: skip
    return [*argv, "--size", args.size] if args.size else argv


def local_confined(
    args: argparse.Namespace, frames: tuple[int, int], quota: Confinement, group: int, out: Path
) -> tuple[float, float]:
    """A local ``-j 1`` render confined to one group: wall seconds and CPU seconds."""
    start = time.monotonic()
    cpu = quota.run(group, _local_argv(args, frames, out))
    return time.monotonic() - start, cpu


def locals_at_once(
    args: argparse.Namespace, frames: tuple[int, int], quota: Confinement, groups: Sequence[int],
    folder: Path,
) -> list[tuple[float, float]]:  # fmt: skip
    """A local ``-j 1`` render in each of ``groups``, all at once: the wall and CPU seconds
    of each."""
    before = [quota.cpu_seconds(group) for group in groups]
    start = time.monotonic()
    procs = []
    for group in groups:
        argv = _local_argv(args, frames, folder / f"at-once-{group}{_suffix(args.preset)}")
        procs.append(subprocess.Popen(quota.command(group, argv), stdin=subprocess.DEVNULL,
                                      stdout=subprocess.DEVNULL))  # fmt: skip
        quota.started(group, procs[-1].pid)
    walls: dict[int, float] = {}
    while len(walls) < len(procs):
        time.sleep(0.02)
        for n, proc in enumerate(procs):
            if n not in walls and proc.poll() is not None:
                walls[n] = time.monotonic() - start
    if any(proc.returncode for proc in procs):
        raise SystemExit("a local render failed; run it alone to see why")
    return [(walls[n], quota.cpu_seconds(group) - before[n]) for n, group in enumerate(groups)]


def _confinement(args: argparse.Namespace, groups: int) -> Confinement | None:
    """The simulated machines' confinement (``--cores`` or ``--quota``) for ``groups``
    groups; None, with a line saying why, where it cannot be made here."""
    try:
        return CoreSets(args.cores, groups) if args.cores else CpuQuota(args.quota)
    except OSError as exc:
        print(f"skipped: cannot simulate machines here ({exc}); --quota needs root on a "
              "machine with cgroup v1 or v2 cpu control")  # fmt: skip
        return None


def contention_mode(args: argparse.Namespace, frames: tuple[int, int], machines: int) -> None:
    """What the simulated machines cost each other on this computer: a local ``-j 1``
    render alone in its group, then ``machines`` of them at once, each in a group of its
    own, ``--repeats`` rounds; then the most that ``machines`` simulated machines could show
    here (``machines`` times the render alone, over the renders at once)."""
    quota = _confinement(args, machines)
    if quota is None:
        return
    alone: list[tuple[float, float]] = []
    together: list[tuple[float, float]] = []
    try:
        groups = [quota.add() for _ in range(machines)]
        with tempfile.TemporaryDirectory() as tmp:
            for _ in range(args.repeats):
                out = Path(tmp) / f"alone{_suffix(args.preset)}"
                alone.append(local_confined(args, frames, quota, groups[0], out))
                runs = locals_at_once(args, frames, quota, groups, Path(tmp))
                together += runs
                print(f"alone {alone[-1][0]:.2f} s, {alone[-1][1]:.2f} CPU s; {machines} at once "
                      f"{' '.join(f'{w:.2f}' for w, _ in runs)} s, "
                      f"{' '.join(f'{c:.2f}' for _, c in runs)} CPU s; "
                      f"load {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
    finally:
        quota.remove()
    wall = _median([w for w, _ in together]) / _median([w for w, _ in alone])
    cpu = _median([c for _, c in together]) / _median([c for _, c in alone])
    print(f"\n{machines} at once against alone, medians: wall x{wall:.3f}, CPU x{cpu:.3f}; "
          f"{machines} machines can show at most {machines / wall:.2f}x here")  # fmt: skip


def quota_mode(args: argparse.Namespace, frames: tuple[int, int], sizes: list[int]) -> None:
    """Simulated machines: workers in CPU-quota cgroups (``--quota``) or on cores of their
    own (``--cores``), sizes interleaved, medians."""
    quota = _confinement(args, max(sizes) + 1)
    if quota is None:
        return
    count = frames[1] - frames[0]
    width, _, height = (args.size or "").partition("x")
    size = (int(width), int(height)) if args.size else None
    results: dict[int, list[Result]] = {n: [] for n in sizes}
    local_runs: list[tuple[float, float]] = []
    suffix = _suffix(args.preset)
    print(f"{'machines':>8} {'chunks':>6} {'wall s':>7} {'before s':>8} {'after s':>7} "
          f"{'CPU s/frame':>11} {'KiB/frame':>9} {'boot CPU s':>10}  client phases (s)  "
          "load")  # fmt: skip
    try:
        groups = [quota.add() for _ in range(max(sizes) + 1)]  # the last: the local render
        with tempfile.TemporaryDirectory() as tmp:
            for repeat in range(args.repeats):
                for n in sizes:
                    logs = Path(tmp) / f"logs-{repeat}-{n}"
                    logs.mkdir()
                    cluster = LoopbackCluster(n, logs, quota, groups)
                    try:
                        used = groups[:n]
                        scheduler = _process_cpu(cluster.procs[0].pid)
                        result = render_on(
                            cluster.address, args.composition, frames, args.preset,
                            args.chunk_frames, Path(tmp) / f"out{n}{suffix}", size,
                            partial(_groups_cpu, quota, used),
                            partial(_tree_cpu, [proc.pid for proc in cluster.procs[1:]]),
                        )  # fmt: skip
                        scheduler = _process_cpu(cluster.procs[0].pid) - scheduler
                    finally:
                        cluster.stop()
                    result.boot_cpu_s = cluster.boot_cpu_s
                    result.scheduler_cpu_s = scheduler
                    results[n].append(result)
                    phases = " ".join(f"{k} {v:.2f}" for k, v in result.phases.items())
                    steps = " ".join(f"{k} {v:.2f}" for k, v in result.marks.items())
                    split = ", ".join(f"{k} {v / count:.4f}" for k, v in result.cpu_split.items())
                    print(f"{n:>8} {result.chunks:>6} {result.wall_s:7.2f} "
                          f"{result.before_s:8.2f} {result.after_s:7.2f} "
                          f"{result.cpu_s / count:11.3f} {result.kib_per_frame:9.1f} "
                          f"{result.boot_cpu_s:10.2f}  {phases}  {os.getloadavg()[0]:.1f}\n"
                          f"{'':>8} before the first chunk, ends at (s): {steps}; "
                          f"CPU s: client {result.client_cpu_s:.2f}, "
                          f"scheduler {result.scheduler_cpu_s:.2f}; CPU s/frame: "
                          f"{split}\n"
                          f"{'':>8} machines' first frame at {_times(result.machine_firsts)}; "
                          f"their next chunk started {_times(result.gaps)} s after one ended\n"
                          f"{'':>8} the end: {result.runs} chunks run, machines' last chunk "
                          f"ended at {' '.join(f'{e:.2f}' for e in result.machine_ends)}, "
                          f"splits at {' '.join(f'{t:.2f}' for t in result.splits) or '-'} "
                          f"(handed over in {_times(result.handovers)} s, the cut answered "
                          f"in {_times(result.cut_answers)}); "
                          f"mean idle at the end {result.idle_at_end_s:.2f} s",
                          flush=True)  # fmt: skip
                out = Path(tmp) / f"local{suffix}"
                wall, cpu = local_confined(args, frames, quota, groups[-1], out)
                local_runs.append((wall, cpu))
                print(
                    f"{'local':>8} {'':>6} {wall:7.2f} {'':>8} {'':>7} {cpu / count:11.3f}"
                    f"{'':>10}  -j 1 in one group  {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
    finally:
        quota.remove()
    base = _median([r.wall_s for r in results[sizes[0]]])
    print(
        f"\nmedians of {args.repeats} ({quota.describe()}, client and scheduler "
        "outside the machines):"
    )
    print(f"{'machines':>8} {'wall s':>7} {'range':>11} {'speed-up':>8} {'of ideal':>8} "
          f"{'before s':>8} {'after s':>7} {'CPU s/frame':>11} {'KiB/frame':>9} "
          f"{'client CPU s':>12} {'sched CPU s':>11} {'idle at end':>11}")  # fmt: skip
    for n in sizes:
        runs = results[n]
        wall = _median([r.wall_s for r in runs])
        speedup = base / wall * sizes[0]
        walls = [r.wall_s for r in runs]
        print(f"{n:>8} {wall:7.2f} {min(walls):5.2f}-{max(walls):5.2f} {speedup:7.2f}x "
              f"{speedup / n:8.2f} {_median([r.before_s for r in runs]):8.2f} "
              f"{_median([r.after_s for r in runs]):7.2f} "
              f"{_median([r.cpu_s / count for r in runs]):11.3f} "
              f"{_median([r.kib_per_frame for r in runs]):9.1f} "
              f"{_median([r.client_cpu_s for r in runs]):12.2f} "
              f"{_median([r.scheduler_cpu_s for r in runs]):11.2f} "
              f"{_median([r.idle_at_end_s for r in runs]):11.2f}")  # fmt: skip
    local_wall = _median([w for w, _ in local_runs])
    print(
        f"{'local':>8} {local_wall:7.2f}   (-j 1 in one group; "
        f"CPU s/frame {_median([c for _, c in local_runs]) / count:.3f})"
    )
    if 1 in results:
        one = _median([r.wall_s for r in results[1]])
        print(f"one-machine cluster / local: {one / local_wall:.2f}")


#: The engine of the render in progress, which SIGTERM cancels (see ``_on_sigterm``).
_rendering: list[RenderEngine] = []
#: SIGTERM arrived during a render: the benchmark ends once it is cancelled.
_terminated: list[int] = []


def _on_sigterm(signum: int, frame: object) -> None:
    """End the benchmark, its clusters stopped and its groups removed: at once between
    renders, else once the render in progress is cancelled (an exception raised in Qt's
    event loop would not reach the ``finally`` blocks)."""
    if not _rendering:
        raise SystemExit(128 + signum)
    _terminated.append(signum)
    _rendering[0].cancel()


def main() -> None:
    signal.signal(signal.SIGTERM, _on_sigterm)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--composition", type=Path, default=DEMO)
    parser.add_argument("--frames", default="0:120")
    parser.add_argument("--preset", default="h264")
    parser.add_argument("--workers", default="1,2", help="cluster sizes to try, e.g. 1,2,4")
    parser.add_argument("--chunk-frames", type=int, help="default: planned for each cluster")
    parser.add_argument("--local", action="store_true", help="also render locally at -j N")
    parser.add_argument("--size", help="output size WxH (default: the composition's)")
    parser.add_argument("--quota", type=float, help="simulate machines of this many cores")
    parser.add_argument("--cores", type=int, help="simulate machines of this many whole cores "
                        "by CPU affinity")  # fmt: skip
    parser.add_argument("--repeats", type=int, default=3,
                        help="interleaved rounds (--quota, --cores)")  # fmt: skip
    parser.add_argument("--idle", type=float, help="measure an idle worker for this long (s)")
    parser.add_argument("--contention", action="store_true",
                        help="with --quota or --cores: what the largest of --workers simulated "
                        "machines cost each other here (local renders alone, then at "
                        "once)")  # fmt: skip
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.idle:
        idle_mode(args.idle)
        return
    from studio_render.compositions.probe import probe_composition
    from studio_render.core.job import parse_frames

    info = probe_composition(args.composition)
    frames = parse_frames(args.frames, info.frame_count)
    print(f"{args.composition.name}: {info.width}x{info.height}, frames {frames[0]}:{frames[1]}, "
          f"preset {args.preset}, {os.cpu_count()} cores, loopback cluster, "
          f"workers of 1 thread, Python {sys.version.split()[0]}, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    if args.quota or args.cores:
        confined = f"{args.cores} cores of its own" if args.cores else f"{args.quota:g} core"
        print(f"size {args.size or 'native'}, each worker confined to {confined}")
        if args.contention:
            contention_mode(args, frames, max(int(n) for n in args.workers.split(",")))
            return
        quota_mode(args, frames, [int(n) for n in args.workers.split(",")])
        return
    print(f"{'workers':>7} {'chunks':>6} {'wall s':>8} {'speedup':>8} {'fps':>6} "
          f"{'KiB/frame':>13} {'sent':>9} {'received':>9} {'loopback':>11}")  # fmt: skip
    base: Result | None = None
    with tempfile.TemporaryDirectory() as tmp:
        for count in (int(n) for n in args.workers.split(",")):
            logs = Path(tmp) / f"logs{count}"
            logs.mkdir()
            cluster = LoopbackCluster(count, logs)
            try:
                out = Path(tmp) / f"w{count}{'.mp4' if args.preset in ('h264', 'h265') else '.mkv'}"
                result = render_on(cluster.address, args.composition, frames, args.preset,
                                   args.chunk_frames, out)  # fmt: skip
            finally:
                cluster.stop()
            print(result.row(base), flush=True)
            base = base or result
    if args.local:
        local(args, frames, max(int(n) for n in args.workers.split(",")))
    print(f"load average {os.getloadavg()[0]:.1f}. KiB/frame = sent (packed composition x "
          "workers) + received (chunk files), per frame; loopback = all bytes over lo")  # fmt: skip


if __name__ == "__main__":
    main()
