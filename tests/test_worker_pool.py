"""Worker processes kept for a render: probing in one, then rendering in the same one."""

from __future__ import annotations

import signal
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pytest

from studio_render.compositions.probe import probe_composition
from studio_render.core.chunk_run import run_chunk_attempt
from studio_render.core.errors import BadInput
from studio_render.core.ffmpeg import find_ffmpeg
from studio_render.core.job import RenderSettings, prepare_job
from studio_render.core.plan import Chunk
from studio_render.core.procs import SupervisedProcess, worker_command
from studio_render.core.worker_pool import WorkerPool
from tests.conftest import MOVING
from tests.media import frame_count, framemd5


def test_the_worker_that_probed_renders_the_first_chunk(tmp_path: Path) -> None:
    workers = WorkerPool()
    try:
        workers.prestart(1)
        info = probe_composition(MOVING, workers=workers)
        assert (info.kind, info.frame_count) == ("qml", 45)
        job = prepare_job(info, RenderSettings(output=tmp_path / "out.mkv", preset="ffv1"))
        spec = job.chunk_spec(job.chunks[0], find_ffmpeg())
        outcome = run_chunk_attempt(spec, threading.Event(), lambda r, e: None, workers=workers)
        assert outcome.ok, outcome
        assert workers.started == 1, "no process of its own for the probe"
        assert frame_count(Path(spec.output)) == job.chunks[0].frame_count
    finally:
        workers.close()


def test_a_worker_that_failed_to_load_a_file_is_not_handed_out_again(
    corpus: Path, tmp_path: Path
) -> None:
    workers = WorkerPool()
    garbage = tmp_path / "garbage.json"
    garbage.write_text('{"v": "5.7", "layers": 3}')
    try:
        # a file that hangs ThorVG (the other file in bad/ ThorVG draws), and one it cannot read
        bad_files = [corpus / "bad" / "repro_infinite_loop.json", garbage]
        for bad in bad_files:
            with pytest.raises(BadInput, match=bad.name):
                probe_composition(bad, workers=workers)
        info = probe_composition(MOVING, workers=workers)
        assert info.frame_count == 45
        assert workers.started == len(bad_files) + 1, "a fresh worker for each file"
    finally:
        workers.close()


def test_a_worker_draws_a_lottie_frame_after_a_jump_as_in_sequence(
    corpus: Path, tmp_path: Path
) -> None:
    """rlottie remembered the frame it drew last (frame 28 drawn right after frame 20
    differed from frame 28 drawn after 27); a chunk's first frame must not depend on what
    the worker drew before."""
    comp = corpus / "spin,_lil_loader_v2.json"
    info = probe_composition(comp)
    job = prepare_job(info, RenderSettings(output=tmp_path / "out.mkv", preset="ffv1"))
    specs = [job.chunk_spec(chunk, find_ffmpeg()) for chunk in
             (Chunk(0, 0, info.frame_count), Chunk(1, 14, 21), Chunk(2, 28, 35))]  # fmt: skip
    workers = WorkerPool()
    try:
        for spec in specs:  # one worker, in this order
            outcome = run_chunk_attempt(spec, threading.Event(), lambda r, e: None, workers=workers)
            assert outcome.ok, outcome
        assert workers.started == 1
        sequence = framemd5(Path(specs[0].output))
        assert framemd5(Path(specs[2].output)) == sequence[28:35]
    finally:
        workers.close()
        job.remove_work_dir()


def test_a_chunk_handed_out_before_the_engine_runs_is_taken_over_or_stopped(
    corpus: Path, tmp_path: Path
) -> None:
    """The command line gives the first chunk to the worker that probed before it imports
    Qt (``WorkerPool.head_start``): the attempt at that spec takes the worker, already
    drawing, instead of starting another; a chunk handed out that no attempt takes has its
    worker (and encoder) stopped when the pool closes."""
    workers = WorkerPool("lottie")
    job = None
    pids: list[int] = []
    try:
        workers.prestart(1)
        info = probe_composition(corpus / "heart.json", workers=workers)
        job = prepare_job(info, RenderSettings(output=tmp_path / "out.mkv", preset="ffv1"))
        spec = job.chunk_spec(job.chunks[0], find_ffmpeg())
        workers.head_start(spec.to_json())
        outcome = run_chunk_attempt(spec, threading.Event(), lambda r, e: None,
                                    on_start=pids.append, workers=workers)  # fmt: skip
        assert outcome.ok, outcome
        assert workers.started == 1, "the attempt took the worker given its chunk"
        assert frame_count(Path(spec.output)) == job.chunks[0].frame_count
        workers.head_start(job.chunk_spec(Chunk(9, 0, 5), find_ffmpeg()).to_json())
        assert psutil.pid_exists(pids[0])
    finally:
        workers.close()
        if job is not None:
            job.remove_work_dir()
    assert not psutil.pid_exists(pids[0]), "the worker of a chunk nobody took is stopped"


def test_workers_started_after_their_render_ended_are_stopped() -> None:
    """The window starts a render's workers in a pool thread while the probe runs; a render
    cancelled first has closed the pool by then, and the workers it started are stopped."""
    me = psutil.Process()
    before = {child.pid for child in me.children(recursive=True)}
    workers = WorkerPool("lottie")
    workers.close()
    workers.prestart(2)
    assert workers.started == 2
    left = [child for child in me.children(recursive=True) if child.pid not in before]
    assert not [child for child in left if child.is_running() and child.status() != "zombie"]
    with pytest.raises(RuntimeError, match="closed"):
        workers.take()


def test_a_worker_that_cannot_start_leaves_no_tmpdir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker's own TMPDIR is the worker's to make: a start that fails (out of
    processes, say) leaves none, nor does a supervisor that dies before its child runs."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(OSError):
        SupervisedProcess([str(tmp_path / "no-such-program")], own_tmp=True)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("signum", [signal.SIGINT, None], ids=["interrupted", "input-ended"])
def test_a_worker_removes_its_own_tmpdir_however_it_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signum: int | None
) -> None:
    """Interrupted, or told by the end of its input that its supervisor is gone, a worker
    removes the TMPDIR it made: nothing is left should its supervisor die meanwhile."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    proc = SupervisedProcess(worker_command("serve", "qml"), own_tmp=True)
    try:
        deadline = time.monotonic() + 30
        while not list(tmp_path.iterdir()):  # made by the worker as it starts
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        (own,) = tmp_path.iterdir()
        assert own.name.startswith("studio-render-worker-")
        (own / "left-by-qt").write_text("")  # whatever the worker wrote there goes too
        if signum is None:
            proc.close_stdin()
        else:
            proc.proc.send_signal(signum)
        proc.proc.wait(30)  # the process itself, not its supervisor's wait (which removes)
        assert not own.exists()
    finally:
        proc.stop()
