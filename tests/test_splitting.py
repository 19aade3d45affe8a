"""Splitting a running chunk for an idle worker: the worker's frame range, the choice of
chunk and frame, and the progress arithmetic when a chunk becomes two."""

from __future__ import annotations

from dataclasses import replace

import pytest

from studio_render.core.chunkspec import cut_line, parse_cut_line
from studio_render.core.plan import (
    ENCODE_SHARE,
    MIN_CLUSTER_SPLIT_FRAMES,
    MIN_SPLIT_FRAMES,
    START_FRAMES,
    Running,
    SplitCost,
    choose_split,
    free_workers,
)
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


def _work_after_split(chunk: Running, at: int, backlog: float = 0) -> tuple[float, float]:
    """Work left for the chunk's own worker, and for the free worker taking the rest
    after the ``backlog`` of work it has still to do."""
    kept = at - chunk.next_frame + ENCODE_SHARE * chunk.unencoded
    return kept, backlog + START_FRAMES + chunk.end - at


def test_without_an_encoder_backlog_the_split_is_near_the_middle() -> None:
    chunk = Running(210, 300)
    index, at = choose_split({0: Running(40, 100), 3: chunk, 5: Running(290, 300)}) or (0, 0)
    assert index == 3
    kept, taken = _work_after_split(chunk, at)
    assert abs(kept - taken) <= 1
    assert 255 <= at <= 257


def test_the_encoder_backlog_moves_the_cut_earlier_so_both_end_together() -> None:
    chunk = Running(200, 300, unencoded=24)
    _, at = choose_split({0: chunk}) or (0, 0)
    kept, taken = _work_after_split(chunk, at)
    assert abs(kept - taken) <= 1
    assert at < 250


def test_a_worker_still_finishing_its_encoder_gets_fewer_frames() -> None:
    chunk = Running(200, 300, unencoded=24)
    _, idle_now = choose_split({0: chunk}) or (0, 0)
    flushing = Running(300, 300, unencoded=20)
    _, soon_free = choose_split({0: chunk, 1: flushing}, flushing.work_left) or (0, 0)
    assert soon_free > idle_now
    kept, taken = _work_after_split(chunk, soon_free, backlog=flushing.work_left)
    assert abs(kept - taken) <= 1


def test_chunks_with_every_frame_drawn_are_not_split() -> None:
    assert choose_split({0: Running(100, 100, unencoded=25)}) is None


def test_the_chunk_with_the_most_work_left_counts_its_backlog() -> None:
    fewer_frames_bigger_backlog = Running(150, 200, unencoded=30)  # 50 + 22.5
    more_frames = Running(30, 100)  # 70
    assert choose_split({1: more_frames, 2: fewer_frames_bigger_backlog}) == (
        2, choose_split({2: fewer_frames_bigger_backlog})[1]  # type: ignore[index]
    )  # fmt: skip


def test_too_few_frames_for_the_idle_worker_is_not_worth_a_split() -> None:
    assert choose_split({0: Running(100 - 2 * MIN_SPLIT_FRAMES, 100)}) is None
    assert choose_split({0: Running(100 - 2 * MIN_SPLIT_FRAMES, 100, unencoded=20)}) is not None
    smallest = choose_split({0: Running(100 - 2 * MIN_SPLIT_FRAMES - START_FRAMES, 100)})
    assert smallest == (0, 100 - MIN_SPLIT_FRAMES)
    assert choose_split({0: Running(60, 100, unencoded=200)}) == (0, 60)  # stop drawing now
    assert choose_split({}) is None


def test_a_cluster_splits_a_short_chunk_a_computer_would_keep() -> None:
    """A 15-frame chunk with 12 frames left: locally not worth an encoder start; on a
    cluster the idle machine is otherwise idle to the end, and takes a part of it."""
    chunk = {0: Running(3, 15, pace=0.1)}
    cluster = SplitCost(MIN_CLUSTER_SPLIT_FRAMES, handover_s=0.2)
    assert choose_split(chunk) is None
    index, at = choose_split(chunk, cost=cluster) or (0, 0)
    assert index == 0 and 15 - at >= MIN_CLUSTER_SPLIT_FRAMES


def test_the_handover_leaves_the_free_machine_fewer_frames() -> None:
    """Both parts still end together: the free machine's part waits out the handover."""
    chunk = Running(200, 300, pace=0.1)
    _, at_once = choose_split({0: chunk}) or (0, 0)
    handover_s = 2.0  # 20 frames' time
    cost = SplitCost(MIN_CLUSTER_SPLIT_FRAMES, handover_s=handover_s)
    _, later = choose_split({0: chunk}, cost=cost) or (0, 0)
    kept, taken = _work_after_split(chunk, later)
    assert later == at_once + 10
    assert abs(kept - (taken + 20)) <= 1


