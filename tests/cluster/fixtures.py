"""The real test cluster as fixtures, shared by tests/cluster and tests/gui.

Import them into a conftest or test module: ``from tests.cluster.fixtures import cluster``;
a module that needs the cluster gone after it builds its own fixture on ``running_cluster``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import psutil
import pytest

from tests.conftest import EXPECTED_CHILDREN, worker_processes

if TYPE_CHECKING:
    from tests.cluster.local_cluster import LocalCluster


@contextmanager
def running_cluster(
    tmp_path_factory: pytest.TempPathFactory, name: str = "cluster", **start: Any
) -> Iterator[LocalCluster]:
    """A started cluster (``LocalCluster.start`` options, 2 workers unless told), known to
    the leak check while it runs; stopped at the end."""
    from tests.cluster.local_cluster import LocalCluster, describe, wait_gone

    start.setdefault("workers", 2)
    started = LocalCluster.start(tmp_path_factory.mktemp(f"{name}-logs"), **start)
    EXPECTED_CHILDREN.append(started.owns)
    try:
        yield started
    finally:
        processes = started.processes()
        started.stop()
        # render processes a worker left (stopped before it could stop them) exit, and
        # remove their TMPDIR, once they see their stdin end: wait for them
        left = wait_gone(processes, 10)
        EXPECTED_CHILDREN.remove(started.owns)
        left += wait_gone(worker_processes(), 10)  # those booted after the list was made
        names = describe(left)
        for proc in left:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        assert not left, f"cluster processes left running: {names}"


@pytest.fixture(scope="package")  # stopped when tests/cluster ends, before other suites
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    """``studio-render scheduler`` and two ``studio-render worker`` processes on 127.0.0.1."""
    with running_cluster(tmp_path_factory) as started:
        yield started


@pytest.fixture
def two_workers(cluster: LocalCluster) -> LocalCluster:
    """The cluster with both workers back (a test may have killed one)."""
    cluster.wait_for_workers(2)
    return cluster
