"""Splitting a frame range into chunks that workers take from a queue."""

from __future__ import annotations

import itertools
from dataclasses import dataclass


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


#: Chunks per worker when the user does not choose a chunk length: more chunks than
#: workers, so a worker that finishes early takes the next one instead of idling. Each
#: chunk costs a worker start-up (about 0.2 s of CPU for Python, Qt and the scene), so
#: not many more (measured on the 1080p demo, 2 workers: 38-frame chunks 10.3 s,
#: 75-frame chunks 9.2 s).
CHUNKS_PER_WORKER = 2
#: Shortest default chunk worth a worker process start-up and an encoder start-up.
MIN_CHUNK_FRAMES = 30


def default_chunk_frames(frame_count: int, concurrency: int) -> int:
    """A chunk length giving about ``CHUNKS_PER_WORKER`` chunks per worker."""
    target = -(-frame_count // max(1, concurrency * CHUNKS_PER_WORKER))
    return max(1, min(frame_count, max(MIN_CHUNK_FRAMES, target)))


def encoder_threads(concurrency: int, cores: int) -> int | None:
    """Threads for each chunk's encoder when ``concurrency`` chunks share ``cores``.

    Left alone (None), every encoder starts about 1.5 threads per core, and parallel
    encoders fight over the cores (measured, two x264 encoders on 2 cores: 5.6 s wall and
    11.1 CPU s with ffmpeg's threads, 4.6 s and 9.1 CPU s with one thread each).
    """
    if concurrency <= 1:
        return None
    return max(1, cores // concurrency)


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
