"""Render the bundled 1080p demo at concurrency 1, 2, ... and print what it cost.

For each concurrency: frames per second, wall time, CPU seconds of all processes,
parallel efficiency ((CPU seconds / cores) / wall), peak memory per worker (worker plus
its encoder), time to the first progress event that shows rendered frames. Then a
single-process baseline: the same frames painted by one worker process and piped into one
ffmpeg that writes the output, audio included (the same file the engine writes), and once
more without audio. Last, the time from a cancel to the last process gone. Each
configuration runs ``--repeat`` times, interleaved so that a noisy machine treats them
alike; the run with the median wall time is shown, with the range of wall times. Memory
comes from one more run of each, sampled, since sampling slows the run it watches.

    python benchmarks/render_bench.py [--frames 0:300] [--max-concurrency N] [--preset h264]
                                      [--speed veryfast] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

import psutil

from studio_render.core.ffmpeg import find_ffmpeg
from studio_render.core.job import RenderJob, RenderSettings, parse_frames, prepare_job

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "demo" / "demo.qml"


@dataclass
class Run:
    label: str
    frames: int
    wall_s: float
    cpu_s: float
    peak_worker_mb: float
    first_progress_s: float | None

    def row(self, cores: int) -> str:
        efficiency = (self.cpu_s / cores) / self.wall_s
        first = f"{self.first_progress_s:7.2f}" if self.first_progress_s is not None else "    n/a"
        fps = self.frames / self.wall_s
        return (f"{self.label:<26} {fps:8.1f} {self.wall_s:8.2f} {self.cpu_s:8.2f} "
                f"{efficiency:10.2f} {self.peak_worker_mb:10.0f} {first}")  # fmt: skip


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class MemorySampler(threading.Thread):
    """Samples the RSS of every worker process tree (worker + ffmpeg) below ``root_pid``."""

    def __init__(self, root_pid: int) -> None:
        super().__init__(daemon=True)
        self.root_pid = root_pid
        self.peak_mb = 0.0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                root = psutil.Process(self.root_pid)
                for proc in [root, *root.children(recursive=True)]:
                    cmd = " ".join(proc.cmdline())
                    if "studio_render.worker" in cmd or "--worker" in cmd:
                        rss = proc.memory_info().rss + sum(
                            c.memory_info().rss for c in proc.children(recursive=True)
                        )
                        self.peak_mb = max(self.peak_mb, rss / 2**20)
            except psutil.Error:
                pass
            time.sleep(0.05)


def measure(label: str, argv: list[str], frames: int, sample_memory: bool = False) -> Run:
    """One run of ``argv``. Memory is sampled only when asked: polling every process's
    memory costs this process about half a CPU second a run, which would slow the run
    it measures (more so with more processes to poll)."""
    cpu0 = _children_cpu()
    start = time.monotonic()
    proc = subprocess.Popen(  # stdin stays open: a worker exits when it closes
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    sampler = MemorySampler(proc.pid)
    if sample_memory:
        sampler.start()
    first = None
    assert proc.stdout is not None
    for line in proc.stdout:
        rendering = '"frames_done": ' in line and '"progress": 0.0,' not in line
        if first is None and (rendering or line.startswith("progress ")):
            first = time.monotonic() - start
    code = proc.wait()
    wall = time.monotonic() - start
    sampler.stop.set()
    if sample_memory:
        sampler.join()
    if code != 0:
        raise SystemExit(f"{label} failed: {proc.stderr.read() if proc.stderr else ''}")
    return Run(label, frames, wall, _children_cpu() - cpu0, sampler.peak_mb, first)


def cancel_latency(demo: Path, out: Path, concurrency: int) -> float:
    """Seconds from SIGINT (Ctrl-C) to the last worker or encoder process gone."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "studio_render", "render", str(demo), "-o", str(out),
         "-j", str(concurrency), "--progress", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    for line in proc.stdout:
        if '"frames_done": ' in line and '"frames_done": 0,' not in line:
            break
    time.sleep(0.5)
    tree = psutil.Process(proc.pid).children(recursive=True)
    start = time.monotonic()
    proc.send_signal(signal.SIGINT)
    psutil.wait_procs(tree, timeout=10)
    gone = time.monotonic() - start
    proc.wait(10)
    return gone


