"""Random numbers in QML scenes repeat: particles and ``Math.random()`` draw from Qt's
shared generator, which each scene load seeds the same way (compositions/qml_random.py).
Frames are the same between renders and whether rendered in sequence or first in a
chunk (particle painters are synced, not drawn, while the clock is stepped there).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.cli import studio_render
from tests.conftest import ROOT
from tests.media import framemd5

SCENES = ROOT / "tests" / "data" / "scenes"


def render(scene: Path, out: Path, *args: str) -> list[str]:
    done = studio_render("render", scene, "-o", out, "--preset", "ffv1", "--progress", "none",
                         *args, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stderr, done.stderr
    return framemd5(out)


def test_items_as_particles_trails_and_math_random_repeat(tmp_path: Path) -> None:
    """random.qml: ItemParticle delegates coloured with Math.random(), a TrailEmitter of
    sprite particles, a square moved by Math.random() on every frame change."""
    scene = SCENES / "random.qml"
    one = render(scene, tmp_path / "one.mkv", "-j", "1", "--chunk-frames", "1000")
    three = render(scene, tmp_path / "three.mkv", "-j", "3", "--chunk-frames", "5")
    again = render(scene, tmp_path / "again.mkv", "-j", "1", "--chunk-frames", "1000")
    assert len(one) == 30 and len(set(one)) == 30  # every frame moves
    assert one == three == again


def test_particles_repeat_between_renders(tmp_path: Path) -> None:
    scene = SCENES / "particles.qml"
    first = render(scene, tmp_path / "first.mkv", "-j", "1")
    second = render(scene, tmp_path / "second.mkv", "-j", "1")
    assert len(set(first)) >= 25  # the particles move (the first frames are empty)
    assert first == second


_SEEDED = """
from PySide6.QtCore import QRandomGenerator
from studio_render.compositions.qml_random import seed_global_random
seed_global_random(7)
first = [QRandomGenerator.global_().generate() for _ in range(4)]
seed_global_random(7)
again = [QRandomGenerator.global_().generate() for _ in range(4)]
reference = QRandomGenerator(7)
print(first == again == [reference.generate() for _ in range(4)])
"""


def test_the_global_generator_restarts_as_a_seeded_one() -> None:
    """Qt refuses seed() on QRandomGenerator::global() (qFatal): a process of its own."""
    done = subprocess.run([sys.executable, "-c", _SEEDED], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"


def test_particles_changing_group_are_warned_about(tmp_path: Path) -> None:
    """Qt times group changes partly by its own QElapsedTimer: not repeatable."""
    scene = tmp_path / "groups.qml"
    scene.write_text(
        "import QtQuick\nimport QtQuick.Particles\n"
        "Rectangle { width: 64; height: 64; property int frame\n"
        "  property int durationInFrames: 3\n"
        '  ParticleSystem { ParticleGroup { name: "seed"; duration: 100; to: { "bloom": 1 } }\n'
        '    ParticleGroup { name: "bloom" } } }\n'
    )
    done = studio_render("info", scene)
    assert "ParticleGroup seed: particle state changes are timed partly by the wall clock" in (
        done.stdout
    ), done.stdout + done.stderr
    assert "ParticleGroup bloom" not in done.stdout
