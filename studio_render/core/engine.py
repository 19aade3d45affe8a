"""The render engine's state machine: chunks, retries, splitting, the final steps. Qt-free.

``RenderCore.start(job)`` returns at once; the chunks render in pool threads (a
:class:`~studio_render.core.chunk_task.ChunkTask` each, supervising a worker process) and
every report they make is posted to the owner thread, where all the engine's state
changes happen, one at a time. A :class:`EngineHost` supplies those threads: the window's
(``qt/engine.py``) posts to the GUI thread and runs a QThreadPool, the command line's
(``core/thread_host.py``) uses a queue drained by the main thread and plain threads. The
engine tells an :class:`EngineEvents` what happens, and its progress goes to a
:class:`~studio_render.core.progress_feed.ProgressFeed`.
"""

from __future__ import annotations

import shutil
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import replace
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Protocol

from studio_render.core.chunk_run import (
    Outcome,
    disk_full,
    no_space_message,
    run_chunk_attempt,
    run_ffmpeg_step,
)
from studio_render.core.chunk_task import ChunkTask
from studio_render.core.cpus import chunk_encoder_threads
from studio_render.core.ffmpeg import (
    concat_list,
    encode_audio_command,
    find_ffmpeg,
    join_command,
)
from studio_render.core.job import RenderJob
from studio_render.core.output import install_output
from studio_render.core.plan import (
    LOCAL_SPLIT,
    Chunk,
    Running,
    SplitCost,
    choose_split,
    free_workers,
)
from studio_render.core.presets import Join
from studio_render.core.progress import (
    AUDIO_COST,
    COPY_JOIN_COST,
    TRANSCODE_JOIN_COST,
    ProgressModel,
    Stage,
)
from studio_render.core.progress_feed import ProgressFeed
from studio_render.core.resume import (
    Segment,
    keep_finished,
    record_finished,
    remove_other_work_dirs,
)
from studio_render.core.worker_pool import WorkerPool

#: Scene problems told a render at most (each distinct one once; the rest dropped).
MAX_WARNINGS = 5
#: A chunk's own pace counts once it has drawn this many frames (before that, its start
#: weighs too much: the pace of all running chunks together stands in); splits are
#: weighed again each time a chunk has drawn this many more.
PACE_FRAMES = 10


