"""A one-worker cluster whose worker dies: the job's files die with it and are sent again."""

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
def lone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    with running_cluster(tmp_path_factory, "lone", workers=1) as started:
        yield started


def test_the_restarted_worker_gets_the_job_again_and_finishes_it(
    qtbot: QtBot, lone: LocalCluster, big_qml: Path, tmp_path: Path, local_framemd5: Any
) -> None:
    out = tmp_path / "out.mkv"
    with ClusterSession(lone.address) as session:
        watched = start_render(qtbot, session, big_qml, out, frames=(0, 30), size=(960, 540),
                               chunk_frames=30, retries=0)  # fmt: skip
        qtbot.waitUntil(lambda: bool(watched.started and lone.busy_workers()), timeout=60000)
        sent = session.stats()["pack_bytes"]
        lone.busy_workers()[0].kill()  # its nanny starts a new, empty worker
        assert wait_ended(qtbot, watched) == "finished", watched.failed
        assert session.stats()["pack_bytes"] == 2 * sent, "the composition was sent again"
    assert len(watched.started) == 2
    watched.assert_monotonic()
    assert framemd5(out) == local_framemd5(big_qml, "--frames", "0:30", "--size", "960x540")
