"""The Qt engine driven directly: cancel, a worker killed mid-chunk, a chunk that keeps failing."""

from __future__ import annotations

import gc
import os
import signal
import stat
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import psutil
import pytest
from pytestqt.qtbot import QtBot

from studio_render.compositions.probe import probe_composition
from studio_render.core.chunk_run import ChunkSplitter, Outcome, run_chunk_attempt
from studio_render.core.chunkspec import ChunkSpec, parse_cut_line
from studio_render.core.errors import BadInput
from studio_render.core.ffmpeg import find_ffmpeg
from studio_render.core.job import RenderJob, RenderSettings, prepare_job
from studio_render.core.plan import Chunk, SplitCost
from studio_render.core.worker_pool import WorkerPool
from studio_render.qt.engine import ChunkState, RenderEngine
from tests.cli import leftovers, studio_render
from tests.conftest import MOVING, live_children, worker_processes
from tests.media import frame_count, framemd5, scene_with_audio


def make_job(out: Path, composition: Path = MOVING, **settings: object) -> RenderJob:
    return prepare_job(probe_composition(composition), RenderSettings(output=out, **settings))  # type: ignore[arg-type]


#: Frames 15-29 of the moving scene, each taking 0.1 s to draw: a chunk of them is still
#: running when a test, however busy the machine, acts on its first progress.
SLOW_MIDDLE = """    property int slow: {
        if (frame >= 15 && frame < 30) { var t = Date.now(); while (Date.now() - t < 100) {} }
        return 0
    }
"""