class ChunkState(StrEnum):
    QUEUED = "queued"
    RENDERING = "rendering"
    RETRYING = "retrying"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class EngineHost(Protocol):
    """The threads the engine runs on."""

    def post(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` in the owner thread, after everything posted before it (any thread)."""

    def new_pool(self, threads: int) -> None:
        """A fresh pool for the next render's chunks and final steps (owner thread)."""

    def submit(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` in a thread of the pool: in order, at most ``threads`` at once."""

    def set_threads(self, threads: int) -> None:
        """Run at most ``threads`` at once from now on (a queued one may start at once)."""

    def submit_beside(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` in a thread beside the pool's (the audio encodes there)."""

    def wait(self) -> None:
        """Wait until every thread started by ``submit`` and ``submit_beside`` returned."""


class EngineEvents(Protocol):
    """What the engine tells its owner, in the owner thread. Ends with exactly one of
    ``finished``, ``failed`` or ``cancelled``, then ``ended``."""

    def chunk_state_changed(self, index: int, state: ChunkState, fraction: float) -> None:
        """A chunk's state, and the fraction of it done."""

    def chunk_started(self, index: int, pid: int, attempt: int) -> None:
        """A worker process (``pid``) began an attempt at the chunk."""

    def frame_waiting(self, index: int, frame: int, seconds: float) -> None:
        """A frame has taken ``seconds`` so far (repeated while it waits)."""

    def warning(self, message: str) -> None:
        """A problem a chunk's scene had at a frame: a script error (``frame 40:
        scene.qml:7: TypeError: …``), a file that failed to load. Each once a render, not
        those the composition's own info already names."""

    def finished(self, output: str) -> None:
        """The output file is in place."""

    def failed(self, message: str, details: str) -> None:
        """One-line message, and details (the worker's or ffmpeg's last lines)."""

    def cancelled(self) -> None:
        """Cancelled: nothing left but, if asked, the finished chunks for a resume."""

    def ended(self) -> None:
        """After any of the three above."""


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


class _Posted:
    """A chunk task's reports, each posted to the engine's owner thread."""

    def __init__(self, engine: RenderCore) -> None:
        self._engine = engine
        self._post = engine.host.post

    def started(self, index: int, pid: int, attempt: int) -> None:
        self._post(partial(self._engine._on_started, index, pid, attempt))

    def progress(self, index: int, rendered: int, encoded: int) -> None:
        self._post(partial(self._engine._on_progress, index, rendered, encoded))

    def cut(self, index: int, end: int) -> None:
        self._post(partial(self._engine._on_cut, index, end))

    def waiting(self, index: int, frame: int, seconds: float) -> None:
        self._post(partial(self._engine.events.frame_waiting, index, frame, seconds))

    def warning(self, index: int, frame: int, message: str) -> None:
        self._post(partial(self._engine._on_warning, frame, message))

    def retrying(self, index: int, attempt: int, reason: str) -> None:
        self._post(partial(self._engine._on_retrying, index, attempt, reason))

    def done(self, index: int) -> None:
        self._post(partial(self._engine._on_done, index))

    def failed(self, index: int, message: str, tail: str) -> None:
        self._post(partial(self._engine._on_failed, index, message, tail))

    def finished(self, index: int) -> None:
        self._post(partial(self._engine._on_task_finished, index))


class RenderCore:
    """Renders one job at a time, in ``host``'s threads, telling ``events`` and
    ``progress`` what happens. Its state changes only in the owner thread; what runs in a
    pool thread (the chunk tasks, the steps: marked so) only posts.
    """

    def __init__(
        self,
        host: EngineHost,
        events: EngineEvents,
        progress: ProgressFeed,
        chunk_attempt: Callable[..., Outcome] | None = None,
    ) -> None:
        self.host = host
        self.events = events
        self.progress = progress
        self.job: RenderJob | None = None
        #: How the next render's chunks run: None for worker processes on this computer,
        #: kept across chunks; else a callable like ``run_chunk_attempt`` (a cluster's).
        self.chunk_attempt = chunk_attempt
        self.workers: WorkerPool | None = None  # this render's local worker processes
        self._reports = _Posted(self)
        self._cancel = threading.Event()
        self._alive: set[object] = set()  # running chunk tasks and steps
        self._done: set[int] = set()
        self._failure: tuple[str, str] | None = None
        self._failed_chunks: set[int] = set()
        self._chunks: dict[int, Chunk] = {}  # the plan's chunks, and chunks split off them
        self._tasks: dict[int, ChunkTask] = {}
        self._started: set[int] = set()
        #: running chunks: frames drawn so far, and how many of those are not encoded yet
        self._drawn: dict[int, tuple[int, int]] = {}
        self._began: dict[int, float] = {}  # when each running chunk's worker took it
        self._splitting: set[int] = set()  # chunks asked to end early, until they answer
        self._threads: int | None = None
        self._concurrency = 1  # chunks rendered at once: the pool's size
        #: One local chunk is the whole output: its encoder writes the output file, it is
        #: not split, and no join pass runs (see ``RenderJob.single_chunk``).
        self._whole = False
        self._attempt: Callable[..., Outcome] = run_chunk_attempt
        self._splits = False  # whether running chunks can be split for idle workers
        self._split_cost: SplitCost = LOCAL_SPLIT
        self._finishing = False
        self._complete = False
        self._keep_finished = False  # cancelled to be resumed: finished chunks stay
        self._free_at_start = 0  # bytes free on the output's disk when the render began
        self._model: ProgressModel | None = None  # the render's progress arithmetic
        self._audio_ready = False
        self._warned: set[str] = set()  # the scene's problems told this render

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
        self._tasks.clear()
        self._started.clear()
        self._drawn.clear()
        self._began.clear()
        self._splitting.clear()
        self._failure = None
        self._warned.clear()
        self._finishing = self._complete = self._keep_finished = False
        self._audio_ready = job.audio is None
        self._free_at_start = shutil.disk_usage(job.output.parent).free
        self._concurrency = job.settings.concurrency
        self.host.new_pool(self._concurrency)
        self._whole = self.chunk_attempt is None and job.single_chunk
        self._model = progress_model_for(job, joins=not self._whole)
        self.progress.begin(self._model)
        for chunk in reused_chunks(job):  # done from the start
            self._chunks[chunk.index] = chunk
            self._started.add(chunk.index)
            self._done.add(chunk.index)
            self.events.chunk_state_changed(chunk.index, ChunkState.DONE, 1.0)
        self.workers = workers
        # what a split costs where the chunks run (a cluster's attempts say; see plan.py)
        self._split_cost = getattr(self.chunk_attempt, "split_cost", LOCAL_SPLIT)
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
            self._alive.add(Stage.AUDIO)
            self.host.submit_beside(
                partial(self._run_step, self._encode_audio, self._on_audio_done, Stage.AUDIO)
            )
        for chunk in job.chunks:
            self.events.chunk_state_changed(chunk.index, ChunkState.QUEUED, 0.0)
        for chunk in job.chunks:
            self._queue(chunk)

    def _queue(self, chunk: Chunk) -> None:
        """Hand ``chunk`` to the pool: it runs when a thread (and a worker) is free."""
        assert self.job is not None
        task = ChunkTask(
            chunk.index,
            self.job.chunk_spec(chunk, self._ffmpeg, self._threads, whole_output=self._whole),
            self._reports,
            self._cancel,
            self.job.settings.retries,
            self._attempt,
            local=self.workers is not None,
            splittable=self._splits,
        )
        self._tasks[chunk.index] = task
        self._alive.add(task)
        self.host.submit(task.run)

    def set_concurrency(self, concurrency: int) -> None:
        """Render ``concurrency`` chunks at once from now on: the pool's size, the split
        decisions and the encoder threads of chunks not started yet change together. A
        cluster render keeps the cluster's concurrency."""
        if self.job is None or self.chunk_attempt is not None:
            return
        if concurrency == self._concurrency or self._cancel.is_set():
            return
        self._concurrency = concurrency
        self._threads = chunk_encoder_threads(concurrency)
        for index, task in self._tasks.items():
            if index not in self._started:  # queued: its encoder takes the new share
                chunk = self._chunks[index]
                task.spec = self.job.chunk_spec(
                    chunk, self._ffmpeg, self._threads, whole_output=self._whole
                )
        self.host.set_threads(concurrency)  # a queued chunk may start at once
        self._maybe_split()  # a new worker with nothing queued takes part of a chunk

    def cancel(self, keep_finished: bool = False) -> None:
        """Stop every process, remove temporary files, leave the output path as it was.

        ``keep_finished``: the finished chunks stay in the work folder, and the same job
        started again reuses them (see ``core/resume.py``).
        """
        if not self.running or self._cancel.is_set():
            return
        self._keep_finished = keep_finished
        self._cancel.set()
        self.progress.stop()

    # -- chunk reports ------------------------------------------------------------------

    def _on_started(self, index: int, pid: int, attempt: int) -> None:
        self._started.add(index)
        self._drawn[index] = (0, 0)
        self._began[index] = time.monotonic()
        self.events.chunk_started(index, pid, attempt)
        self.events.chunk_state_changed(index, ChunkState.RENDERING, 0.0)
        self._maybe_split()

    def _on_progress(self, index: int, rendered: int, encoded: int) -> None:
        if self.job is None or self._cancel.is_set():
            return
        chunk = self._chunks[index]
        drawn_before = self._drawn.get(index, (0, 0))[0]
        was_drawn = drawn_before >= chunk.frame_count
        self._drawn[index] = (rendered, rendered - encoded)
        self.progress.chunk_progress(index, rendered, encoded)
        fraction = (rendered + encoded) / (2 * chunk.frame_count)
        self.events.chunk_state_changed(index, ChunkState.RENDERING, fraction)
        now_drawn = not was_drawn and rendered >= chunk.frame_count  # its worker soon free
        first_frame = rendered and not drawn_before  # a pace is known (``choose_split``)
        paced = rendered // PACE_FRAMES > drawn_before // PACE_FRAMES  # its pace measured anew
        if now_drawn or first_frame or paced:
            self._maybe_split()

    def _on_warning(self, frame: int, message: str) -> None:
        """Tell a problem of the scene once, unless the composition's info names it already
        (the probe saw it as the scene loaded); at most ``MAX_WARNINGS`` a render."""
        if self.job is None or message in self.job.info.warnings or message in self._warned:
            return
        if len(self._warned) < MAX_WARNINGS:
            self.events.warning(f"frame {frame}: {message}")
        self._warned.add(message)

    def _on_retrying(self, index: int, attempt: int, reason: str) -> None:
        self._chunk_over(index)
        self.progress.chunk_restarted(index)
        self.events.chunk_state_changed(index, ChunkState.RETRYING, 0.0)

    def _on_done(self, index: int) -> None:
        if self.job is not None and not self._whole:  # for a rerun, should this one die
            spec = self._tasks[index].spec
            record_finished(self.job.work_dir, Segment(spec.start, spec.end, Path(spec.output)))
        self._chunk_over(index)
        self._done.add(index)
        self.progress.chunk_done(index)
        self.events.chunk_state_changed(index, ChunkState.DONE, 1.0)
        self._maybe_split()

    def _on_failed(self, index: int, message: str, tail: str) -> None:
        self._chunk_over(index)
        self._failed_chunks.add(index)
        self.events.chunk_state_changed(index, ChunkState.FAILED, 0.0)
        self._fail(message, tail)

    def _chunk_over(self, index: int) -> None:
        """The chunk's worker is done with it (finished, failed, or starting again)."""
        self._drawn.pop(index, None)
        self._began.pop(index, None)
        self._splitting.discard(index)

    # -- splitting a chunk for an idle worker -------------------------------------------

    def _maybe_split(self) -> None:
        """For each worker free or soon free (its chunk drawn, its encoder finishing) that
        no queued chunk or awaited cut will feed, ask the running chunk with the most time
        left, of those not asked already, to end early (see ``choose_split``); the rest
        becomes a chunk of its own, queued for that worker. Several workers freed at once
        (the machines of a cluster near the end) are served together, not one cut's round
        trip after another. Where splits go ahead (a cluster's), once every planned chunk
        has started every worker counts as soon free, by the time its chunk has left."""
        if self.job is None or not self._splits or self._cancel.is_set():
            return
        paces = self._paces()
        running = {
            i: Running(self._chunks[i].start + drawn, self._chunks[i].end, unencoded, paces.get(i))
            for i, (drawn, unencoded) in self._drawn.items()
        }
        queued = len(self._chunks) - len(self._started)
        # ahead once every planned chunk has started: queued parts split off earlier are
        # for the workers soonest free, and the next ones get cuts of their own
        ahead = self._split_cost.ahead and self._started.issuperset(range(len(self.job.chunks)))
        free = free_workers(running, self._concurrency, ahead)
        while queued + len(self._splitting) < len(free):
            backlog = free[queued + len(self._splitting)]
            uncut = {i: chunk for i, chunk in running.items() if i not in self._splitting}
            choice = choose_split(uncut, backlog, self._split_cost)
            if choice is None:
                return
            index, at = choice
            splitter = self._tasks[index].splitter
            if splitter is None or not splitter.request(at):
                return
            self._splitting.add(index)

    def _paces(self) -> dict[int, float]:
        """Each running chunk's pace, seconds a frame: its own once it has drawn
        ``PACE_FRAMES``, else all of theirs together; none before they have drawn a frame."""
        now = time.monotonic()
        drawn = {i: self._drawn[i][0] for i in self._began}
        if not sum(drawn.values()):
            return {}
        overall = sum(now - self._began[i] for i in self._began) / sum(drawn.values())
        return {
            i: (now - self._began[i]) / drawn[i] if drawn[i] >= PACE_FRAMES else overall
            for i in self._began
        }

    def _on_cut(self, index: int, end: int) -> None:
        """The worker of chunk ``index`` answered: it ends at ``end`` now."""
        self._splitting.discard(index)
        chunk = self._chunks[index]
        if self.job is not None and not self._cancel.is_set() and chunk.start < end < chunk.end:
            rest = Chunk(len(self._chunks), end, chunk.end)
            self._chunks[index] = replace(chunk, end=end)
            self._chunks[rest.index] = rest
            self.progress.chunk_split(index, end - chunk.start, rest.index)
            self.events.chunk_state_changed(rest.index, ChunkState.QUEUED, 0.0)
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
            self.progress.stop()

    def _no_space_message(self) -> str:
        """How much room the render had, and about how much it needs: the bytes per frame
        of the finished chunks (else of what filled the disk, over the frames encoded so
        far); a joined render needs its frames twice (chunks, then the output)."""
        job = self.job
        assert job is not None
        done = [(segment.frame_count, _size(segment.path)) for segment in job.reused]
        done += [(self._chunks[i].frame_count, _size(Path(self._tasks[i].spec.output)))
                 for i in self._done if i in self._tasks]  # fmt: skip
        frames, size = sum(n for n, _ in done), sum(b for _, b in done)
        free = self._free_at_start + sum(_size(segment.path) for segment in job.reused)
        if frames and size:
            per_frame = size / frames
        else:  # no chunk finished: the frames encoded so far filled the disk (or more)
            model = self._model
            encoded = model.snapshot().frames_done if model is not None else 0
            per_frame = self._free_at_start / max(encoded, 1)
        copies = 1 if job.preset.join is Join.NONE else 2
        return no_space_message(free, per_frame * job.frame_count * copies)

    def _on_task_finished(self, index: int) -> None:
        self._alive.discard(self._tasks[index])
        if not any(isinstance(r, ChunkTask) for r in self._alive):
            self._release_workers()
        self._advance()

    # -- steps: the audio beside the chunks, the join after them ------------------------

    def _run_step(self, work: Callable[[], bool], done: Callable[[], None], name: str) -> None:
        """In a pool thread: ``work()``, then ``done`` (if it succeeded) and the step's end
        posted to the owner thread. ``work`` posts its own failure."""
        post = self.host.post
        try:
            if work():
                post(done)
        except Exception as exc:  # a bug here must still end the render, not hang it
            post(partial(self._fail, f"internal error: {exc}", traceback.format_exc()))
        finally:
            post(partial(self._on_step_finished, name))

    def _encode_audio(self) -> bool:
        """Encode the audio track (in a pool thread) while the chunks render."""
        job = self.job
        assert job is not None and job.audio is not None and job.preset.audio_args is not None
        command = encode_audio_command(
            self._ffmpeg, job.audio, job.audio_offset_s, job.duration_s,
            job.preset.audio_args, job.audio_track,
        )  # fmt: skip
        outcome = run_ffmpeg_step(command, self._cancel, job.duration_s,
                                  partial(self._report_stage, Stage.AUDIO))  # fmt: skip
        return self._step_ok(outcome, "encoding the audio")

    def _report_stage(self, stage: Stage, fraction: float) -> None:
        """In a pool thread: how far a step has come."""
        self.host.post(partial(self.progress.stage_progress, stage, fraction))

    def _on_audio_done(self) -> None:
        self._audio_ready = True

    def _on_step_finished(self, name: str) -> None:
        self._alive.discard(name)
        if name == Stage.AUDIO:
            self._advance()
            return
        if not self._complete and self._failure is None:
            self._cancel.set()  # cancelled during the final steps
        self._end()

    def _advance(self) -> None:
        """Decide what happens once no chunk task or step is active."""
        if self._alive or self.job is None or self._finishing:
            return
        if self._cancel.is_set():
            self._end()
        elif len(self._done) == len(self._chunks) and self._audio_ready:
            self._finishing = True
            self._alive.add(Stage.JOINING)
            self.host.submit(
                partial(self._run_step, self._final_steps, self._on_steps_done, Stage.JOINING)
            )
        else:  # cannot happen: every task ends done, failed or cancelled
            self._fail("internal error: the render stopped without finishing", "")
            self._end()

    def _final_steps(self) -> bool:
        """Join the chunks and the audio (in a pool thread), then put the output in place."""
        job = self.job
        assert job is not None
        if job.preset.join is not Join.NONE and not self._whole:
            listing = job.work_dir / "chunks.txt"
            files = [(t.spec.start, Path(t.spec.output)) for t in self._tasks.values()]
            files += [(segment.start, segment.path) for segment in job.reused]
            listing.write_text(concat_list([path for _, path in sorted(files)]))
            command = join_command(
                self._ffmpeg, listing, job.partial_output, job.preset.final_args,
                job.preset.join is Join.GIF, job.audio_track if job.audio else None,
            )  # fmt: skip
            outcome = run_ffmpeg_step(command, self._cancel, job.duration_s,
                                      partial(self._report_stage, Stage.JOINING))  # fmt: skip
            if not self._step_ok(outcome, "joining the chunks"):
                return False
        if self._cancel.is_set():
            return False
        install_output(job.partial_output, job.output, job.work_dir)
        return True

    def _step_ok(self, outcome: Outcome, what: str) -> bool:
        """In a pool thread: whether a step's process succeeded; posts why if it failed."""
        if not outcome.ok and not outcome.cancelled:
            self.host.post(partial(self._fail, f"{what} failed: {outcome.reason}", outcome.tail))
        return outcome.ok

    def _on_steps_done(self) -> None:
        self._complete = True

    def _release_workers(self) -> None:
        """No chunk is left to render: let the idle worker processes exit."""
        if self.workers is not None:
            self.workers.close()
            self.workers = None

    def _end(self) -> None:
        job = self.job
        assert job is not None
        self.host.wait()  # every task has reported; their threads are returning
        self._release_workers()
        if self._keep_finished and not self._complete and self._failure is None:
            keep_finished(job.work_dir)
        else:
            job.remove_work_dir()
        self.job = None
        if self._complete:  # what killed renders of this output left is of no use now
            remove_other_work_dirs(job.output.parent, job.work_dir, job.output)
            self.progress.finish()
            self.events.finished(str(job.output))
        else:
            for chunk in self._chunks.values():
                if chunk.index not in self._done | self._failed_chunks:
                    self.events.chunk_state_changed(chunk.index, ChunkState.CANCELLED, 0.0)
            if self._failure is not None:
                self.events.failed(*self._failure)
            else:
                self.events.cancelled()
        self.events.ended()


def _size(path: Path) -> int:
    """A file's size in bytes; 0 if it is not there (any more)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0
