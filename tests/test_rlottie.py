"""Lottie through rlottie (``--renderer rlottie``): fidelity where it beats ThorVG, alpha,
size, chunk seams, archives, refusals and bad files."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from tests.cli import leftovers, studio_render
from tests.conftest import MOVING
from tests.image_compare import on_background, read_png
from tests.lottie_reference import REFERENCE, render_and_compare
from tests.media import frame_count, framemd5


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="no lottie-web reference frames")
def test_rlottie_draws_like_json_as_lottie_web_does(tmp_path: Path) -> None:
    """A solid layer at 27% under a Difference mask: rlottie matches lottie-web on every
    reference frame (as ThorVG does once its solid layers are rewritten)."""
    result = render_and_compare("like.json", tmp_path / "frames", renderer="rlottie")
    assert result.matches, {n: c for n, c in result.frames.items() if not c.matches}


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="no lottie-web reference frames")
def test_thorvg_draws_a_turned_photo_closer_than_rlottie(tmp_path: Path) -> None:
    """On a turning, growing photo ThorVG, its images sampled where a browser samples them
    and cut where a browser cuts them, has fewer pixels far off lottie-web's and a higher
    SSIM than rlottie, whose edges were the closer before ThorVG's were cut (the one corpus
    file rlottie drew closer in some way)."""
    results = {
        renderer: render_and_compare("image_test.json", tmp_path / renderer, renderer=renderer)
        for renderer in ("rlottie", "thorvg")
    }
    assert results["thorvg"].worst_off_share < results["rlottie"].worst_off_share, results
    assert results["thorvg"].worst_ssim > results["rlottie"].worst_ssim, results
    assert results["thorvg"].matches, results


def test_soft_edges_keep_their_colour_over_a_background_and_in_alpha(
    corpus: Path, tmp_path: Path
) -> None:
    """rlottie draws premultiplied colour. The straight-alpha PNG of the command line times
    its alpha gives rlottie's own premultiplied pixels back, and put on a colour it equals
    the frame drawn on that background: no dark fringes on soft edges."""
    from studio_render.worker.rlottie_frames import RlottieSource

    comp = corpus / "confetti.json"  # semi-transparent dots with soft edges
    blue = (0x20, 0x50, 0xC0)
    done = studio_render("render", comp, "--frames", "17:18", "--size", "400x", "--preset",
                         "png", "-o", tmp_path / "frames", "--progress", "none",
                         "--renderer", "rlottie")  # fmt: skip
    assert done.returncode == 0, done.stderr
    rgba = read_png(tmp_path / "frames" / "frame_000017.png")
    source = RlottieSource(comp, (400, 400), False, "#2050c0")
    try:
        bgra = np.frombuffer(source.frame(17), np.uint8).reshape(400, 400, 4)
        opaque = bgra[..., [2, 1, 0]].copy()
        premultiplied = source._drawn[..., [2, 1, 0, 3]].copy()  # what rlottie drew
        assert (bgra[..., 3] == 255).all()
    finally:
        source.close()
    alpha = rgba[..., 3]
    soft = (alpha > 0) & (alpha < 255)
    assert soft.sum() > 2000, "the frame should have many semi-transparent pixels"
    assert np.array_equal(alpha, premultiplied[..., 3])
    back = (rgba[..., :3].astype(int) * alpha[..., None] + 127) // 255
    assert np.abs(back - premultiplied[..., :3]).max() <= 1
    diff = np.abs(on_background(rgba, blue).astype(int) - opaque).max(axis=2)
    assert diff.max() <= 2, f"pixels differ by up to {diff.max()}"
    # premultiplied values taken as straight alpha would have been visibly darker
    wrong = premultiplied.copy()
    wrong[..., :3] = premultiplied[..., :3].astype(int) * alpha[..., None] // 255
    assert np.abs(on_background(wrong, blue).astype(int) - opaque).max() > 20


def test_size_keeps_the_aspect_and_centres_the_picture(corpus: Path, tmp_path: Path) -> None:
    """like.json is 800x600: in a 400x400 frame it is the 400x300 picture, 50 rows down,
    on the background above and below."""
    pictures = {}
    for size in ("400x300", "400x400"):
        out = tmp_path / size
        done = studio_render("render", corpus / "like.json", "--frames", "20:21", "--size",
                             size, "--preset", "png", "-o", out, "--progress", "none",
                             "--renderer", "rlottie")  # fmt: skip
        assert done.returncode == 0, done.stderr
        pictures[size] = read_png(out / "frame_000020.png")
    square, fitted = pictures["400x400"], pictures["400x300"]
    assert square.shape == (400, 400, 4)
    assert (square[:50, ..., 3] == 0).all() and (square[350:, ..., 3] == 0).all()
    assert np.array_equal(square[50:350], fitted)
    assert fitted[..., 3].any()


def test_chunk_seams_at_three_workers_equal_one_worker(corpus: Path, tmp_path: Path) -> None:
    """rlottie keeps state from the frame it drew last (frame 28 of this file drawn right
    after frame 20 differs from frame 28 drawn after 27): every chunk gets a fresh
    animation, so short chunks on three workers give the frames of one sequence."""
    comp = corpus / "spin,_lil_loader_v2.json"
    hashes = []
    for jobs in ("1", "3"):
        out = tmp_path / f"j{jobs}.mkv"
        done = studio_render("render", comp, "-o", out, "--preset", "ffv1", "-j", jobs,
                             "--chunk-frames", "1000" if jobs == "1" else "4",
                             "--progress", "none", "--renderer", "rlottie")  # fmt: skip
        assert done.returncode == 0, done.stderr
        hashes.append(framemd5(out))
    assert len(hashes[0]) == 50
    assert hashes[0] == hashes[1]


def test_a_worker_draws_chunks_out_of_order_as_in_sequence(corpus: Path, tmp_path: Path) -> None:
    """One worker, chunks that jump back and forth: each equals the same frames of a
    sequential render (a worker that kept its rlottie animation would differ at 28)."""
    import threading

    from studio_render.compositions.probe import probe_composition
    from studio_render.core.chunk_run import run_chunk_attempt
    from studio_render.core.ffmpeg import find_ffmpeg
    from studio_render.core.job import RenderSettings, prepare_job
    from studio_render.core.plan import Chunk
    from studio_render.core.worker_pool import WorkerPool

    comp = corpus / "spin,_lil_loader_v2.json"
    info = probe_composition(comp, renderer="rlottie")
    settings = RenderSettings(output=tmp_path / "out.mkv", preset="ffv1", renderer="rlottie")
    job = prepare_job(info, settings)
    chunks = (Chunk(0, 0, info.frame_count), Chunk(1, 14, 21), Chunk(2, 28, 35),
              Chunk(3, 20, 21), Chunk(4, 28, 29))  # fmt: skip
    specs = [job.chunk_spec(chunk, find_ffmpeg()) for chunk in chunks]
    workers = WorkerPool()
    try:
        for spec in specs:  # one worker, in this order
            outcome = run_chunk_attempt(spec, threading.Event(), lambda r, e: None, workers=workers)
            assert outcome.ok, outcome
        assert workers.started == 1
        sequence = framemd5(Path(specs[0].output))
        for spec in specs[1:]:
            assert framemd5(Path(spec.output)) == sequence[spec.start : spec.end], spec.start
    finally:
        workers.close()
        job.remove_work_dir()


def test_a_dotlottie_and_a_sticker_render_and_leave_nothing_behind(
    corpus: Path, tmp_path: Path
) -> None:
    import gzip

    tgs = tmp_path / "sticker one.tgs"
    tgs.write_bytes(gzip.compress((corpus / "spin,_lil_loader_v2.json").read_bytes()))
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp)}
    for comp, frames in ((corpus / "1st_animation.lottie", 180), (tgs, 50)):
        out = tmp_path / f"{comp.stem}.mp4"
        done = studio_render("render", comp, "-o", out, "-j", "2", "--progress", "none",
                             "--renderer", "rlottie", env=env)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert frame_count(out) == frames
    assert list(temp.iterdir()) == []
    assert leftovers(tmp_path) == []


def test_info_names_the_renderer_and_refusals_are_one_line(corpus: Path, tmp_path: Path) -> None:
    like = corpus / "like.json"
    done = studio_render("info", like)
    assert done.returncode == 0 and "renderer:  thorvg" in done.stdout, done.stdout
    done = studio_render("info", like, "--renderer", "rlottie")
    assert done.returncode == 0 and "renderer:  rlottie" in done.stdout, done.stdout
    refused = {
        "--fps": ("render", like, "--renderer", "rlottie", "--fps", "50"),
        "draws whole frames": ("info", like, "--renderer", "rlottie", "--fps", "60"),
        "does not draw a Lottie": ("render", like, "--renderer", "gpu"),
        "does not draw a QML": ("render", MOVING, "--renderer", "rlottie"),
    }
    for words, args in refused.items():
        done = studio_render(*args, "-o", tmp_path / "out.mp4") if args[0] == "render" else (
            studio_render(*args))  # fmt: skip
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 2, (args, done.stderr)
        assert len(lines) == 1 and words in lines[0], (args, done.stderr)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["repro_infinite_loop.json",
                                  "repro_propertyhelper_type_confusion1.json"])  # fmt: skip
def test_a_bad_file_renders_or_fails_with_one_line(corpus: Path, tmp_path: Path, name: str) -> None:
    """Files that crashed or hung Lottie players: rlottie renders them, or the render ends
    in one line (a crash takes down a worker only), within the time a user would wait."""
    started = time.monotonic()
    done = studio_render("render", corpus / "bad" / name, "-o", tmp_path / "out.mp4",
                         "--progress", "none", "--renderer", "rlottie")  # fmt: skip
    assert time.monotonic() - started < 60
    assert done.returncode in (0, 2), done.stderr
    if done.returncode == 2:
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and name in lines[0] and "Traceback" not in done.stderr
    assert leftovers(tmp_path) == []


def test_a_frame_over_the_time_limit_is_named(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """rlottie frames are timed like ThorVG's: a frame that never finishes expires the
    watchdog (which ends the worker) with a message naming the file and frame."""
    import threading

    from studio_render.worker.rlottie_frames import RlottieSource
    from studio_render.worker.watchdog import Watchdog

    expired: list[str] = []
    done = threading.Event()

    def expire(what: str) -> None:
        expired.append(what)
        done.set()

    watchdog = Watchdog(expire, limit_s=0.2)
    source = RlottieSource(corpus / "like.json", (80, 60), False, "#ffffff", watchdog=watchdog)
    try:
        source.frame(3)  # in time
        monkeypatch.setattr(source, "_draw", lambda index: done.wait(10))  # a frame that hangs
        source.frame(7)
    finally:
        source.close()
    assert expired == ["like.json: frame 7 took longer than 0.2 s"]
