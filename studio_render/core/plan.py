"""Splitting a frame range into chunks that workers take from a queue."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from math import ceil


@dataclass(frozen=True, order=True)
class Chunk:
    """A half-open frame range ``[start, end)`` rendered by one worker process."""

    index: int
    start: int
    end: int

    @property
    def frame_count(self) -> int:
        return self.end - self.start

    def describe(self) -> str:
        """Human-readable, inclusive frame range, e.g. ``frames 30-59``."""
        return f"frames {self.start}-{self.end - 1}"


#: Chunks per worker for uniform chunks (short ranges, and cluster renders): more chunks
#: than workers, so a worker that finishes early takes the next one instead of idling.
#: Each chunk costs an encoder start-up and a fresh keyframe (about 0.25 CPU s at 1080p),
#: so not many more.
CHUNKS_PER_WORKER = 2
#: Shortest default chunk worth an encoder start-up.
MIN_CHUNK_FRAMES = 30
#: Shortest default chunk on a cluster: there a machine that has no chunk is a machine
#: idle, and its warm worker has the composition loaded already.
MIN_CLUSTER_CHUNK_FRAMES = 8
#: The share of the frames in the last, short chunk of a local render's default plan.
LAST_CHUNK_SHARE = 0.1


def default_chunk_frames(frame_count: int, concurrency: int) -> int:
    """A chunk length giving about ``CHUNKS_PER_WORKER`` chunks per worker."""
    target = -(-frame_count // max(1, concurrency * CHUNKS_PER_WORKER))
    return max(1, min(frame_count, max(MIN_CHUNK_FRAMES, target)))


def cluster_chunk_frames(frame_count: int, threads: int) -> int:
    """A cluster's chunk length: at least ``CHUNKS_PER_WORKER`` chunks for each of the
    ``threads`` of the connected workers, where chunks of ``MIN_CLUSTER_CHUNK_FRAMES``
    allow (running chunks are then split for threads left idle at the end)."""
    target = frame_count // max(1, threads * CHUNKS_PER_WORKER)
    return max(1, min(frame_count, max(MIN_CLUSTER_CHUNK_FRAMES, target)))


def plan_render(start: int, end: int, concurrency: int, chunk_frames: int | None) -> list[Chunk]:
    """The chunks of a local render: of ``chunk_frames`` each if the user chose a length,
    else one long chunk per worker and a short last chunk (``LAST_CHUNK_SHARE`` of the
    frames, at least ``MIN_CHUNK_FRAMES``).

    The worker that finishes first takes the last chunk. A worker with nothing queued then
    takes the rest of the running chunk with the most work left (the engine splits it, see
    ``choose_split``), so no worker waits on the slowest chunk, and each worker starts few
    encoders: measured on the 1080p demo with two workers, this plan renders about 2%
    faster than two rounds of chunks (four, then split). Ranges too short for that get
    even chunks of :func:`default_chunk_frames`.
    """
    frames = end - start
    if chunk_frames is not None:
        return plan_chunks(start, end, chunk_frames)
    last = max(MIN_CHUNK_FRAMES, round(frames * LAST_CHUNK_SHARE))
    if frames - last < concurrency * MIN_CHUNK_FRAMES:
        return plan_chunks(start, end, default_chunk_frames(frames, concurrency))
    body = frames - last
    bounds = [start + body * i // concurrency for i in range(concurrency + 1)]
    return [Chunk(i, a, b) for i, (a, b) in enumerate(itertools.pairwise([*bounds, end]))]


#: A split costs an encoder start-up and a keyframe, a few frames' work: a split that
#: would give the idle worker fewer frames than this is not made.
MIN_SPLIT_FRAMES = 10
#: The least a split gives an idle machine of a cluster: there a thread without a chunk is
#: a machine idle until the render ends, and its process has the composition loaded.
MIN_CLUSTER_SPLIT_FRAMES = 3
#: Encoding's share of the work of one frame (drawing it and encoding it). Measured on the
#: 1080p demo with x264 veryfast: the worker spends 12 ms of CPU per frame, ffmpeg 32 ms.
ENCODE_SHARE = 0.75
#: The work, in frames, of starting a chunk's encoder and its first frames.
START_FRAMES = 3
#: A cluster's cut ahead is made once the worker it is for has this many frames' time
#: left: twice the frames between the engine's weighings (``PACE_FRAMES``), so the moment
#: is not missed, and near enough that the paces need not predict far.
CLUSTER_AHEAD_FRAMES = 20


@dataclass(frozen=True)
class Running:
    """Where a running chunk is: the next frame it draws, its end, how many frames it
    drew that its encoder has not finished yet (x264 holds 20 or more in its queues), and
    its pace in seconds a frame (None: not measured; its work is then counted in frames)."""

    next_frame: int
    end: int
    unencoded: int = 0
    pace: float | None = None

    @property
    def work_left(self) -> float:
        """Frames' worth of work before this chunk is complete."""
        return self.end - self.next_frame + ENCODE_SHARE * self.unencoded

    @property
    def time_left(self) -> float:
        """Seconds before this chunk is complete at its pace (frames where not measured)."""
        return self.work_left * (self.pace or 1.0)


