"""A frame that never finishes, and a worker that stops: caught in seconds, not minutes."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from studio_render.compositions.probe import probe_composition
from studio_render.core.job import RenderSettings, prepare_job
from studio_render.qt.engine import RenderEngine
from tests.cli import json_events, leftovers, studio_render
from tests.conftest import MOVING
from tests.media import framemd5

HANG = """
    // frame 40 never finishes: a script that does not return
    property int stuck: { if (frame === 40) { while (true) {} } return frame }
    Text { x: 100; y: 4; text: root.stuck; color: "white"; font.pixelSize: 10 }
"""


def test_a_frame_that_hangs_fails_the_render_naming_the_frame(tmp_path: Path) -> None:
    scene = tmp_path / "hang.qml"
    scene.write_text(MOVING.read_text().replace("    Timeline {", HANG + "    Timeline {", 1))
    out = tmp_path / "out.mp4"
    out.write_bytes(b"an earlier render")
    limit = 6.0
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "studio_render", "render", str(scene), "-o", str(out), "-j", "1",
         "--frame-timeout", str(limit), "--progress", "json"],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    took = time.monotonic() - started
    assert done.returncode == 1, done.stderr
    events = json_events(done.stdout)
    message = events[-1]["message"]
    assert re.match(r"frame 40 hangs: took more than [\d.]+ s \(frames before it: ", message)
    assert "on two attempts" in message and "binding loop" in message
    assert "Traceback" not in done.stderr
    waits = [e for e in events if e["event"] == "waiting"]
    assert any(e["frame"] == 40 and e["seconds"] >= 3 for e in waits), waits  # named it
    # Two attempts, each given at most the limit, plus starting up: not 3 x 120 s.
    assert took < 2 * limit + 20, took
    print(f"\nhang at frame 40 failed the render after {took:.1f} s (limit {limit:g} s)")
    assert out.read_bytes() == b"an earlier render"
    assert leftovers(tmp_path) == []


SLOW = """
    // every frame takes 25 ms of wall time to draw, however busy the machine is
    property int slow: { const t = Date.now(); while (Date.now() - t < 25) {} return frame }
    Text { x: 100; y: 4; text: root.slow; color: "white"; font.pixelSize: 10 }
"""


@pytest.fixture(scope="module")
def slow_scene(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A 240-frame scene whose frames take 25 ms each (a 120-frame chunk: 3 s), and its
    frames' hashes. Slow enough that a worker stopped a fifth of the way into its chunk is
    still drawing when the stop lands, however late the test hears of its progress."""
    scene = tmp_path_factory.mktemp("slow") / "slow.qml"
    scene.write_text(
        MOVING.read_text().replace("durationInFrames: 45", "durationInFrames: 240")
        .replace("    Timeline {", SLOW + "    Timeline {", 1)
    )  # fmt: skip
    reference = scene.with_name("reference.mkv")
    done = studio_render("render", scene, "-o", reference, "--preset", "ffv1", "-j", "1",
                         "--chunk-frames", "1000", "--progress", "none")  # fmt: skip
    assert done.returncode == 0, done.stderr
    return scene, framemd5(reference)


def test_a_stopped_worker_is_replaced_in_seconds_and_the_output_is_exact(
    qtbot: QtBot, tmp_path: Path, slow_scene: tuple[Path, list[str]]
) -> None:
    scene, reference = slow_scene
    out = tmp_path / "out.mkv"
    engine = RenderEngine()
    job = prepare_job(probe_composition(scene), RenderSettings(
        output=out, preset="ffv1", concurrency=2, chunk_frames=120))  # fmt: skip
    pids: dict[int, int] = {}
    stopped: dict[str, float] = {}
    retried: list[float] = []

    def on_started(index: int, pid: int, attempt: int) -> None:
        pids[index] = pid
        if attempt == 2:
            retried.append(time.monotonic())

    def on_progress(index: int, state: str, fraction: float) -> None:
        if index == 0 and fraction > 0.2 and not stopped:
            os.kill(pids[0], signal.SIGSTOP)  # the worker only; its encoder lives on
            stopped["at"] = time.monotonic()

    engine.chunkStarted.connect(on_started)
    engine.chunkStateChanged.connect(on_progress)
    with qtbot.waitSignal(engine.finished, timeout=120000):
        engine.start(job)
    assert stopped and retried, "the stopped worker's chunk was started again"
    detected = retried[0] - stopped["at"]
    print(f"\nstopped worker replaced {detected:.1f} s after SIGSTOP")
    assert detected < 15  # the watch gives up after 5 s here; the rest is a loaded machine
    assert framemd5(out) == reference


@pytest.mark.parametrize("limit", ["0", "-1", "nan"])
def test_a_frame_timeout_that_is_not_positive_is_refused(tmp_path: Path, limit: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "studio_render", "render", str(MOVING), "-o",
         str(tmp_path / "o.mp4"), "--frame-timeout", limit],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"studio-render: error: frame timeout {float(limit):g} s must be more than 0"
    ]
