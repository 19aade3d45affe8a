"""Property tests of the progress arithmetic: any interleaving, retries, splits, 1-32
workers."""

from __future__ import annotations

import itertools
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from studio_render.core.progress import AUDIO_COST, ProgressModel, Stage


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def simulate(sizes: list[int], concurrency: int, seed: int, audio: bool) -> list[float]:
    """Random interleaving of chunk reports with retries and splits; returns every value
    read."""
    sizes = list(sizes)
    rng = random.Random(seed)
    clock = FakeClock()
    model = ProgressModel(
        dict(enumerate(sizes)), audio_cost=AUDIO_COST if audio else 0, clock=clock
    )
    values = [model.value]
    queued = list(range(len(sizes)))
    running: dict[int, list[int]] = {}
    audio_done = 0.0
    while queued or running:
        while queued and len(running) < concurrency:
            running[queued.pop(0)] = [0, 0]
        if audio and rng.random() < 0.1:  # the audio encodes beside the chunks
            audio_done = min(1.0, audio_done + rng.random() * 0.3)
            model.stage_progress(Stage.AUDIO, audio_done)
            assert model.stage is not Stage.AUDIO, "chunks are still rendering"
            values.append(model.value)
            continue
        index = rng.choice(list(running))
        rendered, encoded = running[index]
        n = sizes[index]
        roll = rng.random()
        clock.now += rng.random() * 0.1
        if roll < 0.05:  # the worker died: the chunk starts again from zero
            model.chunk_restarted(index)
            running[index] = [0, 0]
        elif roll < 0.08 and not queued and sizes[index] - rendered >= 2:
            # a worker is idle: the chunk ends early, its last frames become a new chunk
            keep = rng.randint(max(rendered, 1), sizes[index] - 1)
            sizes.append(sizes[index] - keep)
            sizes[index] = keep
            model.chunk_split(index, keep, len(sizes) - 1)
            queued.append(len(sizes) - 1)
        elif rendered == n and encoded == n:
            model.chunk_done(index)
            del running[index]
        else:
            rendered = min(n, rendered + rng.randint(0, 5))
            encoded = min(rendered, encoded + rng.randint(0, 5))
            running[index] = [rendered, encoded]
            model.chunk_progress(index, rendered, encoded)
        values.append(model.value)
        assert model.snapshot().progress < 1.0
    audio_pending = audio and audio_done < 1.0
    assert model.stage is (Stage.AUDIO if audio_pending else Stage.RENDERING)
    for stage in (Stage.AUDIO, Stage.JOINING) if audio else (Stage.JOINING,):
        for fraction in (0.0, 0.3, 0.9, 1.0):
            model.stage_progress(stage, fraction)
            values.append(model.value)
    assert model.stage is Stage.JOINING
    assert values[-1] < 1.0
    model.finish()
    values.append(model.value)
    return values


@settings(max_examples=300, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 120), min_size=1, max_size=40),
    concurrency=st.integers(1, 32),
    seed=st.integers(0, 2**32),
    audio=st.booleans(),
)
def test_never_decreases_and_ends_at_one(
    sizes: list[int], concurrency: int, seed: int, audio: bool
) -> None:
    values = simulate(sizes, concurrency, seed, audio)
    assert values[0] == 0.0
    assert all(b >= a for a, b in itertools.pairwise(values))
    assert values[-1] == 1.0
    assert values.count(1.0) == 1


def test_weights_follow_frame_counts() -> None:
    model = ProgressModel({0: 10, 1: 90}, join_cost=0)
    model.chunk_done(0)
    assert abs(model.value - 0.10) < 1e-9
    model.chunk_done(1)
    assert model.value == 0.999  # not 1.0 until the output file is in place


def test_join_and_audio_have_reserved_weight() -> None:
    model = ProgressModel({0: 100, 1: 100}, join_cost=0.05, audio_cost=0.05)
    model.chunk_done(0)
    model.stage_progress(Stage.AUDIO, 0.5)  # encoding beside the chunks: still rendering
    assert model.stage is Stage.RENDERING
    model.chunk_done(1)
    assert model.stage is Stage.AUDIO, "the chunks are done, the audio is not"
    after_render = model.value
    assert 0.85 < after_render < 0.95
    model.stage_progress(Stage.AUDIO, 1.0)
    model.stage_progress(Stage.JOINING, 1.0)
    assert model.stage is Stage.JOINING and model.value > after_render


def test_retry_holds_the_value_instead_of_dropping() -> None:
    model = ProgressModel({0: 10, 1: 10}, join_cost=0)
    model.chunk_progress(0, 10, 8)
    held = model.value
    model.chunk_restarted(0)
    assert model.value == held
    model.chunk_progress(0, 2, 0)
    assert model.value == held
    assert model.snapshot().frames_done == 0  # frame counts stay honest


def test_fps_and_eta_from_the_recent_rate() -> None:
    clock = FakeClock()
    model = ProgressModel({0: 100}, join_cost=0, clock=clock)
    for second in range(1, 5):
        clock.now = float(second)
        model.chunk_progress(0, second * 10, second * 10)
    snap = model.snapshot()
    assert snap.fps is not None and abs(snap.fps - 10) < 0.5
    assert snap.eta_s is not None and abs(snap.eta_s - 6) < 0.5
