"""Real renders through the command line: real worker processes, real ffmpeg."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from studio_render.core.ffmpeg import find_ffmpeg
from tests.cli import json_events, leftovers, studio_render
from tests.conftest import MOVING, RESOURCES
from tests.media import duration_s, frame_count, framemd5, scene_with_audio, streams


def render(comp: Path, out: Path, *args: str) -> None:
    done = studio_render("render", comp, "-o", out, "--progress", "none", *args)
    assert done.returncode == 0, done.stderr
    assert out.exists()
    assert leftovers(out.parent) == []


LOTTIE_CASES = [
    ("it's_lunch_time!.json", []),  # apostrophe and exclamation mark
    ("spin,_lil_loader_v2.json", []),  # comma
    ("A Shapes_All_01_1920x1080.json", ["--size", "480x"]),  # space, scaled down
    ("1st_animation.lottie", ["--size", "200x200"]),  # dotLottie archive
]


@pytest.mark.parametrize(("name", "extra"), LOTTIE_CASES, ids=[c[0] for c in LOTTIE_CASES])
def test_lottie_ffv1_identical_at_any_concurrency(
    corpus: Path, tmp_path: Path, name: str, extra: list[str]
) -> None:
    comp = corpus / name
    one = tmp_path / "one, 'quoted' file.mkv"
    three = tmp_path / "three chunks.mkv"
    render(comp, one, "--preset", "ffv1", "-j", "1", "--chunk-frames", "100000", *extra)
    render(comp, three, "--preset", "ffv1", "-j", "3", "--chunk-frames", "7", *extra)
    expected = int(json_events(studio_render("info", comp, "--json").stdout)[0]["frame_count"])
    a, b = framemd5(one), framemd5(three)
    assert len(a) == expected
    assert a == b
    assert len(set(a)) > 1, "the animation must move for the seams to matter"


def test_qml_ffv1_identical_at_any_concurrency(tmp_path: Path) -> None:
    one, three = tmp_path / "one.mkv", tmp_path / "three.mkv"
    render(MOVING, one, "--preset", "ffv1", "-j", "1", "--chunk-frames", "1000")
    render(MOVING, three, "--preset", "ffv1", "-j", "3", "--chunk-frames", "8")
    a, b = framemd5(one), framemd5(three)
    assert len(a) == 45 and a == b
    assert len(set(a)) == 45, "every frame of the test scene differs"


@pytest.mark.parametrize("comp_name", ["qml", "lottie"])
def test_h264_exact_frame_count_and_duration(corpus: Path, tmp_path: Path, comp_name: str) -> None:
    comp = MOVING if comp_name == "qml" else corpus / "it's_lunch_time!.json"
    frames, fps = (45, 30.0) if comp_name == "qml" else (74, 25.0)  # Lottie: op 74, exclusive
    out = tmp_path / "out, with 'quotes'.mp4"
    render(comp, out, "-j", "2", "--chunk-frames", "10")
    assert frame_count(out) == frames
    assert duration_s(out) == pytest.approx(frames / fps, abs=0.011)
    assert "h264" in streams(out) and "yuv420p" in streams(out)


def test_frame_range_and_odd_size_is_padded(tmp_path: Path) -> None:
    out = tmp_path / "part.mp4"
    render(MOVING, out, "--frames", "10:31", "--size", "161x91", "-j", "2")
    assert frame_count(out) == 21
    assert "162x92" in streams(out)


def test_frame_range_matches_the_same_frames_of_a_full_render(tmp_path: Path) -> None:
    full, part = tmp_path / "full.mkv", tmp_path / "part.mkv"
    render(MOVING, full, "--preset", "ffv1", "-j", "1")
    render(MOVING, part, "--preset", "ffv1", "--frames", "17:40", "-j", "2", "--chunk-frames", "5")
    assert framemd5(part) == framemd5(full)[17:40]


@pytest.mark.parametrize(
    ("preset", "suffix", "codec", "extra"),
    [
        ("h265", ".mp4", "hevc", []),
        ("vp9", ".webm", "vp9", ["--alpha"]),
        ("prores", ".mov", "prores", []),
        ("gif", ".gif", "gif", []),
        ("ffv1", ".mkv", "ffv1", []),
    ],
)
def test_presets(tmp_path: Path, preset: str, suffix: str, codec: str, extra: list[str]) -> None:
    out = tmp_path / f"out{suffix}"
    render(MOVING, out, "--preset", preset, "-j", "2", "--chunk-frames", "15", *extra)
    assert frame_count(out) == 45
    assert codec in streams(out)


def test_png_sequence_numbered_by_frame(tmp_path: Path) -> None:
    out = tmp_path / "frames"
    render(MOVING, out, "--preset", "png", "--frames", "5:20", "-j", "2", "--chunk-frames", "4")
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"frame_{n:06d}.png" for n in range(5, 20)]


def test_audio_is_encoded_once_and_cut_to_the_video(tmp_path: Path) -> None:
    import subprocess

    from studio_render.core.ffmpeg import find_ffmpeg

    audio = tmp_path / "tone.wav"
    subprocess.run([find_ffmpeg(), "-v", "error", "-f", "lavfi", "-i", "sine=f=440:d=3",
                    str(audio)], check=True)  # fmt: skip
    scene = scene_with_audio(MOVING, tmp_path, "tone.wav")
    info = json_events(studio_render("info", scene, "--json").stdout)[0]
    assert info["audio"] == str(audio)
    out = tmp_path / "out.mp4"
    render(scene, out, "-j", "2", "--chunk-frames", "10")
    assert "Audio: aac" in streams(out)
    assert frame_count(out) == 45
    assert duration_s(out) == pytest.approx(1.5, abs=0.05)
    part = tmp_path / "part.mp4"
    render(scene, part, "--frames", "30:45", "-j", "2")
    assert "Audio: aac" in streams(part)
    assert duration_s(part) == pytest.approx(0.5, abs=0.05)


def test_existing_output_replaced_only_by_a_complete_file(tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    out.write_bytes(b"the artist's earlier render")
    render(MOVING, out, "-j", "2")
    assert frame_count(out) == 45


def test_an_output_link_stays_and_the_file_it_names_keeps_its_permissions(
    tmp_path: Path,
) -> None:
    """``latest.mp4`` linking to a render elsewhere: the linked file is replaced by the
    new render (its work folder beside it), the link stays, and so do the file's
    permissions."""
    target = tmp_path / "renders" / "v3.mp4"
    target.parent.mkdir()
    target.write_bytes(b"the artist's earlier render")
    target.chmod(0o444)
    link = tmp_path / "latest.mp4"
    link.symlink_to(target)
    render(MOVING, link, "-j", "2")
    assert link.is_symlink() and link.resolve() == target
    assert frame_count(target) == 45
    assert stat.S_IMODE(target.stat().st_mode) == 0o444
    assert leftovers(target.parent) == []


def test_demo_qml_is_bundled_and_renders(tmp_path: Path) -> None:
    demo = RESOURCES / "demo" / "demo.qml"
    info = json_events(studio_render("info", demo, "--json").stdout)[0]
    assert (info["width"], info["height"], info["fps"]) == (1920, 1080, 30)
    assert info["frame_count"] >= 300 and info["audio"]
    out = tmp_path / "demo.mp4"
    render(demo, out, "--frames", "0:20", "--size", "480x", "-j", "2")
    assert frame_count(out) == 20
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_tgs_sticker_renders_like_its_json(corpus: Path, tmp_path: Path) -> None:
    import gzip

    source = corpus / "spin,_lil_loader_v2.json"
    sticker = tmp_path / "sticker, 'spin'.tgs"
    sticker.write_bytes(gzip.compress(source.read_bytes()))
    from_json, from_tgs = tmp_path / "json.mkv", tmp_path / "tgs.mkv"
    render(source, from_json, "--preset", "ffv1", "-j", "2")
    render(sticker, from_tgs, "--preset", "ffv1", "-j", "2")
    assert framemd5(from_tgs) == framemd5(from_json)


def _logging_ffmpeg(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment whose ffmpeg logs its command lines, and the log."""
    log = tmp_path / "ffmpeg-calls.txt"
    wrapper = tmp_path / "ffmpeg"
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{find_ffmpeg()}" "$@"\n')
    wrapper.chmod(0o755)
    return {**os.environ, "STUDIO_RENDER_FFMPEG": str(wrapper)}, log


