"""Settings found bad before any work: long names, sizes a codec refuses, audio that is not
audio or not local, a full disk, and worker errors as one line."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from studio_render.compositions.probe import probe_composition
from studio_render.core.ffmpeg import find_ffmpeg
from studio_render.core.job import RenderSettings, prepare_job
from studio_render.core.preflight import SAFE_ASPECT, SAFE_SIDES, try_encoder
from studio_render.core.presets import PRESETS
from studio_render.qt.engine import ChunkState, RenderEngine
from tests.cli import leftovers, studio_render
from tests.conftest import MOVING
from tests.media import frame_count, scene_with_audio
from tests.test_bad_input import check_refused


def test_a_250_character_name_renders_and_300_is_refused(tmp_path: Path) -> None:
    fits = tmp_path / ("n" * 246 + ".mp4")
    done = studio_render("render", MOVING, "-o", fits, "--progress", "none")
    assert done.returncode == 0, done.stderr
    assert frame_count(fits) == 45
    too_long = tmp_path / ("n" * 296 + ".mp4")
    check_refused(["render", MOVING, "-o", too_long], "output name is 300 bytes long", tmp_path)


@pytest.mark.parametrize(("preset", "suffix"), [("gif", ".gif"), ("ffv1", ".mkv"),
                                                ("h265", ".mp4")])  # fmt: skip
def test_a_size_the_codec_refuses_is_refused_before_work(
    tmp_path: Path, preset: str, suffix: str
) -> None:
    args = ["render", MOVING, "-o", tmp_path / f"out{suffix}", "--preset", preset]
    check_refused([*args, "--size", "1x9000"], f"preset {preset} cannot encode", tmp_path)


def test_every_preset_takes_the_corners_of_the_safe_sizes() -> None:
    """Sizes inside SAFE_SIDES and SAFE_ASPECT skip the trial: each encoder must take them."""
    low, high = SAFE_SIDES
    corners = [(low, low), (low * SAFE_ASPECT, low), (low, low * SAFE_ASPECT),
               (high, high // SAFE_ASPECT), (high // SAFE_ASPECT, high)]  # fmt: skip
    ffmpeg = find_ffmpeg()
    for preset in PRESETS.values():
        for alpha in {preset.keeps_alpha(False), preset.keeps_alpha(True)}:
            for width, height in corners:
                refusal = try_encoder(ffmpeg, preset, width, height, alpha)
                assert refusal is None, (preset.name, width, height, refusal)
    assert try_encoder(ffmpeg, PRESETS["h265"], 16384, 2, False) is not None  # trial can fail


def test_audio_that_is_not_audio_or_not_local_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.m4a").write_text("these are not sounds")
    scene = scene_with_audio(MOVING, tmp_path, "notes.m4a")
    expected = "audio notes.m4a: ffmpeg cannot decode it"
    check_refused(["render", scene, "-o", tmp_path / "out.mp4"], expected, tmp_path)
    check_refused(["info", scene], expected, tmp_path)
    remote = scene_with_audio(MOVING, tmp_path, "https://example.com/music.mp3")
    expected = "audio https://example.com/music.mp3 is not a local file"
    check_refused(["render", remote, "-o", tmp_path / "out.mp4"], expected, tmp_path)


def test_a_worker_error_is_one_line_with_the_encoder_lines_under_it(tmp_path: Path) -> None:
    fake = tmp_path / "ffmpeg"
    fake.write_text("#!/bin/sh\necho 'fake-encoder: cannot open the output' >&2\nexit 1\n")
    fake.chmod(0o755)
    env = {**os.environ, "STUDIO_RENDER_FFMPEG": str(fake)}
    args = ["-o", tmp_path / "out.mp4", "--retries", "0", "-j", "1", "--chunk-frames", "45"]
    done = studio_render("render", MOVING, *args, "--progress", "none", env=env)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    first, *details = done.stderr.strip().splitlines()
    assert first == ("studio-render: render failed: frames 0-44 failed: "
                     "the encoder (ffmpeg) exited with code 1"), done.stderr  # fmt: skip
    assert "  fake-encoder: cannot open the output" in details
    assert leftovers(tmp_path) == []


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Path:
    """A 768 kB filesystem (tmpfs; needs root): the chunks of MOVING as 1080p FFV1 (about
    1.1 MB, half of that in pictures drawn at output size) do not fit."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=768k", "tmpfs", str(folder)],
                             capture_output=True, text=True)  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem: {mounted.stderr.strip()}")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


def test_a_full_disk_stops_at_once_without_retries(qtbot: QtBot, tiny_disk: Path) -> None:
    """The disk fills while chunks render: the chunk is not retried (nor any other), and
    the message says how much room there is and about how much the render needs."""
    settings = RenderSettings(output=tiny_disk / "out.mkv", preset="ffv1", size=(1920, 1080),
                              concurrency=2, retries=2)  # fmt: skip
    job = prepare_job(probe_composition(MOVING), settings)
    engine = RenderEngine()
    attempts: list[tuple[int, int]] = []
    engine.chunkStarted.connect(lambda index, pid, attempt: attempts.append((index, attempt)))
    states: list[str] = []
    engine.chunkStateChanged.connect(lambda index, state, fraction: states.append(state))
    failures: list[str] = []
    engine.failed.connect(lambda message, details: failures.append(message))
    with qtbot.waitSignal(engine.ended, timeout=120000):
        engine.start(job)
    assert failures, "the render did not fail: the disk is too big for this test"
    message = failures[0]
    found = re.fullmatch(r"no space left on the output's disk \((\S+) MB free, "
                         r"about (\S+) MB needed\)", message)  # fmt: skip
    assert found, message
    free, needed = float(found[1]), float(found[2])
    assert 0.5 < free <= 0.8, message  # the 768 kB disk
    # About 2.2 MB (the chunks, then the joined file), estimated from the frames written
    # when the disk filled, which the progress reports a little late: 1.8-2.2 seen
    assert 1.2 < needed < 3, message
    assert ChunkState.FAILED in states  # while rendering, not when joining
    assert all(attempt == 1 for _, attempt in attempts), attempts  # no retries
    assert ChunkState.RETRYING not in states
    assert list(tiny_disk.iterdir()) == []
