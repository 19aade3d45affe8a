"""How often a cluster chunk reports progress: a whole render's budget of events a second,
shared by the chunks it runs at once, so the scheduler's load does not grow with the
machines."""

from __future__ import annotations

import itertools
import time
from typing import Any

from studio_render.cluster.attempt import (
    MIN_CHUNK_EVENTS_PER_SECOND,
    RENDER_EVENTS_PER_SECOND,
    chunk_events_per_second,
)
from studio_render.cluster.remote import _Reporter


class _Worker:
    """What the reporter uses of a Dask worker; keeps each event with when it was sent."""

    address = "tcp://w:1"

    def __init__(self) -> None:
        self.sent: list[tuple[float, dict[str, Any]]] = []

    def log_event(self, topic: str, msg: dict[str, Any]) -> None:
        self.sent.append((time.monotonic(), msg))


def test_a_render_s_events_are_shared_by_its_chunks_with_a_floor() -> None:
    assert chunk_events_per_second(1) == RENDER_EVENTS_PER_SECOND
    assert chunk_events_per_second(4) == RENDER_EVENTS_PER_SECOND / 4
    assert chunk_events_per_second(256) == MIN_CHUNK_EVENTS_PER_SECOND


def test_a_chunk_reports_at_most_at_its_rate_and_always_its_last_progress() -> None:
    worker = _Worker()
    reporter = _Reporter(worker, "topic", "key", events_per_second=10)  # type: ignore[arg-type]
    frames, until = 0, time.monotonic() + 0.6
    while time.monotonic() < until:
        frames += 1
        reporter.progress(frames, frames - 1)
        time.sleep(0.002)
    reporter.flush()
    times = [at for at, _ in worker.sent]
    gaps = [b - a for a, b in itertools.pairwise(times[:-1])]  # the flush goes at once
    assert gaps and min(gaps) >= 0.1, gaps
    assert len(worker.sent) <= 8
    assert (worker.sent[-1][1]["r"], worker.sent[-1][1]["e"]) == (frames, frames - 1)
