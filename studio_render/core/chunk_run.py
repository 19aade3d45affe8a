"""Running one attempt of one chunk in a worker process, and the steps after rendering.

Qt-free: the Qt runnables (and the cluster tasks) wrap these with their own signals.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from studio_render.core.chunkspec import (
    DONE,
    ChunkSpec,
    cut_line,
    parse_cut_line,
    parse_failed_line,
    parse_warning_line,
    parse_worker_line,
)
from studio_render.core.composition import LOCAL_FILES_ONLY
from studio_render.core.ffmpeg import parse_progress_line
from studio_render.core.frame_watch import FrameWatch
from studio_render.core.procs import SupervisedProcess, worker_command
from studio_render.core.worker_pool import WorkerPool

#: An ffmpeg step that writes nothing for this long is taken as hung and stopped (chunk
#: workers are watched frame by frame: core/frame_watch.py).
STALL_TIMEOUT_S = 120.0
_POLL_S = 0.05


@dataclass(frozen=True)
class Outcome:
    """How a process ended: ok, cancelled, or failed with a reason and its last lines."""

    ok: bool
    cancelled: bool = False
    reason: str = ""
    tail: str = ""
    hung_frame: int | None = None  # the frame a hung worker was drawing


#: What the system says, in ffmpeg's lines or ours, when the disk is full.
NO_SPACE = "No space left on device"


def disk_full(reason: str, tail: str) -> bool:
    """Whether a failure came from a full disk (retrying cannot help)."""
    return NO_SPACE in reason or NO_SPACE in tail


def no_space_message(free: int, needed: float) -> str:
    """The one line for a full disk; ``needed`` is an estimate, more than ``free`` (it did
    not fit)."""
    needed = max(needed, free + 1)
    return (f"no space left on the output's disk ({_megabytes(free)} MB free, "
            f"about {_megabytes(needed, up=True)} MB needed)")  # fmt: skip


def _megabytes(size: float, up: bool = False) -> str:
    """``size`` bytes in MB: one decimal under 10 MB; rounded up when ``up``."""
    mb = size / 1e6
    digits = 1 if mb < 10 else 0
    if up:
        mb = math.ceil(mb * 10**digits) / 10**digits
    return f"{mb:.{digits}f}"


def futile_to_retry(reason: str, tail: str) -> bool:
    """Whether a failure would only repeat: a full disk, or the network refused."""
    return disk_full(reason, tail) or LOCAL_FILES_ONLY in reason


def _describe_exit(code: int, who: str) -> str:
    if code < 0:
        import signal

        try:
            return f"{who} was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"{who} was killed by signal {-code}"
    return f"{who} exited with code {code}"


def supervise(
    argv: Sequence[str],
    cancelled: threading.Event,
    on_line: Callable[[str], None],
    on_start: Callable[[int], None] = lambda pid: None,
    who: str = "the worker",
    watch: FrameWatch | None = None,
) -> Outcome:
    """Run ``argv`` in its own process group until it ends, is cancelled or stalls.
    A worker (with a ``watch``) gets a TMPDIR of its own, removed after it."""
    proc = SupervisedProcess(argv, own_tmp=watch is not None)
    on_start(proc.pid)
    return follow(proc, cancelled, on_line, who=who, watch=watch)


def follow(
    proc: SupervisedProcess,
    cancelled: threading.Event,
    on_line: Callable[[str], None],
    finished: Callable[[], bool] = lambda: False,
    who: str = "the worker",
    stall_timeout: float = STALL_TIMEOUT_S,
    watch: FrameWatch | None = None,
) -> Outcome:
    """Pass ``proc``'s output lines to ``on_line`` until it exits, or ``finished()`` turns
    true after a line (the process lives on), or a cancel or a stall stops its group.
    ``who`` names the process in reasons: "the worker exited with code 1". With a
    ``watch`` (a chunk's worker), a stall is a frame that takes too long; ``on_line``
    tells the watch of each frame."""
    last_output = time.monotonic()
    while True:
        if cancelled.is_set():
            proc.stop()
            return Outcome(ok=False, cancelled=True, tail=proc.tail)
        line = proc.next_line(_POLL_S)
        if line is not None:
            last_output = time.monotonic()
            on_line(line)
            if finished():
                return Outcome(True, tail=proc.tail)
            continue
        if proc.output_ended and proc.poll() is not None:
            break
        if watch is not None:
            if (hang := watch.check()) is not None:
                proc.stop()
                return Outcome(False, reason=hang, tail=proc.tail, hung_frame=watch.hung_frame)
        elif time.monotonic() - last_output > stall_timeout:
            proc.stop()
            return Outcome(False, reason=f"no progress for {stall_timeout:g} s", tail=proc.tail)
    code = proc.wait()
    if code != 0:
        return Outcome(False, reason=_describe_exit(code, who), tail=proc.tail)
    return Outcome(True, tail=proc.tail)


class LineSink(Protocol):
    """Where a cut request goes: a worker's stdin, or a chunk running on a cluster."""

    def send_line(self, text: str) -> bool: ...


class ChunkSplitter:
    """Lets another thread end a running chunk early, so its last frames can go to a
    worker that has nothing to do. ``on_cut(end)`` is called in the supervising thread
    once the worker has agreed to end the chunk at ``end``."""

    def __init__(self, on_cut: Callable[[int], None]) -> None:
        self.on_cut = on_cut
        self._lock = threading.Lock()
        self._proc: LineSink | None = None
        self._start = 0

    def request(self, at: int) -> bool:
        """Ask the worker to end the chunk at frame ``at``; False if no worker has it."""
        with self._lock:
            return self._proc is not None and self._proc.send_line(cut_line(self._start, at))

    def attach(self, proc: LineSink | None, start: int = 0) -> None:
        """The worker rendering the chunk that starts at ``start`` now (None: no worker)."""
        with self._lock:
            self._proc, self._start = proc, start


def run_chunk_attempt(
    spec: ChunkSpec,
    cancelled: threading.Event,
    on_progress: Callable[[int, int], None],
    on_start: Callable[[int], None] = lambda pid: None,
    workers: WorkerPool | None = None,
    splitter: ChunkSplitter | None = None,
    on_waiting: Callable[[int, float], None] = lambda frame, seconds: None,
    on_warning: Callable[[int, str], None] = lambda frame, message: None,
) -> Outcome:
    """Render one chunk once: in a worker from ``workers``, else in a worker of its own.

    With ``workers``, a ``splitter`` may end the chunk early. A failed attempt leaves no
    chunk file behind, and its worker is stopped. A frame that takes far too long stops
    the attempt (``Outcome.hung_frame``); ``on_waiting(frame, seconds)`` while it is slow.
    ``on_warning(frame, message)``: a problem the scene had at ``frame``.
    """
    watch = FrameWatch(spec.start, spec.frame_count, spec.frame_timeout, on_waiting)
    finished = False
    failure = ""  # the worker's own one-line reason, if it gave one

    def on_line(line: str) -> None:
        nonlocal finished, failure
        if line == DONE:
            finished = True
        elif (counts := parse_worker_line(line)) is not None:
            watch.line(counts[0])
            on_progress(*counts)
            return
        elif (warning := parse_warning_line(line)) is not None:
            on_warning(*warning)
            return
        elif (message := parse_failed_line(line)) is not None:
            failure = message
        elif (cut := parse_cut_line(line)) and cut[0] == spec.start and splitter is not None:
            watch.frames = min(watch.frames, cut[1] - spec.start)
            splitter.on_cut(cut[1])
        watch.line()

    if workers is None:
        argv = worker_command("chunk", spec.to_json())
        outcome = supervise(argv, cancelled, on_line, on_start, watch=watch)
    else:
        line = spec.to_json()
        started = workers.take_started(line)  # given this chunk before the engine ran
        proc = started or workers.take()
        on_start(proc.pid)
        if started is not None or proc.send_line(line):
            if splitter is not None:
                splitter.attach(proc, spec.start)
            try:
                outcome = follow(proc, cancelled, on_line, lambda: finished, watch=watch)
            finally:
                if splitter is not None:
                    splitter.attach(None)
        else:
            outcome = Outcome(False, reason="the worker stopped reading", tail=proc.tail)
        if outcome.ok and finished:
            workers.put_back(proc)
        elif not outcome.cancelled:  # a cancelled attempt has stopped its worker already
            proc.stop()
    if outcome.ok and not finished:
        outcome = Outcome(False, reason="the worker ended without finishing", tail=outcome.tail)
    if failure and not outcome.ok and not outcome.cancelled:
        outcome = Outcome(False, reason=failure, tail=outcome.tail)
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

    return supervise(argv, cancelled, on_line, who="ffmpeg")
