"""The render engine: a QThreadPool of chunk runnables, the final steps, one aggregator.

The desktop window and the command line drive this same object. ``start(job)`` returns at
once; everything after happens in the pool and arrives as signals in the owner's thread.
"""

from __future__ import annotations

import os
import shutil
import threading
import weakref
from collections.abc import Callable
from dataclasses import replace
from enum import StrEnum
from functools import partial
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QThreadPool, Signal, Slot

from studio_render.core.chunk_run import (
    Outcome,
    disk_full,
    no_space_message,
    run_chunk_attempt,
    run_ffmpeg_step,
)
from studio_render.core.ffmpeg import (
    concat_list,
    encode_audio_command,
    find_ffmpeg,
    join_command,
)
from studio_render.core.job import RenderJob
from studio_render.core.output import install_output
from studio_render.core.plan import Chunk, Running, choose_split, encoder_threads
from studio_render.core.presets import Join
from studio_render.core.progress import (
    AUDIO_COST,
    COPY_JOIN_COST,
    TRANSCODE_JOIN_COST,
    ProgressModel,
    Stage,
)
from studio_render.core.resume import (
    Segment,
    keep_finished,
    record_finished,
    remove_other_work_dirs,
)
from studio_render.core.worker_pool import WorkerPool
from studio_render.qt.aggregator import ProgressAggregator
from studio_render.qt.runnables import ChunkRunnable, ChunkSignals, FunctionRunnable, StepSignals

_POOLS: weakref.WeakSet[QThreadPool] = weakref.WeakSet()


def live_pools() -> list[QThreadPool]:
    """The thread pools of all engines that still exist (tests check none is left busy).

    A pool deleted with its engine's parent (a closed window) may keep its Python wrapper
    a while; it is left out, having waited for its threads when it was deleted.
    """
    return [pool for pool in _POOLS if shiboken6.isValid(pool)]


class ChunkState(StrEnum):
    QUEUED = "queued"
    RENDERING = "rendering"
    RETRYING = "retrying"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


def reused_chunks(job: RenderJob) -> list[Chunk]:
    """The chunks a killed render of the job finished, numbered after the job's chunks."""
    return [Chunk(len(job.chunks) + n, s.start, s.end) for n, s in enumerate(job.reused)]


def progress_model_for(job: RenderJob, joins: bool = True) -> ProgressModel:
    """The progress arithmetic for a job, with weight reserved for its later stages
    (``joins``: False when one chunk is the whole output)."""
    join_cost = {Join.COPY: COPY_JOIN_COST, Join.GIF: TRANSCODE_JOIN_COST, Join.NONE: 0.0}
    reused = reused_chunks(job)
    return ProgressModel(
        {c.index: c.frame_count for c in (*job.chunks, *reused)},
        join_cost=join_cost[job.preset.join] if joins else 0.0,
        audio_cost=AUDIO_COST if job.audio else 0.0,
        done=[c.index for c in reused],
    )


