"""How fast QML frames are drawn and read back, per renderer, at 1080p: no encoder.

Each case runs in a fresh worker-like process (the platform and the scene graph backend
are chosen once per process), loads the scene at the output size, draws ``--frames``
frames after a few warm-up frames and prints frames per second (median of ``--repeat``
runs, cases interleaved so a noisy machine treats them alike). Cases: the bundled demo on
the software path (as renders choose it) and on the GPU path; the title-card test scene
(MultiEffect blur, shadow, glow) drawn at 1920x1080 on the GPU path; the animation scene.

    python benchmarks/qml_bench.py [--frames 120] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = [
    ("demo (1080p), software", ROOT / "resources/demo/demo.qml", "auto"),
    ("demo (1080p), gpu", ROOT / "resources/demo/demo.qml", "gpu"),
    ("title card at 1920x1080, gpu", ROOT / "tests/data/scenes/title_card.qml", "auto"),
    ("shader at 1920x1080, gpu", ROOT / "tests/data/scenes/shader.qml", "auto"),
    ("animations at 1920x1080, software", ROOT / "tests/data/scenes/animations.qml", "auto"),
]
_CHILD = """
import json, sys, time
from studio_render.worker.main import _qt_app
_qt_app()
from studio_render.core.composition import CompositionInfo
from studio_render.compositions.qml import probe_qml
from studio_render.worker.frames import QmlSource
path, renderer, frames = sys.argv[1], sys.argv[2], int(sys.argv[3])
info = probe_qml(__import__("pathlib").Path(path), renderer)
source = QmlSource(info, (1920, 1080), False, "#000000", renderer)
for frame in range(5):
    source.frame(frame % info.frame_count)
start = time.perf_counter()
for frame in range(frames):
    source.frame((5 + frame) % info.frame_count)
elapsed = time.perf_counter() - start
source.close()
print(json.dumps({"fps": frames / elapsed, "backend": source.scene.backend}))
"""


def run_case(path: Path, renderer: str, frames: int) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), renderer, str(frames)],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, list[float]] = {name: [] for name, _, _ in CASES}
    backends: dict[str, object] = {}
    for _ in range(args.repeat):
        for name, path, renderer in CASES:
            result = run_case(path, renderer, args.frames)
            results[name].append(float(str(result["fps"])))
            backends[name] = result["backend"]
    print(f"| case | backend | fps (median of {args.repeat}) | range |")
    print("|---|---|---|---|")
    for name, values in results.items():
        print(f"| {name} | {backends[name]} | {statistics.median(values):.1f} | "
              f"{min(values):.1f}-{max(values):.1f} |")  # fmt: skip


if __name__ == "__main__":
    main()