def test_cancel_mid_render_leaves_nothing_behind(qtbot: QtBot, tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    out.write_bytes(b"earlier render")
    engine = RenderEngine()
    job = make_job(out, concurrency=2, chunk_frames=5, size=(960, 540), speed="medium")
    values: list[float] = []
    engine.aggregator.progressChanged.connect(values.append)
    pids: list[int] = []
    engine.chunkStarted.connect(lambda i, pid, attempt: pids.append(pid))
    with qtbot.waitSignal(engine.chunkStarted, timeout=10000):
        engine.start(job)
    qtbot.waitUntil(lambda: len(values) > 1, timeout=10000)  # really rendering
    assert live_children(), "workers are running"
    with qtbot.waitSignal(engine.cancelled, timeout=5000):
        started = time.monotonic()
        engine.cancel()
    assert time.monotonic() - started < 2.0
    assert not live_children()
    assert all(not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie"
               for pid in pids)  # fmt: skip
    assert leftovers(tmp_path) == []
    assert out.read_bytes() == b"earlier render"
    count = len(values)
    qtbot.wait(200)
    assert len(values) == count, "no progress after cancel"
    assert engine.pool is not None and engine.pool.activeThreadCount() == 0


def test_an_engine_is_freed_in_its_own_thread_when_dropped(qtbot: QtBot, tmp_path: Path) -> None:
    """After a render, dropping the last reference frees the engine at once, in the thread
    that drops it: no reference cycle left for Python's cycle collector, which runs in
    whatever thread allocates at the time (a pool or Dask thread), where destroying the
    engine's QObjects crashes ("Timers cannot be stopped from another thread")."""
    gc.disable()
    try:
        freed = _render_and_let_go(qtbot, tmp_path)
        assert freed() is None, [type(r).__name__ for r in gc.get_referrers(freed())]
    finally:
        gc.enable()


def _render_and_let_go(qtbot: QtBot, tmp_path: Path) -> weakref.ref[RenderEngine]:
    engine = RenderEngine()
    with qtbot.waitSignal(engine.finished, timeout=60000):
        engine.start(make_job(tmp_path / "out.mp4", concurrency=2, chunk_frames=15))
    qtbot.waitUntil(lambda: not engine.running, timeout=10000)
    assert engine.pool is not None
    engine.pool.waitForDone()
    return weakref.ref(engine)


def render_in_a_command_line(out: Path) -> subprocess.Popen[str]:
    """A slow 2-worker render of the test scene, returned once frames are encoded."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "studio_render", "render", str(MOVING), "-o", str(out),
         "--size", "1280x720", "--speed", "slow", "-j", "2", "--chunk-frames", "5",
         "--progress", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    for line in proc.stdout:
        if '"frames_done": ' in line and '"frames_done": 0,' not in line:
            break
    return proc


def test_ctrl_c_in_the_command_line_cancels_with_130(tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    proc = render_in_a_command_line(out)
    assert proc.stdout is not None
    descendants = psutil.Process(proc.pid).children(recursive=True)
    assert descendants, "worker processes were running"
    proc.send_signal(signal.SIGINT)
    rest = proc.stdout.read()
    assert proc.wait(10) == 130
    assert rest.strip().splitlines()[-1] == '{"event": "cancelled"}'
    psutil.wait_procs(descendants, timeout=2)
    assert not [p for p in descendants if p.is_running() and p.status() != "zombie"]
    assert not out.exists()
    assert leftovers(tmp_path) == []


def test_command_line_killed_outright_leaves_no_worker_behind(tmp_path: Path) -> None:
    proc = render_in_a_command_line(tmp_path / "out.mp4")
    workers = worker_processes()
    assert workers, "worker processes were running"
    proc.kill()  # SIGKILL: no handler runs; the workers see their stdin end
    proc.wait(10)
    _, alive = psutil.wait_procs(workers, timeout=3)
    assert not alive
    assert worker_processes() == []


def test_worker_killed_mid_chunk_is_retried_and_output_is_exact(
    qtbot: QtBot, tmp_path: Path
) -> None:
    scene = tmp_path / "moving.qml"  # chunk 1 (frames 15-29) is slow: killed while it runs
    scene.write_text(
        MOVING.read_text().replace("    Rectangle {", SLOW_MIDDLE + "    Rectangle {", 1)
    )
    reference = tmp_path / "reference.mkv"
    engine = RenderEngine()
    with qtbot.waitSignal(engine.finished, timeout=60000):
        engine.start(make_job(reference, scene, preset="ffv1", concurrency=1,
                              chunk_frames=1000, size=(640, 360)))  # fmt: skip

    out = tmp_path / "out.mkv"
    engine = RenderEngine()
    states: list[tuple[int, str]] = []
    engine.chunkStateChanged.connect(lambda i, state, f: states.append((i, state)))
    values: list[float] = []
    engine.aggregator.progressChanged.connect(values.append)
    victim: dict[str, int] = {}

    def on_started(index: int, pid: int, attempt: int) -> None:
        if index == 1 and attempt == 1:
            victim["pid"] = pid

    engine.chunkStarted.connect(on_started)
    killed = False

    def on_state(index: int, state: str, fraction: float) -> None:
        nonlocal killed
        if index == 1 and state == ChunkState.RENDERING and fraction > 0 and not killed:
            killed = True
            os.killpg(victim["pid"], signal.SIGKILL)  # the worker and its encoder

    engine.chunkStateChanged.connect(on_state)
    with qtbot.waitSignal(engine.finished, timeout=60000):
        engine.start(make_job(out, scene, preset="ffv1", concurrency=2, chunk_frames=15,
                              size=(640, 360)))  # fmt: skip
    assert killed
    assert (1, ChunkState.RETRYING) in states
    assert framemd5(out) == framemd5(reference)
    assert values == sorted(values) and values[-1] == 1.0


def fake_ffmpeg(tmp_path: Path) -> Path:
    """An encoder that always fails the way a broken ffmpeg build would."""
    script = tmp_path / "ffmpeg"
    script.write_text("#!/bin/sh\necho 'libx264: encoder exploded at frame 3' >&2\nexit 1\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_chunk_that_keeps_failing_fails_the_render_with_its_frames_and_output(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_RENDER_FFMPEG", str(fake_ffmpeg(tmp_path)))
    out = tmp_path / "out.mp4"
    out.write_bytes(b"earlier render")
    engine = RenderEngine()
    retries: list[int] = []
    engine.chunkStarted.connect(lambda i, pid, attempt: retries.append(attempt))
    with qtbot.waitSignal(engine.failed, timeout=30000) as blocker:
        engine.start(make_job(out, concurrency=1, chunk_frames=45, retries=2))
    message, details = blocker.args
    assert message.startswith("frames 0-44 failed after 3 attempts")
    assert "encoder exploded" in details
    assert retries == [1, 2, 3]
    assert out.read_bytes() == b"earlier render"
    assert leftovers(tmp_path) == []


def test_a_worker_process_renders_chunk_after_chunk(qtbot: QtBot, tmp_path: Path) -> None:
    out = tmp_path / "out.mkv"
    engine = RenderEngine()
    pids: list[int] = []
    engine.chunkStarted.connect(lambda i, pid, attempt: pids.append(pid))
    job = make_job(out, preset="ffv1", concurrency=2, chunk_frames=5, size=(320, 180))
    with qtbot.waitSignal(engine.finished, timeout=60000):
        engine.start(job)
    assert len(job.chunks) == 9 and len(pids) == 9
    assert len(set(pids)) == 2, "two workers, each loading the scene once"
    assert frame_count(out) == 45
    assert engine.workers is None, "the idle workers were let go"


def test_audio_that_cannot_be_encoded_fails_the_render(qtbot: QtBot, tmp_path: Path) -> None:
    """Audio that is not audio is refused before work (tests/test_preflight.py); this one
    is replaced after the checks, so it fails only when the engine encodes it."""
    tone = tmp_path / "tone.wav"
    subprocess.run([find_ffmpeg(), "-v", "error", "-f", "lavfi", "-i", "sine=d=2", str(tone)],
                   check=True)  # fmt: skip
    scene = scene_with_audio(MOVING, tmp_path, "tone.wav")
    out = tmp_path / "out.mp4"
    engine = RenderEngine()
    job = prepare_job(probe_composition(scene), RenderSettings(output=out, concurrency=2))
    tone.write_bytes(b"this is not audio\n" * 200)
    with pytest.raises(BadInput, match=r"tone\.wav: ffmpeg cannot decode it"):
        prepare_job(probe_composition(scene), RenderSettings(output=out, concurrency=2))
    with qtbot.waitSignal(engine.failed, timeout=30000) as blocker:
        engine.start(job)
    message, details = blocker.args
    assert message.startswith("encoding the audio failed: ffmpeg exited with code")
    assert "tone.wav" in details  # ffmpeg's own words name the file
    assert not out.exists()
    assert leftovers(tmp_path) == []


@pytest.fixture(scope="module")
def long_scene(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A 300-frame, 640x360 scene (every frame differs), and its frames' hashes."""
    folder = tmp_path_factory.mktemp("long")
    scene = folder / "long.qml"
    scene.write_text(
        MOVING.read_text().replace("durationInFrames: 45", "durationInFrames: 300")
        .replace("width: 160", "width: 640").replace("height: 90", "height: 360")
    )  # fmt: skip
    reference = folder / "reference.mkv"
    done = studio_render("render", scene, "-o", reference, "--preset", "ffv1", "-j", "1",
                         "--chunk-frames", "1000", "--progress", "none")  # fmt: skip
    assert done.returncode == 0, done.stderr
    return scene, framemd5(reference)


def render_two_uneven_chunks(
    qtbot: QtBot, scene: Path, out: Path, on_started: Callable[[int, int, int], None]
) -> list[float]:
    """Frames 0-269 and 270-299 on two workers; returns the progress values."""
    engine = RenderEngine()
    engine.chunkStarted.connect(on_started)
    values: list[float] = []
    engine.aggregator.progressChanged.connect(values.append)
    job = prepare_job(probe_composition(scene), RenderSettings(
        output=out, preset="ffv1", concurrency=2))  # fmt: skip
    job = replace(job, chunks=(Chunk(0, 0, 270), Chunk(1, 270, 300)))
    with qtbot.waitSignal(engine.finished, timeout=60000):
        engine.start(job)
    return values


def test_a_worker_done_early_takes_the_rest_of_the_longest_chunk(
    qtbot: QtBot, tmp_path: Path, long_scene: tuple[Path, list[str]]
) -> None:
    scene, reference = long_scene
    # The worker done with frames 270-299 takes the frames the other has not reached. On a
    # busy machine the second worker can start so late that the first has drawn nearly all
    # of its frames by then, and nothing is left worth a split: three tries.
    started: set[int] = set()
    for run in range(3):
        out = tmp_path / f"out{run}.mkv"
        started.clear()
        values = render_two_uneven_chunks(qtbot, scene, out, lambda i, pid, a: started.add(i))
        assert framemd5(out) == reference
        assert values == sorted(values) and values[-1] == 1.0
        if len(started) >= 3:
            break
    assert len(started) >= 3, "no chunk was split, three times"


def _split_and_kill_chunk_0(
    qtbot: QtBot, scene: Path, out: Path
) -> tuple[bool, list[tuple[int, int]], list[float]]:
    """Two uneven chunks; when chunk 0 is split, its worker is killed. Whether it was (on a
    busy machine chunk 0 can end first, and its worker take the split part), the attempts
    started, and the progress values."""
    pids: dict[int, int] = {}
    attempts: list[tuple[int, int]] = []
    killed: list[int] = []

    def on_started(index: int, pid: int, attempt: int) -> None:
        attempts.append((index, attempt))
        pids.setdefault(index, pid)
        if index == 2 and attempt == 1 and pid != pids[0]:  # chunk 0 still rendering, less
            os.killpg(pids[0], signal.SIGKILL)
            killed.append(pids[0])

    values = render_two_uneven_chunks(qtbot, scene, out, on_started)
    return bool(killed), attempts, values


def test_a_split_chunk_that_fails_is_retried_with_its_new_end(
    qtbot: QtBot, tmp_path: Path, long_scene: tuple[Path, list[str]]
) -> None:
    scene, reference = long_scene
    # On a busy machine chunk 0 can end before its split part starts (nothing is killed),
    # or before the kill lands (nothing to retry): three tries for a kill that makes chunk
    # 0 start again; every render's frames and progress are checked.
    for run in range(3):
        out = tmp_path / f"out{run}.mkv"
        killed, attempts, values = _split_and_kill_chunk_0(qtbot, scene, out)
        assert framemd5(out) == reference  # every frame exactly once: none lost, none twice
        assert values == sorted(values) and values[-1] == 1.0
        if killed and (0, 2) in attempts:
            break
    assert killed, "chunk 0 ended before its split part started, three times"
    assert (0, 2) in attempts, "chunk 0 was retried"


def render_planned(
    qtbot: QtBot, engine: RenderEngine, workers: WorkerPool, scene: Path, out: Path,
    chunks: tuple[Chunk, ...], concurrency: int,
) -> None:  # fmt: skip
    """Render ``scene`` to ``out`` (FFV1) in ``chunks`` on ``concurrency`` workers, booted
    and loaded first (the chunks' paces decide their splits, not how long each worker
    took to boot on a busy computer), then let ``workers`` go."""
    info = probe_composition(scene)
    settings = RenderSettings(output=out, preset="ffv1", concurrency=concurrency)
    job = prepare_job(info, settings)
    warm_up = prepare_job(info, replace(settings, output=out.with_name(f"warm-up-{out.name}")))
    try:
        booting = RenderEngine(chunk_attempt=partial(run_chunk_attempt, workers=workers))
        with qtbot.waitSignal(booting.finished, timeout=120000):  # a frame on each at once
            booting.start(replace(warm_up, chunks=tuple(
                Chunk(i, i, i + 1) for i in range(concurrency))))  # fmt: skip
        with qtbot.waitSignal(engine.finished, timeout=120000):
            engine.start(replace(job, chunks=chunks))
    finally:
        workers.close()


class _LateCutAnswers:
    """Local chunk attempts whose cut answers reach the engine late, as across a
    cluster's round trip: each answer is held until two cuts are awaited at once, or for
    ``HOLD_S``. ``most_awaited``: the most cuts asked and not yet answered; ``held_out``:
    the answers that waited ``HOLD_S`` for a second cut."""

    splits_chunks = True
    HOLD_S = 15.0

    def __init__(self, workers: WorkerPool) -> None:
        self.workers = workers
        self.awaited = self.most_awaited = self.held_out = 0
        self._changed = threading.Condition()

    def __call__(
        self,
        spec: ChunkSpec,
        cancelled: threading.Event,
        on_progress: Callable[[int, int], None],
        on_start: Callable[[int], None],
        splitter: ChunkSplitter,
        **extra: Any,
    ) -> Outcome:
        inner = ChunkSplitter(lambda end: self._answer(splitter, end))
        splitter.attach(_Asking(self, inner), spec.start)
        try:
            return run_chunk_attempt(spec, cancelled, on_progress, on_start,
                                     workers=self.workers, splitter=inner, **extra)  # fmt: skip
        finally:
            splitter.attach(None)

    def asked(self, count: int) -> None:
        with self._changed:
            self.awaited += count
            self.most_awaited = max(self.most_awaited, self.awaited)
            self._changed.notify_all()

    def _answer(self, splitter: ChunkSplitter, end: int) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: self.most_awaited >= 2, self.HOLD_S):
                self.held_out += 1
            self.awaited -= 1
        splitter.on_cut(end)


