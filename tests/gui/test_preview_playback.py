"""The preview: warm worker, scrubbing, playback, keys, what it shows against what renders.

Real worker processes, real Qt, real renders through the command line.
"""

from __future__ import annotations

import os
import signal
import statistics
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from studio_render.gui.main_window import MainWindow
from tests.cli import studio_render
from tests.conftest import CORPUS, RESOURCES, ROOT, worker_processes
from tests.gui.conftest import LOAD_TIMEOUT_MS, WindowFactory, load
from tests.image_compare import read_png

SCENES = ROOT / "tests" / "data" / "scenes"
#: Slider move to picture, for the last of a quick scrub; generous for a loaded CI machine
#: (the benchmark measures it: benchmarks/preview_bench.py).
SCRUB_LATENCY_S = 2.0


def preview_window(make_window: WindowFactory, qtbot: QtBot, path: Path) -> MainWindow:
    """A window whose preview draws at 640 x 360 (for 16:9), with ``path`` loaded and its
    first frame shown."""
    window = make_window()
    window.preview.canvas.setFixedSize(640, 360)
    load(qtbot, window, path)
    qtbot.waitUntil(lambda: window.preview.shown == 0, timeout=LOAD_TIMEOUT_MS)
    return window


def show(qtbot: QtBot, window: MainWindow, frame: int) -> QImage:
    """Scrub to ``frame`` and wait until it is on screen."""
    preview = window.preview
    preview.slider.setValue(frame)
    qtbot.waitUntil(lambda: preview.shown == frame and not preview.renderer.busy,
                    timeout=LOAD_TIMEOUT_MS)  # fmt: skip
    return preview.canvas.image


def rgba(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGBA8888)
    h, w, stride = image.height(), image.width(), image.bytesPerLine()
    rows = np.frombuffer(image.constBits(), np.uint8, count=stride * h).reshape(h, stride)
    return rows[:, : w * 4].reshape(h, w, 4).copy()


def serving_workers() -> set[int]:
    return {p.pid for p in worker_processes() if "serve" in p.cmdline()}


def test_a_quick_scrub_shows_the_last_frame_from_one_warm_worker(
    make_window: WindowFactory, qtbot: QtBot
) -> None:
    window = preview_window(make_window, qtbot, RESOURCES / "demo" / "demo-small.qml")
    preview = window.preview
    seen = serving_workers()
    assert len(seen) == 1 and preview.renderer.started == 1
    positions = [(i * 37) % 60 for i in range(1, 51)]
    for frame in positions:  # 50 slider moves, 5 ms apart
        preview.slider.setValue(frame)
        qtbot.wait(5)
        seen |= serving_workers()
    moved = time.monotonic()
    last = positions[-1]
    qtbot.waitUntil(lambda: preview.shown == last and not preview.renderer.busy,
                    timeout=LOAD_TIMEOUT_MS)  # fmt: skip
    latency = time.monotonic() - moved
    assert latency < SCRUB_LATENCY_S, f"the last frame took {latency:.2f} s to show"
    assert preview.frame_label.text() == f"Frame {last} / 59"
    assert preview.renderer.started == 1 and len(seen) == 1, "a worker was started per frame"
    assert preview.error is None


def test_the_demo_plays_without_blocking_the_window(
    make_window: WindowFactory, qtbot: QtBot
) -> None:
    window = preview_window(make_window, qtbot, RESOURCES / "demo" / "demo.qml")
    preview = window.preview
    shown: list[int] = []
    preview.renderer.ready.connect(lambda frame, _image: shown.append(frame))
    # The GUI thread's probe: a 10 ms timer, with the wall time and this thread's CPU time
    # between its ticks (a gap the thread spent working is the window being blocked).
    gaps: list[tuple[float, float]] = []
    clock = QElapsedTimer()
    clock.start()
    last = [0.0, time.thread_time()]

    def probe() -> None:
        now, cpu = clock.nsecsElapsed() / 1e9, time.thread_time()
        gaps.append((now - last[0], cpu - last[1]))
        last[:] = [now, cpu]

    timer = QTimer()
    timer.timeout.connect(probe)
    timer.start(10)
    probe()
    play_button = window.findChild(type(preview.play_button), "playButton")
    assert play_button is preview.play_button
    qtbot.mouseClick(play_button, Qt.MouseButton.LeftButton)
    assert preview.playing
    qtbot.wait(3000)
    timer.stop()
    rate = preview.achieved_fps
    label = preview.rate_label.text()
    qtbot.keyClick(preview.canvas, Qt.Key.Key_Space)  # pause
    assert not preview.playing
    gaps = gaps[1:]
    assert len(shown) >= 15 and shown == sorted(shown), f"frames shown: {shown}"
    assert rate is not None and rate > 5 and label.endswith("/ 30 fps"), label
    assert preview.slider.value() == preview.shown or preview.renderer.busy
    worked = max(cpu for _wall, cpu in gaps)
    assert worked < 0.05, f"the GUI thread worked {worked * 1000:.0f} ms without a break"
    walls = [wall * 1000 for wall, _cpu in gaps]
    print(f"played {len(shown)} frames at {rate:.1f} fps; probe gaps: median "
          f"{statistics.median(walls):.1f} ms, max {max(walls):.1f} ms (wall), "
          f"{worked * 1000:.1f} ms (CPU)")  # fmt: skip


