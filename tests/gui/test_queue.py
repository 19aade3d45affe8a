"""The render queue through the window: order, persistence, interrupted renders."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QAbstractButton, QMessageBox
from pytestqt.qtbot import QtBot

from studio_render.core.job import RenderJob
from studio_render.gui import dialogs
from studio_render.gui.main_window import MainWindow
from studio_render.gui.render_queue import FILE_NAME, Status
from studio_render.qt.engine import ChunkState
from tests.conftest import live_children
from tests.gui.conftest import RENDER_TIMEOUT_MS, WindowFactory, close_window, load, set_render
from tests.media import frame_count
from tests.test_engine import long_scene  # noqa: F401  (a fixture)
from tests.test_resume import finished


def statuses(window: MainWindow) -> list[Status]:
    return [item.status for item in window.queue_model.items()]


def click(qtbot: QtBot, button: QAbstractButton) -> None:
    assert button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_queue_renders_in_order_and_survives_a_restart(
    qtbot: QtBot,
    make_window: WindowFactory,
    composition: Path,
    tmp_path: Path,
    opened_urls: list[QUrl],
):
    window = make_window()
    load(qtbot, window, composition)
    first, second = tmp_path / "first.mp4", tmp_path / "second.mp4"
    set_render(window, first, frames=(0, 11), chunk_frames=6)
    click(qtbot, window.queue_button)
    set_render(window, second, frames=(12, 29), chunk_frames=6)
    click(qtbot, window.queue_button)
    assert statuses(window) == [Status.PENDING, Status.PENDING]
    assert not first.exists() and not second.exists()  # queued, not started

    started: list[str] = []
    window.controller.itemStarted.connect(started.append)
    click(qtbot, window.queue_panel.start_button)
    qtbot.waitUntil(lambda: statuses(window) == [Status.DONE, Status.DONE],
                    timeout=RENDER_TIMEOUT_MS)  # fmt: skip
    ids = [item.id for item in window.queue_model.items()]
    assert started == ids  # one at a time, top to bottom
    a, b = window.queue_model.items()
    assert a.ended_at is not None and b.started_at is not None and a.ended_at <= b.started_at
    assert frame_count(first) == 12 and frame_count(second) == 18
    assert not window.controller.running_queue and window.render_button.isEnabled()

    close_window(qtbot, window)
    saved = json.loads((tmp_path / "data" / FILE_NAME).read_text())
    assert [i["status"] for i in saved["items"]] == ["done", "done"]

    again = make_window()
    assert [i.id for i in again.queue_model.items()] == ids
    assert statuses(again) == [Status.DONE, Status.DONE]
    assert again.queue_model.items()[0].output == first
    again.queue_panel.select(ids[0])
    click(qtbot, again.queue_panel.open_button)
    assert [u.toLocalFile() for u in opened_urls] == [str(first)]


def close_mid_render(qtbot: QtBot, window: MainWindow, output: Path) -> None:
    """Start a render of 30 frames in chunks of 3 and ask to close once a chunk is done."""
    set_render(window, output, frames=(0, 29), chunk_frames=3, preset="ffv1")
    click(qtbot, window.render_button)
    strip = window.progress.strip
    qtbot.waitUntil(lambda: strip.count(ChunkState.DONE) >= 1, timeout=RENDER_TIMEOUT_MS)
    window.close()
    qtbot.waitUntil(lambda: window.close_box is not None and window.close_box.isVisible())


def answer(qtbot: QtBot, window: MainWindow, button_name: str) -> None:
    box = window.close_box  # the one open (an earlier one may await deletion)
    assert isinstance(box, QMessageBox) and box.objectName() == "closeDuringRenderBox"
    button = box.findChild(QAbstractButton, button_name)
    assert isinstance(button, QAbstractButton), button_name
    click(qtbot, button)


def test_closing_mid_render_keeps_the_finished_chunks_for_resume(
    qtbot: QtBot, make_window: WindowFactory, composition: Path, tmp_path: Path
):
    """Keep: the work folder holds the finished chunks only; after a restart the item is
    interrupted, and Resume reuses those chunks (real workers) and renders the rest."""
    window = make_window()
    load(qtbot, window, composition)
    output = tmp_path / "quit.mkv"
    close_mid_render(qtbot, window, output)
    with qtbot.waitSignal(window.closed, timeout=10_000):
        answer(qtbot, window, dialogs.KEEP)
    assert not live_children()
    assert not output.exists()
    (work,) = tmp_path.glob(".*.studio-render")
    listed = finished(work)
    assert listed
    assert sorted(f.name for f in work.iterdir()) == sorted(
        [*(str(e["file"]) for e in listed), "finished.jsonl", "job.json", "lock"]
    )  # no partial chunk, nothing else

    again = make_window()
    (item,) = again.queue_model.items()
    assert item.status is Status.INTERRUPTED
    assert again.queue_model.index(0, 2).data() == "Interrupted"
    assert "interrupted" in again.statusBar().currentMessage()
    again.queue_panel.select(item.id)
    assert again.queue_panel.again_button.text() == "Resume"
    engine = again.controller.engine
    jobs: list[RenderJob | None] = []
    engine.chunkStarted.connect(lambda *args: jobs.append(engine.job))
    with qtbot.waitSignal(again.controller.itemEnded, timeout=RENDER_TIMEOUT_MS):
        click(qtbot, again.queue_panel.again_button)
    assert again.queue_model.get(item.id).status is Status.DONE and frame_count(output) == 30
    job = jobs[0]
    assert job is not None
    reused = {(s.start, s.end) for s in job.reused}
    assert reused == {(int(str(e["start"])), int(str(e["end"]))) for e in listed}
    assert sum(c.frame_count for c in job.chunks) == 30 - sum(e - s for s, e in reused)
    assert not list(tmp_path.glob(".*.studio-render"))


def test_closing_mid_render_can_be_called_off_or_discard_the_render(
    qtbot: QtBot, make_window: WindowFactory, composition: Path, tmp_path: Path
):
    """Don't Close: the render goes on. Discard: nothing is left, the item is cancelled."""
    window = make_window()
    load(qtbot, window, composition)
    output = tmp_path / "quit.mkv"
    close_mid_render(qtbot, window, output)
    answer(qtbot, window, dialogs.DONT_CLOSE)
    assert window.close_box is None and window.isVisible() and window.controller.busy
    window.close()  # asked again
    qtbot.waitUntil(lambda: window.close_box is not None and window.close_box.isVisible())
    with qtbot.waitSignal(window.closed, timeout=10_000):
        answer(qtbot, window, dialogs.DISCARD)
    assert not live_children()
    assert not output.exists() and not list(tmp_path.glob(".*.studio-render"))
    again = make_window()
    (item,) = again.queue_model.items()
    assert item.status is Status.CANCELLED