class _Asking:
    """The engine's side of a chunk's splitter: counts the cut, then asks the worker."""

    def __init__(self, answers: _LateCutAnswers, inner: ChunkSplitter) -> None:
        self.answers, self.inner = answers, inner

    def send_line(self, text: str) -> bool:
        cut = parse_cut_line(text)
        assert cut is not None
        self.answers.asked(1)  # before the worker can answer
        if self.inner.request(cut[1]):
            return True
        self.answers.asked(-1)  # its worker is done with the chunk
        return False


def test_idle_workers_are_each_given_part_of_a_different_chunk_at_once(
    qtbot: QtBot, tmp_path: Path, long_scene: tuple[Path, list[str]]
) -> None:
    """Two chunks on four workers: the two idle workers each get part of a different
    running chunk, the second cut asked while the first one's answer is on its way (held
    back, as across a cluster's round trip), not after it. Every frame still lands once."""
    scene, reference = long_scene
    out = tmp_path / "out.mkv"
    workers = WorkerPool("qml")
    answers = _LateCutAnswers(workers)
    engine = RenderEngine(chunk_attempt=answers)
    values: list[float] = []
    engine.aggregator.progressChanged.connect(values.append)
    render_planned(qtbot, engine, workers, scene, out, (Chunk(0, 0, 150), Chunk(1, 150, 300)), 4)
    assert answers.held_out == 0, "a cut's answer was awaited alone"
    assert answers.most_awaited == 2
    assert framemd5(out) == reference
    assert values == sorted(values) and values[-1] == 1.0


