"""Progress arithmetic: many chunk reports in, one monotonic value out.

Every stage is measured in *work units* where rendering and encoding one frame costs one
unit. Encoding the audio (which runs beside the chunks) and joining are cheaper per frame;
their weight is reserved up front in proportion to that cost, so the bar does not sit at
99% while chunks are joined.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum


class Stage(StrEnum):
    """What the render is doing now."""

    STARTING = "starting"
    RENDERING = "rendering"
    AUDIO = "adding audio"  # shown only while the audio is still encoding after the chunks
    JOINING = "joining"
    DONE = "done"


#: Cost of joining chunks (and the encoded audio) without re-encoding, per frame, in
#: render units (measured: a stream copy runs at thousands of frames per second against
#: tens for rendering).
COPY_JOIN_COST = 0.02
#: Cost of a join that re-encodes (GIF palette pass), per frame.
TRANSCODE_JOIN_COST = 0.5
#: Cost of encoding the audio track, per frame (10 s of AAC: 0.4 CPU s, against about
#: 30 CPU ms per 1080p frame rendered and encoded).
AUDIO_COST = 0.03
#: The value shown before the output file is in place never reaches 1.0.
_BEFORE_DONE = 0.999
#: Window over which frames per second and the ETA are measured.
_RATE_WINDOW_S = 5.0


@dataclass(frozen=True)
class ProgressSnapshot:
    """Everything a progress display shows at one moment."""

    progress: float
    stage: Stage
    frames_done: int
    frames_total: int
    chunks_done: int
    chunks_total: int
    fps: float | None
    eta_s: float | None


class ProgressModel:
    """Combines chunk and stage reports into one non-decreasing value in ``[0, 1]``.

    ``chunk_frames`` maps each chunk index to its frame count. ``join_cost`` and
    ``audio_cost`` are the per-frame costs of the stages after rendering (0 to skip one).
    ``done``: chunks complete from the start (reused), not counted in the speed.
    """

    def __init__(
        self,
        chunk_frames: Mapping[int, int],
        join_cost: float = COPY_JOIN_COST,
        audio_cost: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        done: Collection[int] = (),
    ) -> None:
        if not chunk_frames or any(n <= 0 for n in chunk_frames.values()):
            raise ValueError("every chunk needs at least one frame")
        self._frames = dict(chunk_frames)
        self._frames_total = sum(self._frames.values())
        self._join_weight = join_cost * self._frames_total
        self._audio_weight = audio_cost * self._frames_total
        self._total = self._frames_total + self._join_weight + self._audio_weight
        self._rendered = dict.fromkeys(self._frames, 0)
        self._encoded = dict.fromkeys(self._frames, 0)
        self._done: set[int] = set()
        self._stage_fraction = {Stage.JOINING: 0.0, Stage.AUDIO: 0.0}
        self._stage = Stage.STARTING
        self._shown = 0.0
        self._finished = False
        self._clock = clock
        self._work_ever = 0.0  # work done including work later lost to retries
        self._samples: deque[tuple[float, float, float]] = deque()  # (t, work_ever, frames)
        self._frames_ever = 0.0
        for index in done:  # finished by an earlier, killed render: not work of this one
            self._rendered[index] = self._encoded[index] = self._frames[index]
            self._done.add(index)
            self._stage = Stage.RENDERING
        self._sample()

    # -- reports -------------------------------------------------------------------------

    def chunk_progress(self, index: int, rendered: int, encoded: int) -> None:
        """A chunk has rendered and encoded this many of its frames in its current attempt."""
        if index in self._done or self._finished:
            return
        n = self._frames[index]
        rendered, encoded = min(max(rendered, 0), n), min(max(encoded, 0), n)
        before = self._chunk_work(index)
        frames_before = self._encoded[index]
        self._rendered[index], self._encoded[index] = rendered, encoded
        self._account(self._chunk_work(index) - before, encoded - frames_before)
        self._enter(Stage.RENDERING)

    def chunk_restarted(self, index: int) -> None:
        """A chunk's process died and it starts again from its first frame."""
        if index in self._done or self._finished:
            return
        self._rendered[index] = self._encoded[index] = 0

    def chunk_split(self, index: int, keep: int, new_index: int) -> None:
        """Chunk ``index`` now ends after ``keep`` of its frames; the frames after those
        are the new chunk ``new_index``. The total, and the value, stay as they were."""
        n = self._frames[index]
        if index in self._done or new_index in self._frames or not 0 < keep < n:
            raise ValueError(f"cannot split chunk {index} of {n} frames after {keep}")
        self._frames[index], self._frames[new_index] = keep, n - keep
        self._rendered[new_index] = self._encoded[new_index] = 0
        self._rendered[index] = min(self._rendered[index], keep)
        self._encoded[index] = min(self._encoded[index], keep)

    def chunk_done(self, index: int) -> None:
        """A chunk's file is complete."""
        if index in self._done or self._finished:
            return
        n = self._frames[index]
        before = self._chunk_work(index)
        frames_before = self._encoded[index]
        self._rendered[index] = self._encoded[index] = n
        self._done.add(index)
        self._account(self._chunk_work(index) - before, n - frames_before)
        self._enter(Stage.RENDERING)
        if self._waiting_for_audio():
            self._enter(Stage.AUDIO)

    def stage_progress(self, stage: Stage, fraction: float) -> None:
        """Encoding the audio or joining has reached ``fraction`` (0..1) of its work.

        The audio encodes while the chunks render: its stage shows only once they are done.
        """
        if stage not in self._stage_fraction or self._finished:
            raise ValueError(f"no progress is reported for stage {stage!r}")
        fraction = min(max(fraction, 0.0), 1.0)
        weight = self._join_weight if stage is Stage.JOINING else self._audio_weight
        gained = (fraction - self._stage_fraction[stage]) * weight
        self._stage_fraction[stage] = max(fraction, self._stage_fraction[stage])
        self._account(max(gained, 0.0), 0)
        if stage is Stage.JOINING or self._waiting_for_audio():
            self._enter(stage)

    def finish(self) -> None:
        """The output file is in place: the value becomes exactly 1.0."""
        self._finished = True
        self._shown = 1.0
        self._stage = Stage.DONE

    # -- readings ------------------------------------------------------------------------

    @property
    def value(self) -> float:
        """The monotonic progress value: never lower than any value read before."""
        if not self._finished:
            raw = min(self._work_now() / self._total, _BEFORE_DONE)
            self._shown = max(self._shown, raw)
        return self._shown

    @property
    def stage(self) -> Stage:
        return self._stage

    def snapshot(self) -> ProgressSnapshot:
        fps, eta = self._rates()
        return ProgressSnapshot(
            progress=self.value,
            stage=self._stage,
            frames_done=sum(self._encoded.values()),
            frames_total=self._frames_total,
            chunks_done=len(self._done),
            chunks_total=len(self._frames),
            fps=fps,
            eta_s=0.0 if self._finished else eta,
        )

    # -- internals -----------------------------------------------------------------------

    def _chunk_work(self, index: int) -> float:
        return (self._rendered[index] + self._encoded[index]) / 2

    def _work_now(self) -> float:
        chunks = sum(self._chunk_work(i) for i in self._frames)
        join = self._stage_fraction[Stage.JOINING] * self._join_weight
        audio = self._stage_fraction[Stage.AUDIO] * self._audio_weight
        return chunks + join + audio

    def _waiting_for_audio(self) -> bool:
        rendered = len(self._done) == len(self._frames)
        return rendered and self._audio_weight > 0 and self._stage_fraction[Stage.AUDIO] < 1.0

    def _enter(self, stage: Stage) -> None:
        order = list(Stage)
        if order.index(stage) > order.index(self._stage):
            self._stage = stage

    def _account(self, work: float, frames: int) -> None:
        self._work_ever += max(work, 0.0)
        self._frames_ever += max(frames, 0)
        self._sample()

    def _sample(self) -> None:
        now = self._clock()
        self._samples.append((now, self._work_ever, self._frames_ever))
        while len(self._samples) > 2 and now - self._samples[1][0] >= _RATE_WINDOW_S:
            self._samples.popleft()

    def _rates(self) -> tuple[float | None, float | None]:
        t0, work0, frames0 = self._samples[0]
        t1, work1, frames1 = self._samples[-1]
        elapsed = self._clock() - t0
        if t1 <= t0 or elapsed <= 0 or work1 <= work0:
            return None, None
        fps = (frames1 - frames0) / elapsed
        remaining = max(self._total - self._work_now(), 0.0)
        return fps, remaining / ((work1 - work0) / elapsed)
