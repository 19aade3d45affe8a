"""Running one attempt of one chunk in a worker process, and the steps after rendering.

Qt-free: the Qt runnables (and the cluster tasks) wrap these with their own signals.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from studio_render.core.chunkspec import DONE, ChunkSpec, parse_worker_line
from studio_render.core.ffmpeg import parse_progress_line
from studio_render.core.procs import SupervisedProcess, worker_command

#: A worker that writes nothing for this long is taken as hung and stopped.
STALL_TIMEOUT_S = 120.0
_POLL_S = 0.05


@dataclass(frozen=True)
class Outcome:
    """How a process ended: ok, cancelled, or failed with a reason and its last lines."""

    ok: bool
    cancelled: bool = False
    reason: str = ""
    tail: str = ""


def _describe_exit(code: int) -> str:
    if code < 0:
        import signal

        try:
            return f"the worker was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"the worker was killed by signal {-code}"
    return f"the worker exited with code {code}"


def supervise(
    argv: Sequence[str],
    cancelled: threading.Event,
    on_line: Callable[[str], None],
    on_start: Callable[[int], None] = lambda pid: None,
    stall_timeout: float = STALL_TIMEOUT_S,
) -> Outcome:
    """Run ``argv`` in its own process group until it ends, is cancelled or stalls."""
    proc = SupervisedProcess(argv)
    on_start(proc.pid)
    last_output = time.monotonic()
    while True:
        if cancelled.is_set():
            proc.stop()
            return Outcome(ok=False, cancelled=True, tail=proc.tail)
        line = proc.next_line(_POLL_S)
        if line is not None:
            last_output = time.monotonic()
            on_line(line)
            continue
        if proc.output_ended and proc.poll() is not None:
            break
        if time.monotonic() - last_output > stall_timeout:
            proc.stop()
            return Outcome(False, reason=f"no progress for {stall_timeout:g} s", tail=proc.tail)
    code = proc.wait()
    if code != 0:
        return Outcome(False, reason=_describe_exit(code), tail=proc.tail)
    return Outcome(True, tail=proc.tail)


def run_chunk_attempt(
    spec: ChunkSpec,
    cancelled: threading.Event,
    on_progress: Callable[[int, int], None],
    on_start: Callable[[int], None] = lambda pid: None,
) -> Outcome:
    """Render one chunk once. A failed attempt leaves no chunk file behind."""
    finished = False

    def on_line(line: str) -> None:
        nonlocal finished
        if line == DONE:
            finished = True
        elif (counts := parse_worker_line(line)) is not None:
            on_progress(*counts)

    outcome = supervise(worker_command("chunk", spec.to_json()), cancelled, on_line, on_start)
    if outcome.ok and not finished:
        outcome = Outcome(False, reason="the worker ended without finishing", tail=outcome.tail)
    if not outcome.ok and not spec.output.endswith(".png"):
        Path(spec.output).unlink(missing_ok=True)
    return outcome


def run_ffmpeg_step(
    argv: Sequence[str],
    cancelled: threading.Event,
    duration_s: float,
    on_fraction: Callable[[float], None],
) -> Outcome:
    """Run an ffmpeg join or mux, reporting its position as a fraction of ``duration_s``."""

    def on_line(line: str) -> None:
        parsed = parse_progress_line(line)
        if parsed and parsed[0] == "out_time_us" and parsed[1].lstrip("-").isdigit():
            on_fraction(min(max(int(parsed[1]) / 1e6 / duration_s, 0.0), 1.0))
        elif parsed == ("progress", "end"):
            on_fraction(1.0)

    return supervise(argv, cancelled, on_line)