class _SplittingAhead:
    """Local chunk attempts whose splits go ahead, as a cluster's do (``SplitCost.ahead``)."""

    splits_chunks = True

    def __init__(self, workers: WorkerPool, ahead: bool) -> None:
        self.workers = workers
        self.split_cost = SplitCost(ahead=ahead)

    def __call__(self, spec: ChunkSpec, cancelled: threading.Event,
                 on_progress: Callable[[int, int], None], on_start: Callable[[int], None],
                 **extra: Any) -> Outcome:  # fmt: skip
        return run_chunk_attempt(spec, cancelled, on_progress, on_start, workers=self.workers,
                                 **extra)  # fmt: skip


def _cuts(
    qtbot: QtBot, tmp_path: Path, long_scene: tuple[Path, list[str]],
    chunks: tuple[Chunk, ...], ahead: bool,
) -> list[tuple[tuple[float, ...], int]]:  # fmt: skip
    """Render ``chunks`` of the long scene on as many workers, splitting ahead or not
    (every frame lands once, progress never goes back); for each part split off, as it
    was queued: the fractions of the planned chunks after the first (a chunk's fraction
    is (drawn + encoded) / 2 of its frames: under 0.5 while it draws), and how many parts
    split off had started."""
    scene, reference = long_scene
    out = tmp_path / "out.mkv"
    workers = WorkerPool("qml")
    engine = RenderEngine(chunk_attempt=_SplittingAhead(workers, ahead))
    values: list[float] = []
    engine.aggregator.progressChanged.connect(values.append)
    fractions = [0.0] * len(chunks)
    parts_started: set[int] = set()
    cuts: list[tuple[tuple[float, ...], int]] = []

    def on_state(index: int, state: str, fraction: float) -> None:
        if index < len(chunks):
            fractions[index] = fraction
        elif state == ChunkState.QUEUED:  # a part split off a running chunk
            cuts.append((tuple(fractions[1:]), len(parts_started)))

    def on_started(index: int, pid: int, attempt: int) -> None:
        if index >= len(chunks):
            parts_started.add(index)

    engine.chunkStateChanged.connect(on_state)
    engine.chunkStarted.connect(on_started)
    render_planned(qtbot, engine, workers, scene, out, chunks, len(chunks))
    assert framemd5(out) == reference
    assert values == sorted(values) and values[-1] == 1.0
    return cuts


