"""Signals in a render's first milliseconds, before its own code can run.

Launchers compared: ``studio-render`` (bin/studio-render: Python started by ``env
--block-signal`` with SIGINT, SIGTERM and SIGHUP blocked, unblocked by our handlers),
``python -m studio_render`` (unprotected) and the console script ``studio-render`` was
before (a Python script with the venv's python in its shebang, written to a temporary
folder here).

Part 1: per launcher, how long after ``exec`` a SIGTERM is *held* (blocked, or caught by
our handler: from then on it ends the render our way; the launcher's shell does not catch
signals, one sent to it ends it at once, silently, before anything is created) and
how long until our handlers are in place (``SigBlk``/``SigCgt`` in /proc); as the floor, a
bare ``python -c`` whose first statement installs a handler.

Part 2: SIGINT, SIGTERM and SIGHUP sent at evenly spread moments from 0 to ``--until`` ms
after start, over an earlier output: how each try ended (exit status, a traceback or not,
the earlier output kept, a work folder left), grouped by where the process was when the
signal was sent.

    python benchmarks/early_signals.py [--runs 15] [--tries 60] [--until 150]
"""

from __future__ import annotations

import argparse
import collections
import os
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
SHELLS = {"sh", "dash", "bash"}


def _mask(status: str, field: str) -> int:
    line = next(line for line in status.splitlines() if line.startswith(field + ":"))
    return int(line.split()[1], 16)


def stage(pid: int) -> str:
    """Where a process is with the signals: "launcher shell" (not caught: they end it),
    "blocked", "ours", "CPython's SIGINT handler only" or "none" (Linux: /proc/PID/status
    and exe)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        exe = Path(os.readlink(f"/proc/{pid}/exe")).name
    except OSError:
        return "gone"
    term = 1 << (signal.SIGTERM - 1)
    if exe in SHELLS:
        return "launcher shell"
    if _mask(status, "SigBlk") & term:
        return "blocked"
    if _mask(status, "SigCgt") & term:
        return "ours"
    return "CPython's SIGINT handler only" if _mask(status, "SigCgt") & 2 else "none"


def launchers(folder: Path) -> dict[str, list[str]]:
    """The commands compared; ``folder`` receives the old console script."""
    bin_dir = Path(sys.executable).parent
    old = folder / "studio-render-console-script"
    old.write_text(
        f"#!{sys.executable}\nimport sys\nfrom studio_render.launch import main\nsys.exit(main())\n"
    )
    old.chmod(0o755)
    found = {"python -m studio_render": [sys.executable, "-m", "studio_render"],
             "old console script": [str(old)]}  # fmt: skip
    script = shutil.which("studio-render", path=str(bin_dir))
    if script:
        found["studio-render (protected)"] = [script]
    return found


def time_to_handlers(commands: dict[str, list[str]], runs: int) -> None:
    floor = [sys.executable, "-c",
             "import signal, time; signal.signal(15, lambda *a: None); time.sleep(5)"]  # fmt: skip
    print(f"{'':28s} {'SIGTERM held':>22s} {'our handlers in place':>24s}")
    for name, argv in {**commands, "python -c (floor)": floor}.items():
        held, ours = [], []
        for _ in range(runs):
            start = time.monotonic()
            extra = [] if name.endswith("(floor)") else ["render", "/nonexistent.qml", "-o", "x"]
            proc = subprocess.Popen([*argv, *extra], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)  # fmt: skip
            first_held = None
            while (now := stage(proc.pid)) != "ours" and proc.poll() is None:
                if first_held is None and now == "blocked":
                    first_held = time.monotonic()
                time.sleep(0.0002)
            end = time.monotonic()
            held.append(((first_held or end) - start) * 1000)
            ours.append((end - start) * 1000)
            proc.kill()
            proc.wait()
        print(f"  {name:26s} median {statistics.median(held):5.1f} max {max(held):5.1f} ms"
              f"   median {statistics.median(ours):5.0f} max {max(ours):5.0f} ms")  # fmt: skip


def signal_early(argv: list[str], signum: int, delay_s: float) -> tuple[str, ...]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.mp4"
        out.write_bytes(b"an earlier render")
        proc = subprocess.Popen(
            [*argv, "render", str(MOVING), "-o", str(out), "-j", "2", "--progress", "none"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True, env={**os.environ, "TMPDIR": tmp},
        )  # fmt: skip
        deadline = time.monotonic() + delay_s
        while time.monotonic() < deadline:
            time.sleep(0.0005)
        where = stage(proc.pid)
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=120)
        kept = out.read_bytes() == b"an earlier render"
        left = [p.name for p in Path(tmp).iterdir() if p != out]
    one_line = f"Render cancelled ({signal.Signals(signum).name})."
    shown = ("traceback" if "Traceback" in stderr
             else "the one line" if stderr.strip() == one_line
             else f"other: {stderr.strip()[:60]!r}" if stderr.strip() else "silent")  # fmt: skip
    return (f"at: {where}", signal.Signals(signum).name, f"exit {proc.returncode}", shown,
            "output kept" if kept else "OUTPUT REPLACED",
            "work folder left" if left else "nothing left")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--tries", type=int, default=60, help="per signal")
    parser.add_argument("--until", type=float, default=150.0, help="ms")
    parser.add_argument("--only", help="run part 2 for this launcher only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        commands = launchers(Path(tmp))
        print("Time from start (ms):")
        time_to_handlers(commands, args.runs)
        for name, argv in commands.items():
            if args.only and args.only not in name:
                continue
            total = args.tries * len(SIGNALS)
            print(f"\n{name}: {args.tries} of each signal at 0-{args.until:g} ms")
            tally: collections.Counter[tuple[str, ...]] = collections.Counter()
            for n in range(total):
                delay = args.until / 1000 * (n // 3) / max(args.tries - 1, 1)
                tally[signal_early(argv, SIGNALS[n % 3], delay)] += 1
            for outcome, count in sorted(tally.items()):
                print(f"  {count:3d}  {', '.join(outcome)}")


if __name__ == "__main__":
    main()
