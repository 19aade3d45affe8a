"""The test cluster (one per session, two workers of one thread each) and local references.

``small_qml`` (resources/demo/demo-small.qml) comes from tests/conftest.py.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.cli import studio_render
from tests.conftest import EXPECTED_CHILDREN, RESOURCES
from tests.media import framemd5

if TYPE_CHECKING:
    from tests.cluster.local_cluster import LocalCluster

if importlib.util.find_spec("distributed") is None:  # the cluster extra is not installed
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    """``studio-render scheduler`` and two ``studio-render worker`` processes on 127.0.0.1."""
    from tests.cluster.local_cluster import LocalCluster

    started = LocalCluster.start(tmp_path_factory.mktemp("cluster-logs"), workers=2)
    EXPECTED_CHILDREN.append(started.owns)
    try:
        yield started
    finally:
        started.stop()
        EXPECTED_CHILDREN.remove(started.owns)


@pytest.fixture
def two_workers(cluster: LocalCluster) -> LocalCluster:
    """The cluster with both workers back (a test may have killed one)."""
    cluster.wait_for_workers(2)
    return cluster


_references: dict[tuple[str, ...], list[str]] = {}


@pytest.fixture(scope="session")
def local_framemd5(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """``local_framemd5(comp, *args)``: frame hashes of a local FFV1 render, computed once."""

    def reference(comp: Path, *args: str) -> list[str]:
        key = (str(comp), *args)
        if key not in _references:
            out = tmp_path_factory.mktemp("local") / "local.mkv"
            done = studio_render("render", comp, "-o", out, "--preset", "ffv1",
                                 "--progress", "none", *args)  # fmt: skip
            assert done.returncode == 0, done.stderr
            _references[key] = framemd5(out)
        return _references[key]

    return reference


@pytest.fixture
def big_qml() -> Path:
    """The 1080p demo: chunks that take long enough to cancel or kill mid-way."""
    return RESOURCES / "demo" / "demo.qml"