class RenderEngine(QObject):
    """Renders one job at a time. Ends with exactly one of finished, failed or cancelled."""

    chunkStateChanged = Signal(int, str, float)  # index, ChunkState, fraction of the chunk
    chunkStarted = Signal(int, int, int)  # index, worker pid, attempt
    frameWaiting = Signal(int, int, float)  # index, a frame taking long, seconds so far
    finished = Signal(str)  # output path
    failed = Signal(str, str)  # one-line message, details (worker's last lines)
    cancelled = Signal()
    ended = Signal()  # after any of the three above

    def __init__(
        self,
        parent: QObject | None = None,
        chunk_attempt: Callable[..., Outcome] | None = None,
    ) -> None:
        super().__init__(parent)
        self.aggregator = ProgressAggregator(self)
        self.pool: QThreadPool | None = None
        self.job: RenderJob | None = None
        #: How the next render's chunks run: None for worker processes on this computer,
        #: kept across chunks; else a callable like ``run_chunk_attempt`` (a cluster's).
        self.chunk_attempt = chunk_attempt
        self.workers: WorkerPool | None = None  # this render's local worker processes
        self._cancel = threading.Event()
        self._alive: set[object] = set()  # running runnables, kept from the collector
        self._done: set[int] = set()
        self._failure: tuple[str, str] | None = None
        self._failed_chunks: set[int] = set()
        self._chunks: dict[int, Chunk] = {}  # the plan's chunks, and chunks split off them
        self._runnables: dict[int, ChunkRunnable] = {}
        self._started: set[int] = set()
        #: running chunks: frames drawn so far, and how many of those are not encoded yet
        self._drawn: dict[int, tuple[int, int]] = {}
        self._splitting: int | None = None  # the chunk asked to end early, until it answers
        self._threads: int | None = None
        self._concurrency = 1  # chunks rendered at once: the pool's size
        #: One local chunk is the whole output: its encoder writes the output file, it is
        #: not split, and no join pass runs (see ``RenderJob.single_chunk``).
        self._whole = False
        self._attempt: Callable[..., Outcome] = run_chunk_attempt
        self._splits = False  # whether running chunks can be split for idle workers
        self._finishing = False
        self._complete = False
        self._keep_finished = False  # cancelled to be resumed: finished chunks stay
        self._free_at_start = 0  # bytes free on the output's disk when the render began
        self._progress: ProgressModel | None = None  # the render's progress arithmetic
        self._chunk_signals = ChunkSignals(self)
        self._chunk_signals.started.connect(self._on_started)
        self._chunk_signals.progress.connect(self._on_progress)
        self._chunk_signals.cut.connect(self._on_cut)
        self._chunk_signals.waiting.connect(self.frameWaiting)
        self._chunk_signals.retrying.connect(self._on_retrying)
        self._chunk_signals.done.connect(self._on_done)
        self._chunk_signals.failed.connect(self._on_failed)
        self._chunk_signals.finished.connect(self._on_runnable_finished)
        self._step_signals = StepSignals(self)
        self._step_signals.stage.connect(self.aggregator.onStageProgress)
        self._step_signals.done.connect(self._on_steps_done)
        self._step_signals.failed.connect(lambda msg, tail: self._fail(msg, tail))
        self._step_signals.finished.connect(self._on_steps_finished)
        self._audio_signals = StepSignals(self)
        self._audio_signals.stage.connect(self.aggregator.onStageProgress)
        self._audio_signals.done.connect(self._on_audio_done)
        self._audio_signals.failed.connect(lambda msg, tail: self._fail(msg, tail))
        self._audio_signals.finished.connect(self._on_audio_finished)
        self._audio_ready = False
        self._audio_runnable: FunctionRunnable | None = None
        #: The audio encodes here, beside the chunks, not on one of their threads.
        self._audio_pool = QThreadPool(self)
        self._audio_pool.setMaxThreadCount(1)
        _POOLS.add(self._audio_pool)

    @property
    def running(self) -> bool:
        return self.job is not None

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    def start(self, job: RenderJob, workers: WorkerPool | None = None) -> None:
        """Queue every chunk of ``job``; returns at once.

        ``workers``: local worker processes booted ahead (while the composition was being
        probed, say); the engine takes them over and lets them go when the render ends.
        """
        if self.running:
            raise RuntimeError("a render is already running")
        self._ffmpeg = find_ffmpeg()  # may raise BadInput: before anything is started
        self.job = job
        self._cancel = threading.Event()
        self._done.clear()
        self._failed_chunks.clear()
        self._chunks = {chunk.index: chunk for chunk in job.chunks}
        self._runnables.clear()
        self._started.clear()
        self._drawn.clear()
        self._splitting = None
        self._failure = None
        self._finishing = self._complete = self._keep_finished = False
        self._audio_ready = job.audio is None
        self._free_at_start = shutil.disk_usage(job.output.parent).free
        if self.pool is not None:
            self.pool.deleteLater()
        self.pool = QThreadPool(self)
        self._concurrency = job.settings.concurrency
        self.pool.setMaxThreadCount(self._concurrency)
        _POOLS.add(self.pool)
        self._whole = self.chunk_attempt is None and job.single_chunk
        self._progress = progress_model_for(job, joins=not self._whole)
        self.aggregator.begin(self._progress)
        for chunk in reused_chunks(job):  # done from the start
            self._chunks[chunk.index] = chunk
            self._started.add(chunk.index)
            self._done.add(chunk.index)
            self.chunkStateChanged.emit(chunk.index, ChunkState.DONE, 1.0)
        self.workers = workers
        if self.chunk_attempt is not None:
            self._release_workers()  # booted ahead, but the chunks run elsewhere
            self._attempt, self._threads = self.chunk_attempt, None
            # a cluster's attempts take a splitter too (see cluster/attempt.py)
            self._splits = bool(getattr(self.chunk_attempt, "splits_chunks", False))
        else:
            self.workers = workers or WorkerPool(job.info.kind)
            self._attempt = partial(run_chunk_attempt, workers=self.workers)
            self._threads = job.local_encoder_threads(self._concurrency)
            self._splits = not self._whole
        if job.audio:  # encoded once, beside the chunks
            self._audio_runnable = FunctionRunnable(self._encode_audio, self._audio_signals)
            self._alive.add(self._audio_runnable)
            self._audio_pool.start(self._audio_runnable)
        for chunk in job.chunks:
            self.chunkStateChanged.emit(chunk.index, ChunkState.QUEUED, 0.0)
        for chunk in job.chunks:
            self._queue(chunk)

    def _queue(self, chunk: Chunk) -> None:
        """Hand ``chunk`` to the pool: it runs when a thread (and a worker) is free."""
        assert self.job is not None and self.pool is not None
        runnable = ChunkRunnable(
            chunk.index,
            self.job.chunk_spec(chunk, self._ffmpeg, self._threads, whole_output=self._whole),
            self._chunk_signals,
            self._cancel,
            self.job.settings.retries,
            self._attempt,
            local=self.workers is not None,
            splittable=self._splits,
        )
        self._runnables[chunk.index] = runnable
        self._alive.add(runnable)
        self.pool.start(runnable)

    @Slot(int)
    def set_concurrency(self, concurrency: int) -> None:
        """Render ``concurrency`` chunks at once from now on: the pool's size, the split
        decisions and the encoder threads of chunks not started yet change together. A
        cluster render keeps the cluster's concurrency."""
        if self.job is None or self.pool is None or self.chunk_attempt is not None:
            return
        if concurrency == self._concurrency or self._cancel.is_set():
            return
        self._concurrency = concurrency
        self._threads = encoder_threads(concurrency, os.cpu_count() or 1)
        for index, runnable in self._runnables.items():
            if index not in self._started:  # queued: its encoder takes the new share
                chunk = self._chunks[index]
                runnable.spec = self.job.chunk_spec(
                    chunk, self._ffmpeg, self._threads, whole_output=self._whole
                )
        self.pool.setMaxThreadCount(concurrency)  # a queued chunk may start at once
        self._maybe_split()  # a new worker with nothing queued takes part of a chunk

    @Slot()
    def cancel(self, keep_finished: bool = False) -> None:
        """Stop every process, remove temporary files, leave the output path as it was.

        ``keep_finished``: the finished chunks stay in the work folder, and the same job
        started again reuses them (see ``core/resume.py``).
        """
        if not self.running or self._cancel.is_set():
            return
        self._keep_finished = keep_finished
        self._cancel.set()
        self.aggregator.stop()

    # -- chunk signals ------------------------------------------------------------------

    def _on_started(self, index: int, pid: int, attempt: int) -> None:
        self._started.add(index)
        self._drawn[index] = (0, 0)
        self.chunkStarted.emit(index, pid, attempt)
        self.chunkStateChanged.emit(index, ChunkState.RENDERING, 0.0)
        self._maybe_split()

    def _on_progress(self, index: int, rendered: int, encoded: int) -> None:
        if self.job is None or self._cancel.is_set():
            return
        chunk = self._chunks[index]
        was_drawn = self._drawn.get(index, (0, 0))[0] >= chunk.frame_count
        self._drawn[index] = (rendered, rendered - encoded)
        self.aggregator.onChunkProgress(index, rendered, encoded)
        fraction = (rendered + encoded) / (2 * chunk.frame_count)
        self.chunkStateChanged.emit(index, ChunkState.RENDERING, fraction)
        if not was_drawn and rendered >= chunk.frame_count:  # its worker is soon free
            self._maybe_split()

    def _on_retrying(self, index: int, attempt: int, reason: str) -> None:
        self._chunk_over(index)
        self.aggregator.onChunkRestarted(index)
        self.chunkStateChanged.emit(index, ChunkState.RETRYING, 0.0)

    def _on_done(self, index: int) -> None:
        if self.job is not None and not self._whole:  # for a rerun, should this one die
            spec = self._runnables[index].spec
            record_finished(self.job.work_dir, Segment(spec.start, spec.end, Path(spec.output)))
        self._chunk_over(index)
        self._done.add(index)
        self.aggregator.onChunkDone(index)
        self.chunkStateChanged.emit(index, ChunkState.DONE, 1.0)
        self._maybe_split()

    def _on_failed(self, index: int, message: str, tail: str) -> None:
        self._chunk_over(index)
        self._failed_chunks.add(index)
        self.chunkStateChanged.emit(index, ChunkState.FAILED, 0.0)
        self._fail(message, tail)

    def _chunk_over(self, index: int) -> None:
        """The chunk's worker is done with it (finished, failed, or starting again)."""
        self._drawn.pop(index, None)
        if self._splitting == index:
            self._splitting = None

    # -- splitting a chunk for an idle worker -------------------------------------------

    def _maybe_split(self) -> None:
        """If a worker is free or soon free (its chunk drawn, its encoder finishing) and no
        chunk is queued, ask the running chunk with the most work left to end early (see
        ``choose_split``); the rest becomes a chunk of its own, queued for that worker."""
        if self.job is None or not self._splits or self._cancel.is_set():
            return
        if self._splitting is not None or len(self._started) < len(self._chunks):
            return  # an answer is awaited, or a chunk is queued: no worker will idle
        running = {
            i: Running(self._chunks[i].start + drawn, self._chunks[i].end, unencoded)
            for i, (drawn, unencoded) in self._drawn.items()
        }
        if len(running) < self._concurrency:
            backlog = 0  # a worker is idle now
        else:
            flushing = [r.unencoded for r in running.values() if r.next_frame >= r.end]
            if not flushing:
                return
            backlog = min(flushing)  # the soonest free
        choice = choose_split(running, backlog)
        if choice is None:
            return
        index, at = choice
        splitter = self._runnables[index].splitter
        if splitter is not None and splitter.request(at):
            self._splitting = index

    def _on_cut(self, index: int, end: int) -> None:
        """The worker of chunk ``index`` answered: it ends at ``end`` now."""
        if self._splitting == index:
            self._splitting = None
        chunk = self._chunks[index]
        if self.job is not None and not self._cancel.is_set() and chunk.start < end < chunk.end:
            rest = Chunk(len(self._chunks), end, chunk.end)
            self._chunks[index] = replace(chunk, end=end)
            self._chunks[rest.index] = rest
            self.aggregator.onChunkSplit(index, end - chunk.start, rest.index)
            self.chunkStateChanged.emit(rest.index, ChunkState.QUEUED, 0.0)
            self._queue(rest)
        elif index in self._drawn:  # too late: every frame is drawn or being drawn
            self._drawn[index] = (chunk.frame_count, self._drawn[index][1])
        self._maybe_split()

    def _fail(self, message: str, tail: str) -> None:
        if self._failure is None and not self._cancel.is_set():
            if disk_full(message, tail):
                message = self._no_space_message()
            self._failure = (message, tail)
            self._cancel.set()  # stop the other chunks
            self.aggregator.stop()

    def _no_space_message(self) -> str:
        """How much room the render had, and about how much it needs: the bytes per frame
        of the finished chunks (else of what filled the disk, over the frames encoded so
        far); a joined render needs its frames twice (chunks, then the output)."""
        job = self.job
        assert job is not None
        done = [(segment.frame_count, _size(segment.path)) for segment in job.reused]
        done += [(self._chunks[i].frame_count, _size(Path(self._runnables[i].spec.output)))
                 for i in self._done if i in self._runnables]  # fmt: skip
        frames, size = sum(n for n, _ in done), sum(b for _, b in done)
        free = self._free_at_start + sum(_size(segment.path) for segment in job.reused)
        if frames and size:
            per_frame = size / frames
        else:  # no chunk finished: the frames encoded so far filled the disk (or more)
            model = self._progress
            encoded = model.snapshot().frames_done if model is not None else 0
            per_frame = self._free_at_start / max(encoded, 1)
        copies = 1 if job.preset.join is Join.NONE else 2
        return no_space_message(free, per_frame * job.frame_count * copies)

    def _on_runnable_finished(self, index: int) -> None:
        self._alive = {r for r in self._alive if getattr(r, "index", None) != index}
        if not any(isinstance(r, ChunkRunnable) for r in self._alive):
            self._release_workers()
        self._advance()

    # -- audio, beside the chunks -------------------------------------------------------

    def _encode_audio(self) -> None:
        """Encode the audio track (in a pool thread) while the chunks render."""
        job = self.job
        assert job is not None and job.audio is not None and job.preset.audio_args is not None
        report = self._audio_signals
        command = encode_audio_command(
            self._ffmpeg, job.audio, job.audio_offset_s, job.duration_s,
            job.preset.audio_args, job.audio_track,
        )  # fmt: skip
        outcome = run_ffmpeg_step(
            command, self._cancel, job.duration_s, lambda f: report.stage.emit(Stage.AUDIO, f)
        )
        if self._step_ok(outcome, "encoding the audio", report):
            report.done.emit()

    def _on_audio_done(self) -> None:
        self._audio_ready = True

    def _on_audio_finished(self) -> None:
        self._alive.discard(self._audio_runnable)
        self._advance()

    # -- after rendering ----------------------------------------------------------------

    def _advance(self) -> None:
        """Decide what happens once no runnable is active."""
        if self._alive or self.job is None or self._finishing:
            return
        if self._cancel.is_set():
            self._end()
        elif len(self._done) == len(self._chunks) and self._audio_ready:
            self._finishing = True
            runnable = FunctionRunnable(self._final_steps, self._step_signals)
            self._alive.add(runnable)
            assert self.pool is not None
            self.pool.start(runnable)
        else:  # cannot happen: every runnable ends done, failed or cancelled
            self._fail("internal error: the render stopped without finishing", "")
            self._end()

    def _final_steps(self) -> None:
        """Join the chunks and the audio (in a pool thread), then put the output in place."""
        job = self.job
        assert job is not None
        if job.preset.join is not Join.NONE and not self._whole:
            listing = job.work_dir / "chunks.txt"
            files = [(r.spec.start, Path(r.spec.output)) for r in self._runnables.values()]
            files += [(segment.start, segment.path) for segment in job.reused]
            listing.write_text(concat_list([path for _, path in sorted(files)]))
            command = join_command(
                self._ffmpeg, listing, job.partial_output, job.preset.final_args,
                job.preset.join is Join.GIF, job.audio_track if job.audio else None,
            )  # fmt: skip
            outcome = run_ffmpeg_step(
                command, self._cancel, job.duration_s,
                lambda f: self._step_signals.stage.emit(Stage.JOINING, f),
            )  # fmt: skip
            if not self._step_ok(outcome, "joining the chunks", self._step_signals):
                return
        if self._cancel.is_set():
            return
        install_output(job.partial_output, job.output, job.work_dir)
        self._step_signals.done.emit()

    def _step_ok(self, outcome: Outcome, what: str, signals: StepSignals) -> bool:
        if not outcome.ok and not outcome.cancelled:
            signals.failed.emit(f"{what} failed: {outcome.reason}", outcome.tail)
        return outcome.ok

    def _on_steps_done(self) -> None:
        self._complete = True

    def _on_steps_finished(self) -> None:
        self._alive = {r for r in self._alive if not isinstance(r, FunctionRunnable)}
        if not self._complete and self._failure is None:
            self._cancel.set()  # cancelled during the final steps
        self._end()

    def _release_workers(self) -> None:
        """No chunk is left to render: let the idle worker processes exit."""
        if self.workers is not None:
            self.workers.close()
            self.workers = None

    def _end(self) -> None:
        job = self.job
        assert job is not None and self.pool is not None
        self.pool.waitForDone()  # every runnable has signalled; their threads are returning
        self._audio_pool.waitForDone()
        self._release_workers()
        if self._keep_finished and not self._complete and self._failure is None:
            keep_finished(job.work_dir)
        else:
            job.remove_work_dir()
        self.job = None
        if self._complete:  # what killed renders of this output left is of no use now
            remove_other_work_dirs(job.output.parent, job.work_dir, job.output)
            self.aggregator.finish()
            self.finished.emit(str(job.output))
        else:
            for chunk in self._chunks.values():
                if chunk.index not in self._done | self._failed_chunks:
                    self.chunkStateChanged.emit(chunk.index, ChunkState.CANCELLED, 0.0)
            if self._failure is not None:
                self.failed.emit(*self._failure)
            else:
                self.cancelled.emit()
        self.ended.emit()


def _size(path: Path) -> int:
    """A file's size in bytes; 0 if it is not there (any more)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0
