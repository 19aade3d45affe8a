"""Splitting a running chunk for an idle worker: the worker's frame range, the choice of
chunk and frame, and the progress arithmetic when a chunk becomes two."""

from __future__ import annotations

import pytest

from studio_render.core.chunkspec import cut_line, parse_cut_line
from studio_render.core.plan import MIN_SPLIT_FRAMES, choose_split
from studio_render.core.progress import ProgressModel
from studio_render.worker.frame_range import FrameRange


def drain(frames: FrameRange) -> list[int]:
    return list(iter(frames.claim, None))


def test_a_cut_ends_the_range_where_asked() -> None:
    frames = FrameRange(10, 20)
    assert [frames.claim(), frames.claim()] == [10, 11]
    assert frames.cut(15) == 15
    assert drain(frames) == [12, 13, 14]
    assert frames.count == 5


def test_a_late_cut_ends_at_the_first_frame_not_handed_out() -> None:
    frames = FrameRange(0, 10)
    for _ in range(6):
        frames.claim()
    assert frames.cut(3) == 6  # frames 0-5 are drawn or being drawn: they stay
    assert drain(frames) == []


def test_a_cut_never_makes_the_range_longer() -> None:
    frames = FrameRange(0, 10)
    assert frames.cut(50) == 10
    assert drain(frames) == list(range(10))
    assert frames.cut(5) == 10  # all handed out: too late


def test_cut_lines_round_trip() -> None:
    assert parse_cut_line(cut_line(120, 185)) == (120, 185)
    assert parse_cut_line("progress 3 1") is None


def test_the_chunk_with_most_frames_left_is_split_in_the_middle() -> None:
    left = {0: (40, 100), 3: (210, 300), 5: (290, 300)}
    assert choose_split(left) == (3, 255)


def test_too_few_frames_left_is_not_worth_a_split() -> None:
    assert choose_split({0: (100 - 2 * MIN_SPLIT_FRAMES + 1, 100)}) is None
    assert choose_split({0: (100 - 2 * MIN_SPLIT_FRAMES, 100)}) == (0, 100 - MIN_SPLIT_FRAMES)
    assert choose_split({}) is None


def test_a_split_keeps_the_value_and_the_total() -> None:
    model = ProgressModel({0: 100, 1: 100}, join_cost=0)
    model.chunk_progress(0, 40, 30)
    model.chunk_done(1)
    before = model.value
    model.chunk_split(0, 70, 2)
    assert model.value == before
    snap = model.snapshot()
    assert (snap.frames_total, snap.chunks_total, snap.chunks_done) == (200, 3, 1)
    model.chunk_done(0)
    assert model.value == pytest.approx(170 / 200)
    model.chunk_done(2)
    assert model.value == 0.999


def test_impossible_splits_are_refused() -> None:
    model = ProgressModel({0: 10, 1: 10}, join_cost=0)
    model.chunk_done(1)
    for index, keep, new in [(0, 0, 2), (0, 10, 2), (0, 5, 1), (1, 5, 2)]:
        with pytest.raises(ValueError):
            model.chunk_split(index, keep, new)