def test_keys_step_jump_and_mark_the_render_range(window: MainWindow, qtbot: QtBot) -> None:
    preview = window.preview
    qtbot.waitUntil(lambda: preview.shown == 0, timeout=LOAD_TIMEOUT_MS)
    canvas = preview.canvas
    qtbot.keyClick(canvas, Qt.Key.Key_End)
    assert preview.frame == 59
    qtbot.keyClick(canvas, Qt.Key.Key_Home)
    for _ in range(3):
        qtbot.keyClick(canvas, Qt.Key.Key_Right)
    qtbot.keyClick(canvas, Qt.Key.Key_Left)
    assert preview.frame == 2
    qtbot.waitUntil(lambda: preview.shown == 2 and not preview.renderer.busy)
    qtbot.keyClick(canvas, Qt.Key.Key_I)
    preview.slider.setValue(40)
    qtbot.keyClick(canvas, Qt.Key.Key_O)
    assert preview.slider.marks == (2, 40)
    form = window.form
    assert (form.first_frame.value(), form.last_frame.value()) == (2, 40)
    qtbot.keyClick(canvas, Qt.Key.Key_Space)  # plays between the marks
    qtbot.waitUntil(lambda: preview.shown is not None and preview.shown > 2, timeout=5000)
    qtbot.keyClick(canvas, Qt.Key.Key_Space)
    assert not preview.playing and 2 <= preview.frame <= 40


def _render_png(tmp_path: Path, composition: Path, frames: str, *args: str,
                size: str = "640x360") -> Path:  # fmt: skip
    out = tmp_path / f"{composition.stem}-frames"
    result = studio_render("render", composition, "-o", out, "--preset", "png", "--size",
                           size, "--frames", frames, "-j", "1", *args)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return out


@pytest.mark.parametrize(
    ("composition", "frames", "order"),
    [
        (RESOURCES / "demo" / "demo.qml", "100:103", [102, 100, 101]),
        # time-driven animations, then effects: a backward scrub replays the clock from 0
        (SCENES / "animations.qml", "20:22", [21, 20]),
        (SCENES / "title_card.qml", "10:12", [11, 10]),
        (CORPUS / "A Shapes_All_01_1920x1080.json", "30:32", [31, 30]),
    ],
    ids=["demo", "qml-animations", "qml-effects", "lottie-1080p"],
)
def test_the_preview_shows_the_rendered_frames(
    make_window: WindowFactory, qtbot: QtBot, tmp_path: Path, composition: Path,
    frames: str, order: list[int],
) -> None:  # fmt: skip
    if not composition.exists():
        pytest.skip(f"{composition} not found")
    rendered = _render_png(tmp_path, composition, frames)
    window = preview_window(make_window, qtbot, composition)
    for frame in order:
        picture = rgba(show(qtbot, window, frame))
        expected = read_png(rendered / f"frame_{frame:06d}.png")
        assert picture.shape == expected.shape == (360, 640, 4)
        off = np.abs(picture.astype(int) - expected).max()
        assert off == 0, f"frame {frame}: the preview differs from the render by {off} levels"


def test_a_killed_preview_worker_is_replaced_on_the_next_frame(
    make_window: WindowFactory, qtbot: QtBot
) -> None:
    window = preview_window(make_window, qtbot, RESOURCES / "demo" / "demo-small.qml")
    preview = window.preview
    pid = preview.renderer.pid
    assert pid is not None and pid in serving_workers()
    os.kill(pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: preview.error is not None, timeout=5000)
    assert "preview worker stopped" in preview.error and preview.message.isVisible()
    assert window.isVisible() and preview.slider.isEnabled()
    show(qtbot, window, 12)
    assert preview.error is None and preview.canvas.isVisible()
    assert preview.renderer.started == 2 and preview.renderer.pid != pid


def test_a_stuck_frame_is_abandoned(
    make_window: WindowFactory, qtbot: QtBot, tmp_path: Path
) -> None:
    scene = tmp_path / "stuck.qml"
    scene.write_text(
        "import QtQuick\n"
        "Rectangle {\n"
        "    width: 320; height: 180; color: 'teal'\n"
        "    property int frame: 0\n"
        "    property int durationInFrames: 10\n"
        "    property int hang: frame == 5 ? (function() { while (true) {} })() : 0\n"
        "}\n"
    )
    window = make_window()
    preview = window.preview
    preview.renderer.frame_limit_s = 1.0
    load(qtbot, window, scene)
    qtbot.waitUntil(lambda: preview.shown == 0, timeout=LOAD_TIMEOUT_MS)
    pid = preview.renderer.pid
    started = time.monotonic()
    preview.slider.setValue(5)
    qtbot.waitUntil(lambda: preview.error is not None, timeout=5000)
    assert time.monotonic() - started < 3
    assert "Frame 5 took more than 1 s" in preview.error
    qtbot.waitUntil(lambda: pid not in serving_workers(), timeout=3000)
    show(qtbot, window, 3)
    assert preview.error is None and preview.renderer.started == 2
