"""AnimatedImage and AnimatedSprite follow the frame clock: the same frame every time,
in sequence or first in a chunk, and the frame of the GIF or sheet for that time.

The scene (tests/data/scenes/animated_media.qml) shows a 10 fps GIF of six solid colours
and a 10 frames-a-second sprite sheet of four at 30 fps: frame ``k`` shows GIF frame
``k // 3 % 6`` and sprite frame ``k // 3 % 4``; the GIF made to play once, at speed 2,
shows frame ``2 * k // 3`` up to its last, then holds it; the sheet played once shows
``k // 3`` up to its last and rests there; the frame-synced sheet shows ``k % 4``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QColor, QImage

from studio_render.compositions.qml_playback import image_frame
from tests.cli import studio_render
from tests.conftest import ROOT
from tests.media import framemd5
from tests.test_qml_fidelity import frame_hashes

SCENES = ROOT / "tests" / "data" / "scenes"
SCENE = SCENES / "animated_media.qml"
GIF_COLOURS = ["#ff0000", "#00ff00", "#0000ff", "#ffff00", "#ff00ff", "#00ffff"]
SHEET_COLOURS = ["#ff8000", "#8000ff", "#00ff80", "#ffffff"]
CENTRES = [(68, 68), (228, 68), (40, 150), (120, 150), (180, 150)]


def expected(k: int) -> tuple[str, ...]:
    """The colours of the GIF, the sprite, the once-played GIF, the once-played sprite and
    the frame-synced sprite at frame ``k``."""
    return (
        GIF_COLOURS[k // 3 % 6],
        SHEET_COLOURS[k // 3 % 4],
        GIF_COLOURS[min(2 * k // 3, 5)],
        SHEET_COLOURS[min(k // 3, 3)],
        SHEET_COLOURS[k % 4],
    )


def render(scene: Path, out: Path, *args: str) -> None:
    """Render ``scene`` through the command line: no failure, no warning."""
    done = studio_render("render", scene, "-o", out, "--progress", "none", *args, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stderr, done.stderr


def colour_at(image: QImage, point: tuple[int, int]) -> str:
    return QColor(image.pixel(*point)).name()


def test_chunks_identical_to_one_sequence(tmp_path: Path) -> None:
    """Seams every 5 frames fall inside GIF and sprite frames (3 video frames each)."""
    render(SCENE, tmp_path / "one.mkv", "--preset", "ffv1", "-j", "1", "--chunk-frames", "1000")
    render(SCENE, tmp_path / "three.mkv", "--preset", "ffv1", "-j", "3", "--chunk-frames", "5")
    one, three = framemd5(tmp_path / "one.mkv"), framemd5(tmp_path / "three.mkv")
    assert len(one) == 40
    assert one == three
    assert len(set(one)) == len({expected(k) for k in range(40)})  # advance, and repeat


def test_frames_show_the_animation_at_their_time(tmp_path: Path) -> None:
    render(SCENE, tmp_path / "frames", "--preset", "png", "-j", "2", "--chunk-frames", "7")
    previous: QImage | None = None
    for k in range(40):
        image = QImage(str(tmp_path / "frames" / f"frame_{k:06d}.png"))
        shown = tuple(colour_at(image, centre) for centre in CENTRES)
        assert shown == expected(k), f"frame {k}"
        if previous is not None:
            changed = colour_at(image, CENTRES[0]) != colour_at(previous, CENTRES[0])
            assert changed == (k % 3 == 0), f"frame {k}: GIF frame changed {changed}"
        previous = image


def test_uneven_delays_loops_and_speed() -> None:
    """As QMovie plays them: frame delays, ``1 + loopCount`` plays, then the last frame."""
    delays = (100, 50, 250)
    times = (0, 99, 100, 149, 150, 399, 400, 450, 4900)
    assert [image_frame(delays, -1, t, 1.0) for t in times] == [0, 0, 1, 1, 2, 2, 0, 0, 1]
    assert [image_frame(delays, 1, t, 1.0) for t in (400, 799, 800, 5000)] == [0, 2, 2, 2]
    assert [image_frame(delays, 0, t, 1.0) for t in (399, 400)] == [2, 2]
    assert image_frame(delays, -1, 60, 2.0) == 1  # 120 ms of the file
    assert image_frame((), -1, 500, 1.0) == 0


def test_a_worker_going_back_draws_what_a_fresh_one_does() -> None:
    """Earlier frames after later ones (a worker taking an earlier chunk): no clock to
    rewind, the pictures follow the frame number."""
    jumped = frame_hashes(SCENE, [12, 13, 3, 4])
    assert jumped[2:] == frame_hashes(SCENE, [3, 4])
    assert jumped[0][1] != jumped[2][1]
