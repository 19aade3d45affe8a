from hypothesis import given
from hypothesis import strategies as st

from studio_render.core.plan import (
    MIN_CHUNK_FRAMES,
    MIN_CLUSTER_CHUNK_FRAMES,
    cluster_chunk_frames,
    default_chunk_frames,
    encoder_threads,
    plan_chunks,
    plan_render,
)


@given(start=st.integers(0, 1000), length=st.integers(1, 5000), chunk=st.integers(1, 600))
def test_every_frame_is_in_exactly_one_chunk(start: int, length: int, chunk: int) -> None:
    chunks = plan_chunks(start, start + length, chunk)
    frames = [f for c in chunks for f in range(c.start, c.end)]
    assert frames == list(range(start, start + length))
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert all(0 < c.frame_count < chunk * 1.5 + 1 for c in chunks)


def test_default_makes_more_chunks_than_workers() -> None:
    frames = 300
    for workers in (1, 2, 4, 8):
        chunks = plan_chunks(0, frames, default_chunk_frames(frames, workers))
        assert len(chunks) > workers


@given(
    start=st.integers(0, 1000),
    length=st.integers(1, 20000),
    workers=st.integers(1, 32),
    chunk=st.one_of(st.none(), st.integers(1, 600)),
)
def test_a_render_plan_has_every_frame_once_and_more_chunks_than_workers(
    start: int, length: int, workers: int, chunk: int | None
) -> None:
    chunks = plan_render(start, start + length, workers, chunk)
    frames = [f for c in chunks for f in range(c.start, c.end)]
    assert frames == list(range(start, start + length))
    assert [c.index for c in chunks] == list(range(len(chunks)))
    if chunk is None and length >= 2 * workers * MIN_CHUNK_FRAMES:
        assert len(chunks) > workers


def test_the_default_plan_is_a_chunk_per_worker_then_a_short_last_one() -> None:
    chunks = plan_render(0, 300, 2, None)
    assert [(c.start, c.end) for c in chunks] == [(0, 135), (135, 270), (270, 300)]
    long_render = plan_render(100, 10100, 8, None)
    assert len(long_render) == 9
    assert long_render[-1].frame_count == 1000
    assert {c.frame_count for c in long_render[:-1]} == {1125}


def test_a_short_range_gets_even_chunks() -> None:
    chunks = plan_render(0, 90, 4, None)
    assert len(chunks) == 3 and all(c.frame_count == 30 for c in chunks)


def test_short_tail_is_merged() -> None:
    chunks = plan_chunks(0, 62, 30)
    assert [(c.start, c.end) for c in chunks] == [(0, 30), (30, 62)]


def test_parallel_encoders_share_the_cores() -> None:
    assert encoder_threads(1, 8) is None  # one encoder: ffmpeg's own choice
    assert encoder_threads(2, 2) == 1
    assert encoder_threads(2, 8) == 4
    assert encoder_threads(16, 4) == 1
    # fewer cores than the machine's (a CPU quota): ffmpeg, which cannot tell, is told
    assert encoder_threads(1, 1, limited=True) == 1
    assert encoder_threads(1, 3, limited=True) == 3
    assert encoder_threads(2, 3, limited=True) == 1


@given(st.integers(1, 2000), st.integers(1, 64))
def test_a_cluster_plan_gives_each_thread_two_chunks_where_the_frames_allow(
    frames: int, threads: int
) -> None:
    chunks = plan_chunks(0, frames, cluster_chunk_frames(frames, threads))
    assert sum(c.frame_count for c in chunks) == frames
    if frames >= 2 * threads * MIN_CLUSTER_CHUNK_FRAMES:
        assert len(chunks) >= 2 * threads
    else:  # short: chunks of the shortest length, as many as that makes
        assert len(chunks) >= min(threads, frames // MIN_CLUSTER_CHUNK_FRAMES)


def test_a_60_frame_render_on_4_threads_has_no_30_frame_floor() -> None:
    assert len(plan_chunks(0, 60, cluster_chunk_frames(60, 4))) >= 4
