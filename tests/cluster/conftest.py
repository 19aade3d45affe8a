"""The test cluster (one per session, two workers of one thread each) and local references.

``cluster`` and ``two_workers`` live in tests/cluster/fixtures.py (tests/gui uses them too).

``small_qml`` (resources/demo/demo-small.qml) comes from tests/conftest.py.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.cli import studio_render
from tests.cluster.fixtures import cluster, two_workers
from tests.conftest import RESOURCES
from tests.media import framemd5

if importlib.util.find_spec("distributed") is None:  # the cluster extra is not installed
    collect_ignore_glob = ["test_*.py"]

__all__ = ["cluster", "two_workers"]  # fixtures, imported to be found here


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
