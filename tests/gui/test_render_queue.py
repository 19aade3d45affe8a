"""The Qt-free queue model and its JSON file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from studio_render.core.job import RenderSettings
from studio_render.gui.formatting import format_duration, format_size
from studio_render.gui.render_queue import (
    MAX_HISTORY,
    QueueItem,
    RenderQueue,
    Status,
    settings_from_json,
    settings_to_json,
)


def test_render_queue_does_not_import_qt():
    code = (
        "import sys, studio_render.gui.render_queue, studio_render.gui.formatting\n"
        "assert not [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


settings_strategy = st.builds(
    RenderSettings,
    output=st.just(Path("/tmp/out.mp4")),
    preset=st.sampled_from(["h264", "vp9", "png"]),
    concurrency=st.integers(1, 64),
    frames=st.none() | st.tuples(st.integers(0, 100), st.integers(101, 200)),
    chunk_frames=st.none() | st.integers(1, 100),
    size=st.none() | st.tuples(st.none() | st.integers(1, 4000), st.none() | st.integers(1, 4000)),
    crf=st.none() | st.integers(0, 51),
    speed=st.none() | st.sampled_from(["fast", "slow"]),
    alpha=st.booleans(),
    retries=st.integers(0, 3),
)


@given(settings_strategy)
def test_settings_survive_json(settings: RenderSettings):
    assert settings_from_json(settings_to_json(settings)) == settings


def test_queue_saves_and_loads(tmp_path: Path):
    path = tmp_path / "sub" / "queue.json"
    queue = RenderQueue(path)
    a = QueueItem("/a.qml", RenderSettings(Path("/a.mp4"), concurrency=2))
    b = QueueItem("/b.json", RenderSettings(Path("/b.webm"), preset="vp9", concurrency=4))
    queue.add(a)
    queue.add(b)
    b.status, b.message = Status.RUNNING, "Rendering"
    queue.save()
    loaded = RenderQueue(path)
    loaded.load()
    assert [i.id for i in loaded] == [a.id, b.id]
    assert loaded.get(a.id).settings == a.settings and loaded[0].status is Status.PENDING
    assert loaded.get(b.id).status is Status.INTERRUPTED  # never "running" after a restart
    first_pending = loaded.next_pending()
    assert first_pending is not None and first_pending.id == a.id


def test_a_corrupt_queue_file_is_kept_aside(tmp_path: Path):
    path = tmp_path / "queue.json"
    path.write_text("{not json")
    queue = RenderQueue(path)
    queue.load()
    assert len(queue) == 0 and (tmp_path / "queue.json.corrupt").exists()


def test_history_is_bounded():
    queue = RenderQueue()
    for n in range(MAX_HISTORY + 3):
        item = QueueItem(f"/{n}.qml", RenderSettings(Path(f"/{n}.mp4"), concurrency=1))
        item.status = Status.DONE
        queue.add(item)
    assert [i.composition for i in queue.surplus_history()] == ["/0.qml", "/1.qml", "/2.qml"]


def test_reset_forgets_the_last_run():
    item = QueueItem("/a.qml", RenderSettings(Path("/a.mp4"), concurrency=1))
    item.status, item.progress, item.message, item.started_at = Status.FAILED, 0.5, "x", 1.0
    item.reset()
    assert (item.status, item.progress, item.message, item.started_at) == (
        Status.PENDING, 0.0, "", None,
    )  # fmt: skip


def test_formatting():
    assert [format_duration(s) for s in (None, 0, 7.4, 61, 3725)] == [
        "--:--", "0:00", "0:07", "1:01", "1:02:05",
    ]  # fmt: skip
    assert [format_size(n) for n in (None, 999, 1234, 12_345_678, 4_000_000_000)] == [
        "unknown size", "999 bytes", "1.2 KB", "12.3 MB", "4.0 GB",
    ]  # fmt: skip