def baseline_argv(job: RenderJob, with_audio: bool) -> list[str]:
    """One worker process painting every frame into one ffmpeg that writes the output.

    ``with_audio``: that ffmpeg also encodes the composition's audio, so the baseline
    writes the same file as the engine does.
    """
    spec = job.chunk_spec(job.chunks[0], find_ffmpeg())
    out = str(job.output)
    encoder = [arg for arg in spec.encoder[:-1] if arg != "-an"]
    if with_audio and job.audio and job.preset.audio_args:
        after_input = encoder.index("pipe:0") + 1
        encoder[after_input:after_input] = [
            "-ss", f"{job.audio_offset_s:.6f}", "-i", job.audio, "-map", "0:v", "-map", "1:a",
        ]  # fmt: skip
        progress = encoder.index("-progress")
        encoder[progress:progress] = [
            *job.preset.audio_args, "-af", "apad", "-t", f"{job.duration_s:.6f}",
            *job.preset.final_args,
        ]  # fmt: skip
    spec = replace(spec, output=out, encoder=[*encoder, out])
    return [sys.executable, "-m", "studio_render.worker", "chunk", spec.to_json()]


def median_run(runs: list[Run]) -> tuple[Run, str]:
    """The run with the median wall time, and the range of wall times."""
    ordered = sorted(runs, key=lambda r: r.wall_s)
    spread = f"{ordered[0].wall_s:.2f}-{ordered[-1].wall_s:.2f}" if len(runs) > 1 else ""
    return ordered[len(ordered) // 2], spread


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--composition", type=Path, default=DEMO)
    parser.add_argument("--frames", default="0:300")
    parser.add_argument("--max-concurrency", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--preset", default="h264")
    parser.add_argument("--speed", help="the encoder's speed preset (default: the preset's)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of each configuration, interleaved; the median is shown",
    )
    args = parser.parse_args()
    from studio_render.compositions.probe import probe_composition

    demo = args.composition
    info = probe_composition(demo)
    start, end = parse_frames(args.frames, info.frame_count)
    frames = end - start
    cores = os.cpu_count() or 1
    speed = f" ({args.speed})" if args.speed else ""
    print(f"{demo.name}: {info.width}x{info.height}, frames {start}:{end}, "
          f"preset {args.preset}{speed}, "
          f"audio {'yes' if info.audio else 'no'}, {cores} cores, {sys.version.split()[0]}, "
          f"median of {args.repeat} interleaved runs")  # fmt: skip
    print(f"{'run':<26} {'fps':>8} {'wall s':>8} {'cpu s':>8} {'efficiency':>10} "
          f"{'worker MB':>10} {'first s':>7} {'wall range':>12}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        suffix = ".mp4" if args.preset in ("h264", "h265") else ".mkv"
        configs: dict[str, list[str]] = {}
        for concurrency in range(1, args.max_concurrency + 1):
            out = Path(tmp) / f"c{concurrency}{suffix}"
            configs[f"concurrency {concurrency}"] = [
                sys.executable, "-m", "studio_render", "render", str(demo), "-o", str(out),
                "-j", str(concurrency), "--frames", f"{start}:{end}", "--preset", args.preset,
                *(["--speed", args.speed] if args.speed else []), "--progress", "json",
            ]  # fmt: skip
        job = prepare_job(info, RenderSettings(output=Path(tmp) / f"baseline{suffix}",
                                               preset=args.preset, frames=(start, end),
                                               speed=args.speed, chunk_frames=frames,
                                               concurrency=1))  # fmt: skip
        if job.audio:
            configs["single process, with audio"] = baseline_argv(job, with_audio=True)
        configs["single process, video only"] = baseline_argv(job, with_audio=False)
        runs: dict[str, list[Run]] = {label: [] for label in configs}
        for _ in range(args.repeat):
            for label, argv in configs.items():
                runs[label].append(measure(label, argv, frames))
        memory = {label: measure(label, argv, frames, sample_memory=True).peak_worker_mb
                  for label, argv in configs.items()}  # fmt: skip
        job.remove_work_dir()
        for label in configs:
            run, spread = median_run(runs[label])
            run = replace(run, peak_worker_mb=memory[label])
            print(f"{run.row(cores)} {spread:>12}")
        latency = cancel_latency(demo, Path(tmp) / "cancelled.mp4", min(2, cores))
        print(f"cancel: last process gone {latency:.2f} s after Ctrl-C")


if __name__ == "__main__":
    main()
