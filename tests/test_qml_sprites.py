"""SpriteSequence follows the frame clock: Qt's sprite engine rules at the time of each
frame, the same frame every time, in sequence or first in a chunk.

The scene (tests/data/scenes/sprite_sequence.qml) uses a sheet of four colours: "walker"
shows orange, purple (sprite "warm"), green, white ("cool"), 100 ms each, round and
round, until its goal becomes "still" (white) at frame 24; "jumper" shows one frame a
drawn frame and is jumped from sprite "a" (orange, purple) to "b" (green, white) by the
scene at frame 10; "dice" picks its next sprite at random.
"""

from __future__ import annotations

import random
from pathlib import Path

from PySide6.QtGui import QImage

from studio_render.compositions.qml_sprites import SequenceTimeline, SpriteSpec
from tests.cli import studio_render
from tests.conftest import ROOT
from tests.media import framemd5
from tests.test_qml_fidelity import frame_hashes
from tests.test_qml_playback import colour_at, render

SCENE = ROOT / "tests" / "data" / "scenes" / "sprite_sequence.qml"
SHEET = ["#ff8000", "#8000ff", "#00ff80", "#ffffff"]  # orange, purple, green, white
WALKER, JUMPER = (68, 68), (160, 40)


def expected(k: int) -> tuple[str, str]:
    """The walker's and the jumper's colours at frame ``k`` (30 fps).

    The walker changes colour every 3 frames (100 ms); "cool" ends at frame 24, when the
    goal "still" is set: it goes there and stays. The jumper starts on its second frame
    (Qt advances a frame-synced sprite before its first frame is drawn) and alternates,
    then from frame 10 shows "b" from its first frame.
    """
    walker = SHEET[3] if k >= 24 else SHEET[k // 3 % 4]
    jumper = SHEET[1 - k % 2] if k < 10 else SHEET[2 + (k - 10) % 2]
    return walker, jumper


def test_frames_show_the_sequence_at_their_time(tmp_path: Path) -> None:
    render(SCENE, tmp_path / "frames", "--preset", "png", "-j", "2", "--chunk-frames", "7")
    for k in range(40):
        image = QImage(str(tmp_path / "frames" / f"frame_{k:06d}.png"))
        assert (colour_at(image, WALKER), colour_at(image, JUMPER)) == expected(k), f"frame {k}"


def test_chunks_identical_to_one_sequence(tmp_path: Path) -> None:
    """Seams every 5 frames, inside sprites, mid-interpolation and mid-jump; the random
    transitions of "dice" are the same in every process."""
    render(SCENE, tmp_path / "one.mkv", "--preset", "ffv1", "-j", "1", "--chunk-frames", "1000")
    render(SCENE, tmp_path / "three.mkv", "--preset", "ffv1", "-j", "3", "--chunk-frames", "5")
    one, three = framemd5(tmp_path / "one.mkv"), framemd5(tmp_path / "three.mkv")
    assert len(one) == 40 and len(set(one)) > 30
    assert one == three


def test_a_worker_going_back_draws_what_a_fresh_one_does() -> None:
    jumped = frame_hashes(SCENE, [12, 13, 3, 4])
    assert jumped[2:] == frame_hashes(SCENE, [3, 4])
    assert jumped[0][1] != jumped[2][1]


def test_what_stays_unlike_qt_is_warned_about(tmp_path: Path) -> None:
    """Only a sequence whose sheets are local files is played on the frame clock, and
    its currentSprite is not updated."""
    scene = tmp_path / "remote.qml"
    scene.write_text(
        "import QtQuick\nRectangle { width: 64; height: 64; property int frame\n"
        "  property int durationInFrames: 3\n"
        "  SpriteSequence { id: walker; anchors.fill: parent\n"
        '    Sprite { name: "walk"; source: "http://127.0.0.1:9/sheet.png"; frameCount: 4;'
        " frameWidth: 16; frameHeight: 16; frameRate: 10 } }\n"
        "  Text { text: walker.currentSprite } }\n"
    )
    done = studio_render("info", scene)
    assert "SpriteSequence 'walker': sprite sheets from the network play on the wall clock" in (
        done.stdout
    ), done.stdout + done.stderr
    assert "remote.qml:6: currentSprite is not updated in renders" in done.stdout
    local = studio_render("info", SCENE)
    assert local.returncode == 0, local.stderr
    assert "warning" not in local.stdout, local.stdout


def _timeline(*sprites: SpriteSpec, goal: str = "") -> SequenceTimeline:
    return SequenceTimeline(list(sprites), goal, seed=0)


def test_durations_follow_qt_precedence() -> None:
    """frameRate, then frameDuration, then the old per-frame duration, else 1 s."""
    rng = random.Random(0)
    assert SpriteSpec("a", 4, frame_rate=10).varied_duration(rng) == 400
    assert SpriteSpec("a", 4, frame_rate=10, frame_duration=50).varied_duration(rng) == 400
    assert SpriteSpec("a", 4, frame_duration=50).varied_duration(rng) == 200
    assert SpriteSpec("a", 4, duration=30).varied_duration(rng) == 120
    assert SpriteSpec("a", 4).varied_duration(rng) == 1000
    assert SpriteSpec("a", 4, frame_rate=10, frame_sync=True).varied_duration(rng) == 0
    varied = {SpriteSpec("a", 2, frame_duration=100, frame_duration_variation=20)
              .varied_duration(rng) for _ in range(50)}  # fmt: skip
    assert min(varied) >= 160 and max(varied) <= 240 and len(varied) > 5


def test_a_sprite_ends_at_the_first_frame_after_its_duration() -> None:
    """Like Qt, the next sprite starts at the time of the frame that saw the end."""
    timeline = _timeline(
        SpriteSpec("a", 2, frame_duration=50, to=(("b", 1.0),)),
        SpriteSpec("b", 4, frame_duration=100, reverse=True),
    )
    shown = [timeline.tick(t)[0] for t in (0, 33, 67, 100, 133, 167)]
    assert [(s.sprite, s.frame) for s in shown] == [(0, 0), (0, 0), (0, 1), (1, 3), (1, 3),
                                                    (1, 3)]  # fmt: skip
    assert round(shown[1].progress, 2) == 0.66 and shown[1].next_frame == 1
    assert [(s.sprite, s.frame) for s in [timeline.tick(t)[0] for t in (200, 300, 400)]] == [
        (1, 2), (1, 1), (1, 0)]  # fmt: skip


def test_goals_take_a_shortest_way_and_hold() -> None:
    """Toward the goal even through a weight of 0; then the goal sprite repeats."""
    timeline = _timeline(
        SpriteSpec("a", 1, frame_duration=10, to=(("a", 1.0), ("b", 0.0))),
        SpriteSpec("b", 1, frame_duration=10, to=(("a", 1.0), ("c", 0.0))),
        SpriteSpec("c", 1, frame_duration=10, to=(("a", 1.0),)),
        goal="c",
    )
    states = [timeline.tick(t)[0].sprite for t in range(0, 60, 10)]
    assert states == [0, 1, 2, 2, 2, 2]
    assert timeline.jump(0, 60) and timeline.goal is None  # a jump forgets the goal
    assert not timeline.jump(0, 60)


def test_random_transitions_follow_the_weights() -> None:
    timeline = _timeline(
        SpriteSpec("a", 1, frame_duration=10, to=(("a", 3.0), ("b", 1.0))),
        SpriteSpec("b", 1, frame_duration=10, to=(("a", 1.0),)),
    )
    states = [timeline.tick(t)[0].sprite for t in range(0, 4000, 10)]
    assert 0.15 < states.count(1) / len(states) < 0.3  # b: a quarter of a's exits
    again = _timeline(*timeline.sprites)
    assert [again.tick(t)[0].sprite for t in range(0, 4000, 10)] == states