def test_the_chunk_with_the_most_time_left_is_cut_at_its_own_pace() -> None:
    """Fewer frames drawn three times slower: the chunk that ends last is the slow one,
    and both parts of it take as long at its pace."""
    fast, slow = Running(0, 100, pace=0.1), Running(40, 100, pace=0.3)  # 10 s, 18 s left
    index, at = choose_split({0: fast, 1: slow}) or (0, 0)
    kept, taken = _work_after_split(slow, at)
    assert index == 1 and abs(kept - taken) <= 1
    unpaced = choose_split({0: Running(0, 100), 1: Running(40, 100)})  # counted in frames
    assert unpaced is not None and unpaced[0] == 0


def test_free_workers_are_the_idle_then_the_flushing_soonest_first() -> None:
    drawing, flushing_long, flushing_short = Running(5, 50), Running(50, 50, 20), Running(9, 9, 4)
    chunks = {0: drawing, 1: flushing_long, 2: flushing_short}
    backlogs = [ENCODE_SHARE * 4, ENCODE_SHARE * 20]
    assert free_workers(chunks, 5) == [0, 0, *backlogs]
    assert free_workers(chunks, 3) == backlogs
    assert free_workers({0: drawing}, 1) == []


def test_ahead_every_worker_still_drawing_counts_as_soon_free_by_its_work_left() -> None:
    drawing, flushing = Running(5, 50, unencoded=4), Running(9, 9, 4)
    assert free_workers({0: drawing, 1: flushing}, 3, ahead=True) == [
        0, ENCODE_SHARE * 4, 45 + ENCODE_SHARE * 4
    ]  # fmt: skip


def test_ahead_the_chunk_that_ends_last_is_cut_for_the_worker_free_first() -> None:
    """Both end together: the free worker takes the part after its own chunk's work."""
    soon_done, long = Running(60, 100, pace=0.1), Running(0, 100, pace=0.1)
    cost = SplitCost(MIN_CLUSTER_SPLIT_FRAMES, handover_s=0.2, ahead=True)
    index, at = choose_split({0: soon_done, 1: long}, soon_done.time_left, cost) or (0, 0)
    kept, taken = _work_after_split(long, at, backlog=soon_done.work_left)
    assert index == 1 and abs(kept - taken) <= 1


def test_the_handover_passes_while_the_free_worker_still_works() -> None:
    chunk = Running(0, 200, pace=0.1)
    cost = SplitCost(MIN_CLUSTER_SPLIT_FRAMES, handover_s=2.0, ahead=True)  # 20 frames
    _, while_busy = choose_split({0: chunk}, 4.0, cost) or (0, 0)  # busy 40 frames' time
    _, no_handover = choose_split({0: chunk}, 4.0) or (0, 0)
    _, soon_free = choose_split({0: chunk}, 0.5, cost) or (0, 0)
    assert while_busy == no_handover
    assert soon_free == (choose_split({0: chunk}, 2.0) or (0, 0))[1]


def test_a_cut_ahead_waits_until_its_worker_is_nearly_free() -> None:
    """Weighed again as the chunks draw, a cut for a worker still busy is made once that
    worker has ``ahead_within`` frames' time left (or twice the handover), where it is
    the cut made at once; a worker already free gets its cut at once."""
    cost = SplitCost(MIN_CLUSTER_SPLIT_FRAMES, handover_s=0.2, ahead=True, ahead_within=20)
    at_once = replace(cost, ahead_within=None)
    long = Running(70, 200, pace=0.1)
    busy = Running(20, 100, pace=0.1)  # 8 s left: 80 frames
    assert choose_split({0: busy, 1: long}, busy.time_left, cost) is None
    assert choose_split({0: busy, 1: long}, busy.time_left, at_once) is not None
    nearly = Running(85, 100, pace=0.1)  # 1.5 s left: 15 frames
    assert choose_split({0: nearly, 1: long}, nearly.time_left, cost) == choose_split(
        {0: nearly, 1: long}, nearly.time_left, at_once
    ) == (1, 144)  # fmt: skip
    assert choose_split({1: long}, 0.0, cost) == choose_split({1: long}, 0.0, at_once)
    slow_handover = replace(cost, handover_s=1.0)  # twice it: 2 s, over 20 frames' time
    assert choose_split({0: nearly, 1: long}, 1.9, slow_handover) is not None


def test_chunks_that_end_together_are_not_cut_ahead() -> None:
    cost = SplitCost(MIN_CLUSTER_SPLIT_FRAMES, handover_s=0.2, ahead=True)
    nearly, other = Running(60, 100, pace=0.1), Running(57, 100, pace=0.1)
    assert choose_split({0: nearly, 1: other}, nearly.time_left, cost) is None


def test_a_handover_with_no_pace_measured_is_no_split() -> None:
    cost = SplitCost(MIN_CLUSTER_SPLIT_FRAMES, handover_s=0.2)
    assert choose_split({0: Running(0, 300)}, cost=cost) is None
    assert choose_split({0: Running(0, 300)}, cost=SplitCost()) is not None


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
