"""A render of one chunk: its encoder writes the output itself, with no join pass."""

from __future__ import annotations

import subprocess
from pathlib import Path

from pytestqt.qtbot import QtBot

from studio_render.compositions.probe import probe_composition
from studio_render.core.ffmpeg import find_ffmpeg
from studio_render.core.job import RenderSettings, prepare_job
from studio_render.qt.engine import RenderEngine
from tests.cli import json_events, leftovers, studio_render
from tests.conftest import MOVING
from tests.media import frame_count, framemd5, scene_with_audio, streams


def top_level_boxes(mp4: Path) -> list[str]:
    """The MP4's top-level box names, in file order."""
    data, names, at = mp4.read_bytes(), [], 0
    while at + 8 <= len(data):
        size = int.from_bytes(data[at : at + 4], "big")
        names.append(data[at + 4 : at + 8].decode())
        at += size if size >= 8 else len(data)
    return names


def test_one_chunk_is_the_output_with_faststart_and_no_join(tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    out.write_bytes(b"earlier render")
    done = studio_render("render", MOVING, "-o", out, "-j", "2", "--chunk-frames", "45",
                         "--progress", "json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    events = json_events(done.stdout)
    progress = [e for e in events if e["event"] == "progress"]
    assert "joining" not in {e["stage"] for e in progress}, "no join pass"
    values = [e["progress"] for e in progress]
    assert values == sorted(values) and values.count(1.0) == 1 and values[-1] == 1.0
    assert events[-1] == {"event": "done", "output": str(out)}
    assert frame_count(out) == 45
    boxes = top_level_boxes(out)
    assert boxes.index("moov") < boxes.index("mdat"), "+faststart: the index comes first"
    assert leftovers(tmp_path) == []


def test_one_chunk_on_two_workers_is_not_split_and_matches_many_chunks(
    qtbot: QtBot, tmp_path: Path
) -> None:
    info = probe_composition(MOVING)
    many = tmp_path / "many.mkv"
    done = studio_render("render", MOVING, "-o", many, "--preset", "ffv1", "-j", "2",
                         "--chunk-frames", "10", "--progress", "none")  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = tmp_path / "one.mkv"
    job = prepare_job(info, RenderSettings(output=out, preset="ffv1", concurrency=2,
                                           chunk_frames=45))  # fmt: skip
    assert job.single_chunk
    engine = RenderEngine()
    started: list[int] = []
    engine.chunkStarted.connect(lambda index, pid, attempt: started.append(index))
    with qtbot.waitSignal(engine.finished, timeout=60000):
        engine.start(job)
    assert started == [0], "the idle worker did not take part of the only chunk"
    assert framemd5(out) == framemd5(many)
    assert leftovers(tmp_path) == []


def test_one_chunk_with_audio_is_joined_with_its_audio(tmp_path: Path) -> None:
    tone = tmp_path / "tone.wav"
    subprocess.run([find_ffmpeg(), "-v", "error", "-f", "lavfi", "-i", "sine=d=2", str(tone)],
                   check=True)  # fmt: skip
    scene = scene_with_audio(MOVING, tmp_path, "tone.wav")
    out = tmp_path / "out.mp4"
    done = studio_render("render", scene, "-o", out, "-j", "2", "--chunk-frames", "45",
                         "--progress", "json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    # the audio goes in at the join pass: a one-chunk render with audio is joined (its
    # "joining" stage may be too short to be reported, so the stream is what is checked)
    assert "Audio: aac" in streams(out)
    assert frame_count(out) == 45
    assert leftovers(tmp_path) == []
