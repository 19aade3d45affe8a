"""Rendering through the Qt engine on the test cluster, recording what the user would see."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot

from studio_render.cluster.client import ClusterSession
from studio_render.compositions.probe import probe_composition
from studio_render.core.job import RenderJob, RenderSettings
from studio_render.qt.engine import RenderEngine


@dataclass
class Watched:
    """An engine started on the cluster, with every value and signal it sent."""

    engine: RenderEngine
    job: RenderJob
    values: list[float] = field(default_factory=list)
    started: list[tuple[int, int, int]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    outcome: list[str] = field(default_factory=list)

    def assert_monotonic(self) -> None:
        assert self.values, "no progress was reported"
        assert all(b >= a for a, b in itertools.pairwise(self.values)), self.values


def start_render(
    qtbot: QtBot,
    session: ClusterSession,
    comp: Path,
    out: Path,
    chunk_attempt: Callable[..., Any] | None = None,
    **settings: Any,
) -> Watched:
    settings.setdefault("preset", "ffv1")
    job = session.prepare_job(probe_composition(comp), RenderSettings(output=out, **settings))
    return start_job(session, job, chunk_attempt)


def start_job(
    session: ClusterSession, job: RenderJob, chunk_attempt: Callable[..., Any] | None = None
) -> Watched:
    """Start the engine on a job prepared for the session's cluster."""
    engine = RenderEngine(chunk_attempt=chunk_attempt or session.chunk_attempt)
    watched = Watched(engine, job)
    engine.aggregator.progressChanged.connect(watched.values.append)
    engine.chunkStarted.connect(lambda *a: watched.started.append(a))
    engine.failed.connect(lambda m, t: watched.failed.append((m, t)))
    engine.finished.connect(lambda _: watched.outcome.append("finished"))
    engine.cancelled.connect(lambda: watched.outcome.append("cancelled"))
    engine.failed.connect(lambda *_: watched.outcome.append("failed"))
    engine.start(job)
    return watched


def wait_ended(qtbot: QtBot, watched: Watched, timeout_s: float = 120) -> str:
    qtbot.waitUntil(lambda: bool(watched.outcome), timeout=int(timeout_s * 1000))
    qtbot.waitUntil(lambda: not watched.engine.running, timeout=10000)
    return watched.outcome[0]