@pytest.mark.parametrize("ahead", [False, True])
def test_splits_ahead_cut_the_long_chunk_while_the_short_one_still_draws(
    qtbot: QtBot, tmp_path: Path, long_scene: tuple[Path, list[str]], ahead: bool
) -> None:
    """Frames 0-269 and 270-299 on two workers. Splitting ahead, the long chunk is cut for
    the worker of the short one once both chunks have started, while that worker still
    draws; otherwise once it has drawn its frames."""
    chunks = (Chunk(0, 0, 270), Chunk(1, 270, 300))
    cuts = _cuts(qtbot, tmp_path, long_scene, chunks, ahead)
    assert cuts, "the long chunk was not split"
    still_drawing = cuts[0][0][0] < 0.5
    assert still_drawing == ahead, cuts


def test_splits_ahead_serve_each_soon_free_worker_while_a_part_waits(
    qtbot: QtBot, tmp_path: Path, long_scene: tuple[Path, list[str]]
) -> None:
    """Frames 0-139, 140-219 and 220-299 on three workers, splitting ahead: the long chunk
    is cut for each of the two short chunks' workers (long enough to still draw when the
    last chunk starts on a busy computer). A part split off for the first (queued until
    that worker is free) does not hold back the second's cut."""
    chunks = (Chunk(0, 0, 140), Chunk(1, 140, 220), Chunk(2, 220, 300))
    cuts = _cuts(qtbot, tmp_path, long_scene, chunks, True)
    assert len(cuts) >= 2, cuts
    assert cuts[1][1] == 0, f"the second cut waited for the first part to start: {cuts}"


