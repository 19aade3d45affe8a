from hypothesis import given
from hypothesis import strategies as st

from studio_render.core.plan import default_chunk_frames, encoder_threads, plan_chunks


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


def test_short_tail_is_merged() -> None:
    chunks = plan_chunks(0, 62, 30)
    assert [(c.start, c.end) for c in chunks] == [(0, 30), (30, 62)]


def test_parallel_encoders_share_the_cores() -> None:
    assert encoder_threads(1, 8) is None  # one encoder: ffmpeg's own choice
    assert encoder_threads(2, 2) == 1
    assert encoder_threads(2, 8) == 4
    assert encoder_threads(16, 4) == 1