@pytest.mark.skipif(os.name != "posix", reason="the logging ffmpeg wrapper is a shell script")
def test_parallel_chunk_encoders_share_the_cores(tmp_path: Path) -> None:
    env, log = _logging_ffmpeg(tmp_path)
    out = tmp_path / "out.mp4"
    done = studio_render(
        "render", MOVING, "-o", out, "-j", "2", "--chunk-frames", "15", "--progress", "none",
        env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    encoders = [call for call in log.read_text().splitlines() if "-i pipe:0" in call]
    assert len(encoders) >= 3  # one a chunk
    threads = f"-threads {max(1, (os.cpu_count() or 1) // 2)} "
    assert all(threads in call for call in encoders), encoders
    assert frame_count(out) == 45


def test_an_output_link_into_a_missing_folder_or_a_loop_is_refused(tmp_path: Path) -> None:
    from tests.test_bad_input import check_refused

    link = tmp_path / "latest.mp4"
    link.symlink_to(tmp_path / "gone" / "v3.mp4")
    check_refused(["render", MOVING, "-o", link], f"output folder {tmp_path / 'gone'} does not",
                  tmp_path)  # fmt: skip
    assert link.is_symlink()
    link.unlink()
    link.symlink_to(tmp_path / "back.mp4")
    (tmp_path / "back.mp4").symlink_to(link)
    check_refused(["render", MOVING, "-o", link], "is a loop of symbolic links", tmp_path)


@pytest.mark.skipif(not shutil.which("taskset"), reason="needs taskset (util-linux)")
def test_a_render_held_to_one_core_sizes_its_workers_and_encoder_for_it(tmp_path: Path) -> None:
    """Pinned to one core (as a CPU quota or a container would hold it), a render's default
    concurrency is one, and its encoder is told of one thread (x264 would start threads
    for every core of the machine)."""
    held = ["taskset", "-c", "0", sys.executable]
    default = subprocess.run(
        [*held, "-c", "from studio_render.core.job import default_concurrency as d; print(d())"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert default.stdout.strip() == "1"
    env, log = _logging_ffmpeg(tmp_path)
    out = tmp_path / "out.mp4"
    argv = [*held, "-m", "studio_render", "render", str(MOVING), "-o", str(out), "-j", "1",
            "--chunk-frames", "15", "--progress", "none"]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=240)
    assert done.returncode == 0, done.stderr
    encoders = [call for call in log.read_text().splitlines() if "-i pipe:0" in call]
    assert len(encoders) == 3 and all("-threads 1 " in call for call in encoders), encoders
    assert frame_count(out) == 45
