"""QRunnables run by the render's QThreadPool: one per chunk, and one for the final steps.

Each runnable supervises a process (the pool threads never paint) and speaks through a
signals QObject that lives in the GUI thread, naming the chunk in every signal. ``run()``
always ends by emitting ``finished``.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QObject, QRunnable, Signal

from studio_render.core.chunk_run import (
    ChunkSplitter,
    Outcome,
    futile_to_retry,
    run_chunk_attempt,
)
from studio_render.core.chunkspec import ChunkSpec
from studio_render.core.plan import Chunk


class ChunkSignals(QObject):
    """Signals of all chunk runnables of one render; the first argument is the chunk index."""

    started = Signal(int, int, int)  # index, worker pid, attempt (1-based)
    progress = Signal(int, int, int)  # index, frames rendered, frames encoded
    cut = Signal(int, int)  # index, the frame where the chunk now ends
    waiting = Signal(int, int, float)  # index, a frame taking long, seconds so far
    retrying = Signal(int, int, str)  # index, next attempt, why the last one failed
    done = Signal(int)
    failed = Signal(int, str, str)  # index, message, worker's last lines
    finished = Signal(int)  # always last, whatever happened


class ChunkRunnable(QRunnable):
    """Renders one chunk in a worker process, retrying a process that dies.

    ``local``: the attempt runs in a local worker and reports frames that take long
    (``on_waiting``). ``splittable`` (local workers only): the attempt takes a
    ``splitter``, and the engine may end the chunk early through :attr:`splitter`.
    """

    def __init__(
        self,
        index: int,
        spec: ChunkSpec,
        signals: ChunkSignals,
        cancelled: threading.Event,
        retries: int,
        attempt: Callable[..., Outcome] = run_chunk_attempt,
        local: bool = False,
        splittable: bool = False,
    ) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the engine keeps it alive until ``finished``
        self.index = index
        self.spec = spec
        self.signals = signals
        self.cancelled = cancelled
        self.retries = retries
        self._attempt = attempt
        self.local = local
        self.splitter = ChunkSplitter(self._on_cut) if splittable else None

    @property
    def describe(self) -> str:
        return Chunk(self.index, self.spec.start, self.spec.end).describe()

    def _on_cut(self, end: int) -> None:
        """In this runnable's thread: the worker agreed to end the chunk at ``end``."""
        if end < self.spec.end:
            self.spec = replace(self.spec, end=end)  # a retry renders the shorter chunk
        self.signals.cut.emit(self.index, end)

    def run(self) -> None:
        try:
            self._run()
        except Exception:  # a bug here must still end the render, not hang it
            self.signals.failed.emit(
                self.index, f"{self.describe}: internal error", traceback.format_exc()
            )
        finally:
            self.signals.finished.emit(self.index)

    def _run(self) -> None:
        i = self.index
        hung_at: int | None = None
        for attempt in range(1, self.retries + 2):
            if self.cancelled.is_set():
                return
            extra: dict[str, object] = {}
            if self.local:  # a one-chunk render is not split, but its frames are watched
                extra["on_waiting"] = lambda f, s: self.signals.waiting.emit(i, f, s)
            if self.splitter is not None:
                extra["splitter"] = self.splitter
            outcome = self._attempt(
                self.spec,
                self.cancelled,
                lambda rendered, encoded: self.signals.progress.emit(i, rendered, encoded),
                lambda pid, a=attempt: self.signals.started.emit(i, pid, a),
                **extra,
            )
            if outcome.ok:
                self.signals.done.emit(i)
                return
            if outcome.cancelled or self.cancelled.is_set():
                return
            if outcome.hung_frame is not None and outcome.hung_frame == hung_at:
                self.signals.failed.emit(i, hang_message(outcome.hung_frame, outcome.reason),
                                         outcome.tail)  # fmt: skip
                return
            hung_at = outcome.hung_frame
            if attempt > self.retries or futile_to_retry(outcome.reason, outcome.tail):
                tries = f" after {attempt} attempts" if attempt > 1 else ""
                message = f"{self.describe} failed{tries}: {outcome.reason}".replace("  ", " ")
                self.signals.failed.emit(i, message, outcome.tail)
                return  # a full disk or a refused URL fails on its first attempt
            self.signals.retrying.emit(i, attempt + 1, outcome.reason)


def hang_message(frame: int, reason: str) -> str:
    """A frame hung on two attempts: retrying again would only wait again."""
    return (
        f"frame {frame} hangs: {reason.removeprefix(f'frame {frame} ')}, on two attempts; "
        "the scene never finishes drawing it (look for a binding loop or a script that does "
        "not return at that frame)"
    )


class StepSignals(QObject):
    """Signals of the runnable that joins chunks, adds audio and installs the output."""

    stage = Signal(str, float)  # stage name, fraction of that stage done
    done = Signal()
    failed = Signal(str, str)  # message, last lines
    finished = Signal()


class FunctionRunnable(QRunnable):
    """Runs ``work()`` in the pool; ``work`` reports through ``signals`` itself."""

    def __init__(self, work: Callable[[], None], signals: StepSignals) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.work = work
        self.signals = signals

    def run(self) -> None:
        try:
            self.work()
        except Exception as exc:
            self.signals.failed.emit(f"internal error: {exc}", traceback.format_exc())
        finally:
            self.signals.finished.emit()
