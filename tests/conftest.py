"""Shared fixtures: offscreen Qt, the Lottie corpus, and leak checks on every test."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from studio_render.core.procs import WORKER_NAME

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

#: What the tests start gets SIGINT, SIGTERM and SIGHUP at their defaults, as from a
#: terminal. A run started in the background (``nohup``, ``&`` in a script) would pass
#: them on ignored, and the program rightly keeps an inherited "ignore".
for _signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    if signal.getsignal(_signum) == signal.SIG_IGN:
        _default = signal.default_int_handler if _signum == signal.SIGINT else signal.SIG_DFL
        signal.signal(_signum, _default)
os.environ.setdefault("QT_QUICK_BACKEND", "software")

#: TMPDIR for the whole run, this process and every process it starts: empty at the end
#: (pytest's own tmp_path folders aside), or the run fails.
SESSION_TMP = Path(tempfile.mkdtemp(prefix="studio-render-tests-"))
os.environ["TMPDIR"] = str(SESSION_TMP)
tempfile.tempdir = None
#: The test cluster's Dask processes keep their scratch space (dask-scratch-space) apart:
#: it is Dask's, made by a scheduler and workers that live for the whole run.
DASK_TMP = Path(tempfile.mkdtemp(prefix="studio-render-tests-dask-", dir=SESSION_TMP.parent))
os.environ["DASK_TEMPORARY_DIRECTORY"] = str(DASK_TMP)

ROOT = Path(__file__).resolve().parents[1]
RESOURCES = ROOT / "resources"
MOVING = ROOT / "tests" / "data" / "moving.qml"  # 160x90, 45 frames, 30 fps
CORPUS = ROOT.parent / "shared" / "corpus" / "lottie"


@pytest.fixture
def corpus() -> Path:
    """The shared Lottie corpus (real files, awkward names)."""
    if not CORPUS.is_dir():
        pytest.skip(f"Lottie corpus not found at {CORPUS}")
    return CORPUS


@pytest.fixture
def small_qml() -> Path:
    return RESOURCES / "demo" / "demo-small.qml"


#: Predicates for child processes a longer-lived fixture keeps on purpose (the test
#: cluster's scheduler and workers); the leak check ignores those, and only those.
EXPECTED_CHILDREN: list[Callable[[psutil.Process], bool]] = []


def _expected(proc: psutil.Process) -> bool:
    try:
        return any(expected(proc) for expected in EXPECTED_CHILDREN)
    except psutil.Error:
        return False


def live_children() -> list[psutil.Process]:
    """Child processes of the test run, less those a fixture keeps on purpose."""
    try:
        return [p for p in psutil.Process().children(recursive=True) if p.is_running()
                and p.status() != psutil.STATUS_ZOMBIE and not _expected(p)]  # fmt: skip
    except psutil.NoSuchProcess:
        return []


#: Every process this test run starts inherits this tag in its environment, so orphans of
#: this run are found and other runs on the same machine are not.
TAG = "STUDIO_RENDER_TEST_TAG"
os.environ[TAG] = uuid.uuid4().hex


def tagged_processes(tag: str) -> list[psutil.Process]:
    """Live processes, orphans included, whose environment carries ``tag``."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get(TAG) == tag and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except psutil.Error:
            continue
    return found


def worker_processes() -> list[psutil.Process]:
    """Studio Render worker processes of this test run still alive, orphans included."""
    found = []
    for proc in tagged_processes(os.environ[TAG]):
        try:
            if "studio_render.worker" in " ".join(proc.cmdline()) or proc.name() == WORKER_NAME:
                found.append(proc)
        except psutil.Error:
            continue
    return [p for p in found if not _expected(p)]


def pytest_unconfigure(config: pytest.Config) -> None:
    """Dask's scratch folder goes with the run, also from a pytest-xdist controller (which
    runs no test, so its session fixtures never start; its test processes make their
    TMPDIR and scratch folder inside its TMPDIR)."""
    shutil.rmtree(DASK_TMP, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def nothing_left_in_tmpdir() -> Iterator[None]:
    """Fail the run if anything it started left files in TMPDIR."""
    yield

    def left() -> list[str]:
        return sorted(p.name for p in SESSION_TMP.iterdir() if not p.name.startswith("pytest-of-"))

    deadline = time.monotonic() + 5  # a process that is exiting removes its own last
    while left() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left(), f"left in TMPDIR: {left()}"
    shutil.rmtree(SESSION_TMP, ignore_errors=True)


@pytest.fixture(autouse=True)
def no_leftover_processes_or_threads() -> Iterator[None]:
    """Fail a test that leaves child processes alive or QThreadPool threads running."""
    yield
    deadline = time.monotonic() + 3
    while live_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    left = live_children()
    for proc in left:
        proc.kill()
    assert not left, f"child processes left running: {[p.cmdline()[:3] for p in left]}"
    from PySide6.QtCore import QThreadPool

    from studio_render.qt import engine as engine_module

    pools = [QThreadPool.globalInstance(), *engine_module.live_pools()]
    for pool in pools:
        assert pool.waitForDone(3000), "QThreadPool threads left running"
