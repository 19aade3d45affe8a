"""Preview latency and playback rate at 640x360, as the window's preview panel shows them.

    python benchmarks/preview_bench.py [--moves 40] [--play-s 3] [COMPOSITION ...]

For each composition (default: the demo, a 1080p Lottie file of the shared corpus, an
effect-heavy QML scene and a scene with time-driven animations):

* latency: slider move to the frame's picture handed to the canvas, for ``--moves``
  random positions (each waits for its picture), median and 95th percentile, split into
  forward and backward moves (a QML scene with time-driven animations replays its clock
  from frame 0 for a frame before the one shown);
* playback: frames shown per second over ``--play-s`` seconds of playback. A preview
  without playback (before issue 12) is driven by moving the slider one frame at the
  composition's rate, which is what playing would ask of it.

Works against any checkout with ``PreviewPanel`` (run it with ``PYTHONPATH`` pointing at an
older tree to measure that tree's preview). Prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parents[1]
DEFAULTS = [
    ROOT / "resources" / "demo" / "demo.qml",
    ROOT.parent / "shared" / "corpus" / "lottie" / "A Shapes_All_01_1920x1080.json",
    ROOT / "tests" / "data" / "scenes" / "title_card.qml",
    ROOT / "tests" / "data" / "scenes" / "animations.qml",
]


def probe(path: Path) -> object:
    from studio_render.core.composition import CompositionInfo

    out = subprocess.run([sys.executable, "-m", "studio_render.worker", "probe", str(path)],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    data = json.loads(out.strip().splitlines()[-1])["info"]
    data.pop("duration_s", None)
    for key in ("gpu_items", "warnings", "remote"):
        if key in data:
            data[key] = tuple(data[key])
    return CompositionInfo(**data)


def pump(app: QApplication, until: object, timeout_s: float) -> bool:
    end = time.perf_counter() + timeout_s
    while not until() and time.perf_counter() < end:  # type: ignore[operator]
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 2)
    return bool(until())  # type: ignore[operator]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(app: QApplication, path: Path, moves: int, play_s: float) -> dict[str, object]:
    from studio_render.gui.preview import PreviewPanel

    info = probe(path)
    panel = PreviewPanel()
    panel.canvas.setFixedSize(640, 360)
    panel.show()
    shown: list[tuple[float, int]] = []

    def on_ready(frame: int, _image: QImage) -> None:
        shown.append((time.perf_counter(), frame))

    panel.renderer.ready.connect(on_ready)
    panel.renderer.failed.connect(lambda message: print(f"{path.name}: {message}"))
    panel.set_composition(info)  # type: ignore[arg-type]
    if not pump(app, lambda: shown, 60):
        raise SystemExit(f"{path.name}: no first frame")
    last = panel.slider.maximum()
    rng = random.Random(12)
    forward: list[float] = []
    backward: list[float] = []
    at = 0
    for _ in range(moves):
        frame = rng.choice([f for f in range(last + 1) if f != at])
        count = len(shown)
        moved = time.perf_counter()
        panel.slider.setValue(frame)
        if not pump(app, lambda c=count, f=frame: len(shown) > c and shown[-1][1] == f, 30):
            raise SystemExit(f"{path.name}: frame {frame} never came")
        (forward if frame > at else backward).append((shown[-1][0] - moved) * 1000)
        at = frame
    shown.clear()
    panel.slider.setValue(0)
    pump(app, lambda: shown and shown[-1][1] == 0, 30)
    shown.clear()
    if hasattr(panel, "play"):
        started = time.perf_counter()
        panel.play()
        pump(app, lambda: False, play_s)
        panel.pause()
    else:  # no playback: move the slider at the composition's rate, as playing would
        timer = QTimer()
        timer.setInterval(round(1000 / info.fps))  # type: ignore[attr-defined]
        timer.timeout.connect(lambda: panel.slider.setValue((panel.slider.value() + 1) % last))
        started = time.perf_counter()
        timer.start()
        pump(app, lambda: False, play_s)
        timer.stop()
    played = [t for t, _ in shown if t - started <= play_s]
    workers = getattr(panel.renderer, "started", None)
    panel.renderer.shutdown()
    pump(app, lambda: not panel.renderer.busy, 10)
    panel.deleteLater()
    both = forward + backward
    return {
        "name": path.name,
        "median": statistics.median(both),
        "p95": percentile(both, 0.95),
        "forward": statistics.median(forward) if forward else float("nan"),
        "backward": statistics.median(backward) if backward else float("nan"),
        "fps": len(played) / play_s,
        "native": info.fps,  # type: ignore[attr-defined]
        "workers": workers,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("compositions", nargs="*", type=Path)
    parser.add_argument("--moves", type=int, default=40)
    parser.add_argument("--play-s", type=float, default=3.0)
    args = parser.parse_args()
    app = QApplication([])
    rows = [measure(app, path, args.moves, args.play_s)
            for path in args.compositions or DEFAULTS if path.exists()]  # fmt: skip
    import studio_render

    print(f"preview at 640x360, {args.moves} slider moves, {args.play_s:g} s of playback "
          f"({Path(studio_render.__file__).parent.parent})")  # fmt: skip
    print("| composition | latency median ms | p95 ms | forward ms | backward ms "
          "| playback fps (of) | workers started |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['name']} | {r['median']:.0f} | {r['p95']:.0f} | {r['forward']:.0f} "
              f"| {r['backward']:.0f} | {r['fps']:.1f} ({r['native']:g}) "
              f"| {r['workers'] if r['workers'] is not None else 'one per frame'} |")  # fmt: skip


if __name__ == "__main__":
    main()
