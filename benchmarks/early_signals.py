"""Signals in a render's first milliseconds, before its own code can run.

Part 1: how long after ``exec`` the command catches SIGTERM (``SigCgt`` in /proc; CPython
itself catches SIGINT from early on, to raise KeyboardInterrupt), for ``studio-render``,
``python -m studio_render`` and, as the floor, a bare ``python -c`` whose first statement
installs a handler: the gap between them is ours, the rest is CPython starting
(encodings, io, ``site`` with every ``.pth`` file, runpy).

Part 2: SIGINT, SIGTERM and SIGHUP sent at evenly spread moments from 0 to ``--until`` ms
after start, over an earlier output: how each try ended (exit status, a traceback or not,
the earlier output kept, a work folder left), grouped by whether the handlers were in
place when the signal was sent: before CPython's own SIGINT handler, with it only, or
with ours.

    python benchmarks/early_signals.py [--runs 15] [--tries 60] [--until 150]
"""

from __future__ import annotations

import argparse
import collections
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MOVING = ROOT / "tests" / "data" / "moving.qml"
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def catches(pid: int, signum: int) -> bool:
    """Whether the process has a handler for ``signum`` (Linux: SigCgt)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = next(line for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught.split()[1], 16) >> (signum - 1) & 1)


def launchers() -> dict[str, list[str]]:
    script = shutil.which("studio-render", path=str(Path(sys.executable).parent))
    found = {"python -m studio_render": [sys.executable, "-m", "studio_render"]}
    if script:
        found["studio-render"] = [script]
    return found


def time_to_handlers(runs: int) -> None:
    floor = [sys.executable, "-c",
             "import signal, time; signal.signal(15, lambda *a: None); time.sleep(5)"]  # fmt: skip
    for name, argv in {**launchers(), "python -c (floor)": floor}.items():
        times = []
        for _ in range(runs):
            start = time.monotonic()
            extra = [] if name.endswith("(floor)") else ["render", "/nonexistent.qml", "-o", "x"]
            proc = subprocess.Popen([*argv, *extra], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)  # fmt: skip
            while not catches(proc.pid, signal.SIGTERM) and proc.poll() is None:
                time.sleep(0.0005)
            times.append((time.monotonic() - start) * 1000)
            proc.kill()
            proc.wait()
        print(f"  {name:26s} median {statistics.median(times):4.0f} ms, "
              f"max {max(times):4.0f} ms")  # fmt: skip


def signal_early(argv: list[str], signum: int, delay_s: float) -> tuple[str, ...]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.mp4"
        out.write_bytes(b"an earlier render")
        proc = subprocess.Popen(
            [*argv, "render", str(MOVING), "-o", str(out), "-j", "2", "--progress", "none"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        deadline = time.monotonic() + delay_s
        while time.monotonic() < deadline:
            time.sleep(0.0005)
        ready = (
            "ours"
            if catches(proc.pid, signal.SIGTERM)
            else ("CPython's SIGINT handler only" if catches(proc.pid, signal.SIGINT) else "none")
        )
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=120)
        kept = out.read_bytes() == b"an earlier render"
        left = [p.name for p in Path(tmp).iterdir() if p != out]
    shown = "traceback" if "Traceback" in stderr else "one line" if stderr.strip() else "silent"
    return (f"handlers: {ready}", signal.Signals(signum).name,
            f"exit {proc.returncode}", shown, "output kept" if kept else "OUTPUT REPLACED",
            "work folder left" if left else "nothing left")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--tries", type=int, default=60)
    parser.add_argument("--until", type=float, default=150.0, help="ms")
    args = parser.parse_args()
    print("Time from start to SIGTERM handled:")
    time_to_handlers(args.runs)
    for name, argv in launchers().items():
        print(f"\n{name}: {args.tries} signals at 0-{args.until:g} ms")
        tally: collections.Counter[tuple[str, ...]] = collections.Counter()
        for n in range(args.tries):
            delay = args.until / 1000 * n / max(args.tries - 1, 1)
            tally[signal_early(argv, SIGNALS[n % 3], delay)] += 1
        for outcome, count in sorted(tally.items()):
            print(f"  {count:3d}  {', '.join(outcome)}")


if __name__ == "__main__":
    main()