def test_a_crash_mid_render_loads_as_interrupted(make_window: WindowFactory, tmp_path: Path):
    """A queue file written while a render ran (the app then died) is read back as interrupted."""
    data = tmp_path / "data"
    data.mkdir()
    settings = {"output": str(tmp_path / "x.mp4"), "concurrency": 2}
    entry = {"id": "abc", "composition": "/x.qml", "settings": settings, "status": "running"}
    (data / FILE_NAME).write_text(json.dumps({"version": 1, "items": [entry]}))
    window = make_window()
    assert statuses(window) == [Status.INTERRUPTED]


def test_queue_panel_cancels_and_removes_waiting_renders(
    qtbot: QtBot, make_window: WindowFactory, composition: Path, tmp_path: Path
):
    window = make_window()
    load(qtbot, window, composition)
    for name in ("a", "b"):
        set_render(window, tmp_path / f"{name}.mp4", frames=(0, 5))
        click(qtbot, window.queue_button)
    panel = window.queue_panel
    a, b = (item.id for item in window.queue_model.items())

    panel.select(b)
    assert not panel.again_button.isEnabled() and not panel.open_button.isEnabled()
    click(qtbot, panel.cancel_button)
    assert statuses(window) == [Status.PENDING, Status.CANCELLED]
    click(qtbot, panel.remove_button)
    assert [i.id for i in window.queue_model.items()] == [a]

    panel.select(a)
    with qtbot.waitSignal(window.controller.itemEnded, timeout=RENDER_TIMEOUT_MS):
        click(qtbot, panel.start_button)
    assert statuses(window) == [Status.DONE]
    assert panel.again_button.isEnabled() and panel.open_button.isEnabled()
    assert window.queue_model.index(0, 2).data().startswith("Done: ")


def test_a_render_killed_with_the_app_resumes_from_its_finished_chunks(
    qtbot: QtBot,
    make_window: WindowFactory,
    tmp_path: Path,
    long_scene: tuple[Path, list[str]],  # noqa: F811
) -> None:
    """The app was killed mid-render (its queue says running, its work folder holds the
    finished chunks): the item shows as interrupted with Resume, which renders only the
    rest, with real workers, and gives every frame exactly once."""
    from studio_render.core.job import RenderSettings
    from studio_render.gui.render_queue import QueueItem, RenderQueue
    from tests.media import framemd5
    from tests.test_resume import kill_at_half

    scene, reference = long_scene
    out = tmp_path / "out.mkv"
    work = kill_at_half(scene, out)  # the settings below are the same job
    done_before = finished(work)
    assert done_before
    queue = RenderQueue(tmp_path / "data" / FILE_NAME)
    settings = RenderSettings(output=out, preset="ffv1", concurrency=2, chunk_frames=30)
    item = QueueItem(str(scene), settings, status=Status.RUNNING)
    queue.add(item)
    queue.save()

    window = make_window()
    assert window.queue_model.get(item.id).status is Status.INTERRUPTED
    window.queue_panel.select(item.id)
    button = window.queue_panel.again_button
    assert button.text() == "Resume" and button.isEnabled()
    engine = window.controller.engine
    jobs = []
    engine.chunkStarted.connect(lambda *args: jobs.append(engine.job))
    with qtbot.waitSignal(window.controller.itemEnded, timeout=RENDER_TIMEOUT_MS):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.queue_model.get(item.id).status is Status.DONE
    job = jobs[0]
    assert job is not None
    rendered = {(c.start, c.end) for c in job.chunks}
    assert sum(e - s for s, e in rendered) == 300 - sum(
        int(e["end"]) - int(e["start"])  # type: ignore[call-overload]
        for e in done_before
    )  # only the rest rendered
    reused = {(s.start, s.end) for s in job.reused}
    assert reused == {(int(e["start"]), int(e["end"])) for e in done_before}  # type: ignore[call-overload]
    assert framemd5(out) == reference
    assert button.text() == "Run Again"
