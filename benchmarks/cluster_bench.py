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
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "demo" / "demo.qml"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LoopbackCluster:
    """``studio-render scheduler`` and ``workers`` x ``studio-render worker --nthreads 1``."""

    def __init__(self, workers: int, logs: Path) -> None:
        from studio_render.cluster.client import test_connection

        port = _free_port()
        self.address = f"tcp://127.0.0.1:{port}"
        self.procs = [self._spawn(["scheduler", "--port", str(port), "--dashboard-port",
                                   str(_free_port())], logs / "scheduler.log")]  # fmt: skip
        for n in range(workers):
            self.procs.append(self._spawn(["worker", self.address, "--nthreads", "1",
                                           "--host", "127.0.0.1"], logs / f"w{n}.log"))  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                if test_connection(self.address, timeout=2).workers == workers:
                    break
            except Exception:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"the cluster did not start; see {logs}")
            time.sleep(0.2)

    @staticmethod
    def _spawn(args: list[str], log: Path) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "studio_render", *args], stdin=subprocess.DEVNULL,
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


@dataclass
class Result:
    workers: int
    frames: int
    chunks: int
    wall_s: float
    sent: int  # packed composition, times the workers it went to
    received: int  # chunk files
    loopback: int  # every byte over lo during the render (any process)

    def row(self, base: Result | None) -> str:
        speedup = base.wall_s / self.wall_s if base else 1.0
        kib = [n / self.frames / 1024 for n in
               (self.sent + self.received, self.sent, self.received, self.loopback)]  # fmt: skip
        return (f"{self.workers:>7} {self.chunks:>6} {self.wall_s:8.2f} {speedup:7.2f}x "
                f"{self.frames / self.wall_s:6.1f} {kib[0]:13.1f} {kib[1]:9.1f} {kib[2]:9.1f} "
                f"{kib[3]:11.1f}")  # fmt: skip


def _loopback_bytes() -> int:
    counters = psutil.net_io_counters(pernic=True).get("lo")
    return counters.bytes_sent if counters else 0  # on lo, every byte sent is also received


def render_on(
    address: str, demo: Path, frames: tuple[int, int], preset: str, chunk: int | None, out: Path
) -> Result:
    """One render through the engine with the cluster's chunk attempts (as the CLI does)."""
    from PySide6.QtCore import QCoreApplication

    from studio_render.cluster.client import ClusterSession
    from studio_render.compositions.probe import probe_composition
    from studio_render.core.job import RenderSettings
    from studio_render.qt.engine import RenderEngine

    app = QCoreApplication.instance() or QCoreApplication([])
    info = probe_composition(demo)
    failures: list[str] = []
    with ClusterSession(address) as session:
        workers = session.info.workers
        lo, start = _loopback_bytes(), time.monotonic()
        settings = RenderSettings(output=out, preset=preset, frames=frames, chunk_frames=chunk)
        job = session.prepare_job(info, settings)
        engine = RenderEngine(chunk_attempt=session.chunk_attempt)
        engine.failed.connect(lambda message, details: failures.append(message))
        engine.ended.connect(app.quit)
        engine.start(job)
        app.exec()
        wall = time.monotonic() - start
        lo = _loopback_bytes() - lo
        stats = session.stats()
        session.finish_job()
    if failures:
        raise SystemExit(f"render on {workers} workers failed: {failures[0]}")
    return Result(workers, frames[1] - frames[0], len(job.chunks), wall,
                  stats["pack_bytes"], stats["chunk_bytes"], lo)  # fmt: skip


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--composition", type=Path, default=DEMO)
    parser.add_argument("--frames", default="0:120")
    parser.add_argument("--preset", default="h264")
    parser.add_argument("--workers", default="1,2", help="cluster sizes to try, e.g. 1,2,4")
    parser.add_argument("--chunk-frames", type=int, help="default: planned for each cluster")
    parser.add_argument("--local", action="store_true", help="also render locally at -j N")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from studio_render.compositions.probe import probe_composition
    from studio_render.core.job import parse_frames

    info = probe_composition(args.composition)
    frames = parse_frames(args.frames, info.frame_count)
    print(f"{args.composition.name}: {info.width}x{info.height}, frames {frames[0]}:{frames[1]}, "
          f"preset {args.preset}, {os.cpu_count()} cores, loopback cluster, "
          f"workers of 1 thread, Python {sys.version.split()[0]}, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
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