def test_more_workers_midway_render_more_chunks_at_once(qtbot: QtBot, tmp_path: Path) -> None:
    """Workers 1 → 3 during a render: more chunks run at once after, none before, and the
    frames are those of a render at one worker."""
    scene = tmp_path / "busy.qml"  # about 20 ms of script a frame: the render lasts seconds
    scene.write_text(
        MOVING.read_text().replace("durationInFrames: 45", "durationInFrames: 90")
        .replace("width: 160", "width: 320").replace("height: 90", "height: 180")
        .replace('text: "frame " + root.frame', 'text: "frame " + root.frame + root.busy()')
        .replace("property real fps: 30", "property real fps: 30\n"
                 "    function busy() { let s = 0; for (let i = 0; i < 1500000; i++) "
                 "s += i % 7; return s > 0 ? '' : '!' }")
    )  # fmt: skip
    info = probe_composition(scene)
    reference = tmp_path / "reference.mkv"
    done = studio_render("render", scene, "-o", reference, "--preset", "ffv1", "-j", "1",
                         "--progress", "none")  # fmt: skip
    assert done.returncode == 0, done.stderr

    out = tmp_path / "out.mkv"
    engine = RenderEngine()
    running: set[int] = set()
    most = {"before": 0, "after": 0}
    changed = {"at": False}
    pids: set[int] = set()

    def on_started(index: int, pid: int, attempt: int) -> None:
        running.add(index)
        pids.add(pid)
        when = "after" if changed["at"] else "before"
        most[when] = max(most[when], len(running))

    def on_state(index: int, state: str, fraction: float) -> None:
        if state in (ChunkState.DONE, ChunkState.FAILED, ChunkState.RETRYING):
            running.discard(index)
        if not changed["at"] and state == ChunkState.RENDERING and fraction > 0.1:
            changed["at"] = True
            engine.set_concurrency(3)  # what the window's Workers box does

    engine.chunkStarted.connect(on_started)
    engine.chunkStateChanged.connect(on_state)
    job = prepare_job(info, RenderSettings(output=out, preset="ffv1", concurrency=1))
    assert len(job.chunks) == 2  # one long chunk for the one worker, a short last one
    with qtbot.waitSignal(engine.finished, timeout=120000):
        engine.start(job)
    assert changed["at"]
    assert most["before"] == 1
    assert most["after"] >= 2, most
    assert len(pids) >= 2, "new worker processes took chunks"
    assert framemd5(out) == framemd5(reference)
