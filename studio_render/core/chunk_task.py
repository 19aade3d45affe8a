"""One chunk's attempts in a worker process: retries, hangs, the final word. Qt-free.

A :class:`ChunkTask` runs in a pool thread of the engine (``run()``); it supervises a
process, never paints, and reports through a :class:`ChunkReports` object, naming the
chunk in every report. ``run()`` always ends with ``finished``.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

from studio_render.core.chunk_run import (
    ChunkSplitter,
    Outcome,
    futile_to_retry,
    run_chunk_attempt,
)
from studio_render.core.chunkspec import ChunkSpec
from studio_render.core.plan import Chunk


class ChunkReports(Protocol):
    """What a chunk task reports, from its pool thread; the first argument is the chunk."""

    def started(self, index: int, pid: int, attempt: int) -> None: ...  # attempt: 1-based
    def progress(self, index: int, rendered: int, encoded: int) -> None: ...
    def cut(self, index: int, end: int) -> None: ...  # the frame where it now ends
    def waiting(self, index: int, frame: int, seconds: float) -> None: ...  # a slow frame
    def warning(self, index: int, frame: int, message: str) -> None: ...  # scene problem
    def retrying(self, index: int, attempt: int, reason: str) -> None: ...  # next attempt
    def done(self, index: int) -> None: ...
    def failed(self, index: int, message: str, tail: str) -> None: ...  # tail: last lines
    def finished(self, index: int) -> None: ...  # always last, whatever happened


class ChunkTask:
    """Renders one chunk in a worker process, retrying a process that dies.

    ``local``: the attempt runs in a local worker and reports frames that take long
    (``on_waiting``). ``splittable`` (local workers only): the attempt takes a
    ``splitter``, and the engine may end the chunk early through :attr:`splitter`.
    """

    def __init__(
        self,
        index: int,
        spec: ChunkSpec,
        reports: ChunkReports,
        cancelled: threading.Event,
        retries: int,
        attempt: Callable[..., Outcome] = run_chunk_attempt,
        local: bool = False,
        splittable: bool = False,
    ) -> None:
        self.index = index
        self.spec = spec
        self.reports = reports
        self.cancelled = cancelled
        self.retries = retries
        self._attempt = attempt
        self.local = local
        self.splitter = ChunkSplitter(self._on_cut) if splittable else None

    @property
    def describe(self) -> str:
        return Chunk(self.index, self.spec.start, self.spec.end).describe()

    def _on_cut(self, end: int) -> None:
        """In this task's thread: the worker agreed to end the chunk at ``end``."""
        if end < self.spec.end:
            self.spec = replace(self.spec, end=end)  # a retry renders the shorter chunk
        self.reports.cut(self.index, end)

    def run(self) -> None:
        try:
            self._run()
        except Exception:  # a bug here must still end the render, not hang it
            self.reports.failed(
                self.index, f"{self.describe}: internal error", traceback.format_exc()
            )
        finally:
            self.reports.finished(self.index)

    def _run(self) -> None:
        i, reports = self.index, self.reports
        hung_at: int | None = None
        for attempt in range(1, self.retries + 2):
            if self.cancelled.is_set():
                return
            extra: dict[str, object] = {"on_warning": lambda f, m: reports.warning(i, f, m)}
            if self.local:  # a one-chunk render is not split, but its frames are watched
                extra["on_waiting"] = lambda f, s: reports.waiting(i, f, s)
            if self.splitter is not None:
                extra["splitter"] = self.splitter
            outcome = self._attempt(
                self.spec,
                self.cancelled,
                lambda rendered, encoded: reports.progress(i, rendered, encoded),
                lambda pid, a=attempt: reports.started(i, pid, a),
                **extra,
            )
            if outcome.ok:
                reports.done(i)
                return
            if outcome.cancelled or self.cancelled.is_set():
                return
            if outcome.hung_frame is not None and outcome.hung_frame == hung_at:
                reports.failed(i, hang_message(outcome.hung_frame, outcome.reason), outcome.tail)
                return
            hung_at = outcome.hung_frame
            if attempt > self.retries or futile_to_retry(outcome.reason, outcome.tail):
                tries = f" after {attempt} attempts" if attempt > 1 else ""
                message = f"{self.describe} failed{tries}: {outcome.reason}".replace("  ", " ")
                reports.failed(i, message, outcome.tail)
                return  # a full disk or a refused URL fails on its first attempt
            reports.retrying(i, attempt + 1, outcome.reason)


def hang_message(frame: int, reason: str) -> str:
    """A frame hung on two attempts: retrying again would only wait again."""
    return (
        f"frame {frame} hangs: {reason.removeprefix(f'frame {frame} ')}, on two attempts; "
        "the scene never finishes drawing it (look for a binding loop or a script that does "
        "not return at that frame)"
    )
