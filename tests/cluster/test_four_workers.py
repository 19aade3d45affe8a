"""A cluster of four one-thread workers: the plan gives every thread chunks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from studio_render.cluster.client import ClusterSession
from tests.cluster.fixtures import running_cluster
from tests.cluster.helpers import start_render, wait_ended
from tests.cluster.local_cluster import LocalCluster
from tests.media import framemd5


@pytest.fixture(scope="module")
def four(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    with running_cluster(tmp_path_factory, "four", workers=4) as started:
        yield started


def test_four_one_thread_workers_get_at_least_four_chunks_of_60_frames(
    qtbot: QtBot, four: LocalCluster, small_qml: Path, tmp_path: Path, local_framemd5: Any
) -> None:
    out = tmp_path / "out.mkv"
    with ClusterSession(four.address) as session:
        assert session.info.cores == 4
        watched = start_render(qtbot, session, small_qml, out)  # 60 frames, default plan
        assert session.tasks.events_per_second == 5, "20 a second for the render, shared"
        assert wait_ended(qtbot, watched) == "finished", watched.failed
    assert watched.job.frame_count == 60
    assert len(watched.job.chunks) >= 4, watched.job.chunks
    watched.assert_monotonic()
    assert framemd5(out) == local_framemd5(small_qml, "-j", "2")
