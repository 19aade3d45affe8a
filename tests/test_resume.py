"""A render killed outright leaves its finished chunks; the same render again reuses them."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.cli import json_events, leftovers, studio_render
from tests.conftest import worker_processes
from tests.media import framemd5
from tests.test_engine import long_scene  # noqa: F401  (a fixture)

ARGS = ["--preset", "ffv1", "-j", "2", "--chunk-frames", "30", "--progress", "json"]


def render_command(scene: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "studio_render", "render", str(scene), "-o", str(out),
            *ARGS, *extra]  # fmt: skip


def kill_at_half(scene: Path, out: Path, *extra: str) -> Path:
    """Run the render, SIGKILL it once half done; its work folder, holding finished chunks."""
    proc = subprocess.Popen(render_command(scene, out, *extra), stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    assert proc.stdout is not None
    for line in proc.stdout:
        if json.loads(line).get("progress", 0) >= 0.5:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    proc.stdout.close()
    (work,) = out.parent.glob(".*.studio-render")
    deadline = time.monotonic() + 5  # its workers see their stdin end and go
    while worker_processes():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return work


def finished(work: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (work / "finished.jsonl").read_text().splitlines()]


def test_a_killed_render_resumes_from_its_finished_chunks(
    tmp_path: Path,
    long_scene: tuple[Path, list[str]],  # noqa: F811
) -> None:
    scene, reference = long_scene
    out = tmp_path / "out.mkv"
    work = kill_at_half(scene, out)
    done_before = finished(work)
    assert done_before, "chunks had finished before the kill"
    files = {work / str(e["file"]): (work / str(e["file"])).stat() for e in done_before}
    changed: list[Path] = []

    def watch() -> None:  # a chunk file rendered again would be rewritten: new mtime
        while work.is_dir():
            for path, before in files.items():
                try:
                    now = path.stat()
                except FileNotFoundError:
                    break  # the folder is being removed: the render has ended
                if (now.st_ino, now.st_mtime_ns, now.st_size) != (
                    before.st_ino, before.st_mtime_ns, before.st_size
                ):  # fmt: skip
                    changed.append(path)
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    again = subprocess.run(render_command(scene, out), capture_output=True, text=True,
                           timeout=240)  # fmt: skip
    watcher.join()
    assert again.returncode == 0, again.stderr
    events = json_events(again.stdout)
    reused = sum(int(e["end"]) - int(e["start"]) for e in done_before)  # type: ignore[call-overload]
    assert events[0] == {"event": "resumed", "frames_reused": reused}
    progress = [e for e in events if e["event"] == "progress"]
    assert progress[0]["frames_done"] == reused  # counted as done from the start
    values = [e["progress"] for e in progress]
    assert values == sorted(values) and values[-1] == 1.0
    assert changed == [], "reused chunks were not rendered again"
    assert framemd5(out) == reference  # every frame exactly once
    assert leftovers(tmp_path) == []
    print(f"\nkilled at 50%: {len(done_before)} chunks ({reused} of 300 frames) reused")


def test_a_changed_setting_or_composition_reuses_nothing(
    tmp_path: Path,
    long_scene: tuple[Path, list[str]],  # noqa: F811
) -> None:
    scene, _ = long_scene
    own = tmp_path / "scene"
    own.mkdir()
    scene = Path(shutil.copy(scene, own / "long.qml"))
    out = tmp_path / "out" / "out.mkv"
    out.parent.mkdir()
    kill_at_half(scene, out)
    other = subprocess.run(render_command(scene, out, "--size", "320x180"),
                           capture_output=True, text=True, timeout=240)  # fmt: skip
    assert other.returncode == 0, other.stderr
    assert "resumed" not in other.stdout
    assert leftovers(out.parent) == []  # the killed render's folder went with this output
    kill_at_half(scene, out)
    scene.write_text(scene.read_text() + "\n// edited\n")
    edited = subprocess.run(render_command(scene, out), capture_output=True, text=True,
                            timeout=240)  # fmt: skip
    assert edited.returncode == 0, edited.stderr
    assert "resumed" not in edited.stdout
    assert leftovers(out.parent) == []


def test_fresh_clean_and_week_old_folders(
    tmp_path: Path,
    long_scene: tuple[Path, list[str]],  # noqa: F811
) -> None:
    scene, _ = long_scene
    out = tmp_path / "out.mkv"
    work = kill_at_half(scene, out)
    listed = studio_render("clean", tmp_path, "--dry-run")
    assert listed.returncode == 0
    assert f"{work}  " in listed.stdout and f"for {out}: kept" in listed.stdout
    assert work.is_dir()
    cleaned = studio_render("clean", tmp_path)
    assert f"for {out}: removed" in cleaned.stdout
    assert leftovers(tmp_path) == []
    assert "No work folders." in studio_render("clean", tmp_path).stdout

    kill_at_half(scene, out)
    fresh = subprocess.run(render_command(scene, out, "--fresh"), capture_output=True,
                           text=True, timeout=240)  # fmt: skip
    assert fresh.returncode == 0 and "resumed" not in fresh.stdout

    old = tmp_path / ".another.mkv.0123456789abcdef.studio-render"
    old.mkdir()
    (old / "chunk0000-0.mkv").write_bytes(b"x" * 1000)
    week_ago = time.time() - 8 * 24 * 3600
    for path in (old / "chunk0000-0.mkv", old):
        os.utime(path, (week_ago, week_ago))
    recent = tmp_path / ".third.mkv.fedcba9876543210.studio-render"
    recent.mkdir()
    done = studio_render("render", scene, "-o", tmp_path / "small.mkv", "--preset", "ffv1",
                         "--frames", "0:10", "--progress", "none")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert not old.exists(), "a week-old work folder of another job is removed"
    assert recent.is_dir(), "a recent one of another job is kept"


def test_the_job_hash_holds_the_renderer_used_not_the_name_asked_for(
    corpus: Path, tmp_path: Path
) -> None:
    """``--renderer auto`` and ``--renderer thorvg`` draw a Lottie file alike: they share
    the work folder and chunk names, so either resumes the other."""
    from studio_render.compositions.probe import probe_composition
    from studio_render.core.job import RenderJob, RenderSettings, prepare_job

    info = probe_composition(corpus / "heart.json")
    jobs: dict[str, RenderJob] = {}
    for renderer in ("auto", "thorvg"):
        settings = RenderSettings(output=tmp_path / "out.mkv", preset="ffv1", concurrency=2,
                                  chunk_frames=10, renderer=renderer)  # fmt: skip
        jobs[renderer] = job = prepare_job(info, settings)
        assert job.renderer == "thorvg"
    try:
        auto, thorvg = jobs.values()
        assert auto.work_dir == thorvg.work_dir
        names = {r: [job.chunk_file(c).name for c in job.chunks] for r, job in jobs.items()}
        assert names["auto"] == names["thorvg"]
    finally:
        for job in jobs.values():
            job.remove_work_dir()
    assert leftovers(tmp_path) == []