@dataclass(frozen=True)
class SplitCost:
    """What splitting a running chunk costs where the chunks run, besides the split-off
    part's encoder start (``START_FRAMES``)."""

    #: the fewest frames a split gives the free worker
    min_frames: int = MIN_SPLIT_FRAMES
    #: seconds from asking the running chunk to end early to the split-off part starting
    #: on the free worker (on a cluster: the cut's round trip and a task to schedule)
    handover_s: float = 0.0
    #: Split ahead: once every planned chunk has started, a worker still drawing counts
    #: as soon free too, so the chunk that will end last is cut for the worker that will
    #: be free first while it still has frames to give (near the end, the frames its
    #: encoder holds cannot be given), and the cut's round trip passes while that worker
    #: works; then for the next worker, while the first one's part waits in the queue.
    ahead: bool = False
    #: With ``ahead``: a cut for a worker still busy waits until that worker has this
    #: many frames' time left, at the pace of the chunk cut, or twice the handover if
    #: longer (None: at once); weighed again meanwhile as the chunks draw, the paces then
    #: predict a second or two, not the rest of the render.
    ahead_within: int | None = None


#: Splitting local chunks: the free worker is a process of this computer, at hand.
LOCAL_SPLIT = SplitCost()


def choose_split(
    running: Mapping[int, Running], backlog: float = 0.0, cost: SplitCost = LOCAL_SPLIT
) -> tuple[int, int] | None:
    """Which running chunk to split for a free worker, and at which frame.

    ``backlog``: the work the free worker has still to do, in the chunks' unit (seconds
    where their paces are measured, else frames): 0 if it is idle; more if its encoder is
    finishing, or with ``cost.ahead`` its own chunk (see ``free_workers``). It takes the
    split-off part after that, or after the ``cost``'s handover if that is later (a
    handover with no pace measured is no split). The chunk with the most time left is cut
    where both parts take as long: its worker still has its own encoder's backlog to
    finish, the free one an encoder to start. The render then ends with both encoders
    busy, not one flushing alone. Chunks with every frame drawn are not split. None if
    the split-off part would be under ``cost.min_frames``, or (``cost.ahead_within``)
    while the free worker is busy for longer than that.
    """
    drawing = {index: chunk for index, chunk in running.items() if chunk.next_frame < chunk.end}
    if not drawing or (cost.handover_s and not all(c.pace for c in drawing.values())):
        return None
    index, chunk = max(drawing.items(), key=lambda item: item[1].time_left)
    wait = max(backlog, cost.handover_s) / (chunk.pace or 1.0)  # in the chunk's frames
    lead = ENCODE_SHARE * chunk.unencoded - wait - START_FRAMES
    at = max(chunk.next_frame, ceil((chunk.next_frame + chunk.end - lead) / 2))
    if chunk.end - at < cost.min_frames:
        return None
    within = cost.ahead_within
    if within is not None and backlog > max(2 * cost.handover_s, within * (chunk.pace or 1.0)):
        return None  # too early to tell
    return index, at


def free_workers(
    running: Mapping[int, Running], concurrency: int, ahead: bool = False
) -> list[float]:
    """The workers free now or soon, soonest first, as the work each has still to do
    (``choose_split``'s ``backlog``, see ``Running.time_left``): 0 for each of the
    ``concurrency`` workers with no chunk, the encoder's backlog for each chunk with every
    frame drawn, and with ``ahead`` the work left of each chunk still drawing."""
    idle = max(0, concurrency - len(running))
    busy = sorted(
        chunk.time_left for chunk in running.values() if ahead or chunk.next_frame >= chunk.end
    )
    return [0.0] * idle + busy


def encoder_threads(concurrency: int, cores: int, limited: bool = False) -> int | None:
    """Threads for each chunk's encoder when ``concurrency`` chunks share ``cores``.

    Left alone (None), every encoder starts about 1.5 threads per core of the machine, and
    parallel encoders fight over the cores (measured, two x264 encoders on 2 cores: 5.6 s
    wall and 11.1 CPU s with ffmpeg's threads, 4.6 s and 9.1 CPU s with one thread each).
    One encoder is left alone unless ``limited``: ``cores`` are fewer than the machine's
    (a CPU quota, say), which ffmpeg does not see.
    """
    if concurrency <= 1 and not limited:
        return None
    return max(1, cores // max(1, concurrency))


def plan_chunks(start: int, end: int, chunk_frames: int) -> list[Chunk]:
    """Split ``[start, end)`` into consecutive chunks of at most ``chunk_frames`` frames.

    Every frame belongs to exactly one chunk. A short tail shorter than half a chunk is
    merged into the previous chunk so no worker starts up for a handful of frames.
    """
    if end <= start:
        raise ValueError(f"empty frame range {start}:{end}")
    if chunk_frames < 1:
        raise ValueError("chunk length must be at least 1 frame")
    bounds = [*list(range(start, end, chunk_frames)), end]
    if len(bounds) > 2 and bounds[-1] - bounds[-2] < chunk_frames // 2:
        del bounds[-2]
    return [Chunk(i, a, b) for i, (a, b) in enumerate(itertools.pairwise(bounds))]
