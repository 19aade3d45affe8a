"""Rendering on a cluster from the window: a real scheduler and two real workers on 127.0.0.1."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from PySide6.QtCore import Qt, QTimer
from pytestqt.qtbot import QtBot

from studio_render.gui.main_window import MainWindow
from studio_render.gui.render_queue import Status
from studio_render.qt.aggregator import BAR_MAXIMUM
from tests.gui.conftest import RENDER_TIMEOUT_MS, WindowFactory, set_render
from tests.media import frame_count

pytest.importorskip("distributed")

from tests.cluster.fixtures import running_cluster, two_workers
from tests.cluster.local_cluster import LocalCluster, free_port

__all__ = ["two_workers"]  # a fixture, imported to be found here

CONNECT_TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    """The shared test cluster, stopped after this module: other window tests check that
    no child process is left running."""
    with running_cluster(tmp_path_factory) as started:
        yield started


def choose_cluster(window: MainWindow, address: str) -> None:
    form = window.target_form
    form.combo.setCurrentIndex(form.combo.findData("cluster"))
    form.address_edit.setText(address)


class GuiTicks:
    """Records the longest gap between timer ticks: how long the GUI thread was blocked."""

    def __init__(self) -> None:
        self.last = time.monotonic()
        self.longest = 0.0
        self.timer = QTimer()
        self.timer.timeout.connect(self._tick)
        self.timer.start(20)

    def _tick(self) -> None:
        now = time.monotonic()
        self.longest = max(self.longest, now - self.last)
        self.last = now


def test_connection_test_reports_workers_and_cores(
    qtbot: QtBot, make_window: WindowFactory, two_workers: LocalCluster
) -> None:
    window = make_window()
    form = window.target_form
    assert not form.address_edit.isVisible() and not form.test_button.isVisible()
    choose_cluster(window, two_workers.address)
    assert form.address_edit.isVisible() and form.test_button.isVisible()
    ticks = GuiTicks()
    qtbot.mouseClick(form.test_button, Qt.MouseButton.LeftButton)
    assert form.status_label.text().startswith("Connecting to")
    assert not form.test_button.isEnabled()
    qtbot.waitUntil(lambda: "2 workers, 2 cores" in form.status_label.text(), timeout=20_000)
    assert form.status_label.text() == "✓ Connected: 2 workers, 2 cores"
    assert form.test_button.isEnabled()
    assert ticks.longest < 0.5, f"the window was blocked for {ticks.longest:.2f} s"


def test_unreachable_cluster_shows_an_error_without_freezing(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    form = window.target_form
    form.timeout_s = 2
    port = free_port()
    choose_cluster(window, f"127.0.0.1:{port}")
    ticks = GuiTicks()
    qtbot.mouseClick(form.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.status_label.text().startswith("✗"), timeout=CONNECT_TIMEOUT_MS)
    assert form.status_label.text().startswith(
        f"✗ Cannot connect to the cluster at tcp://127.0.0.1:{port}"
    )
    assert ticks.longest < 0.5, f"the window was blocked for {ticks.longest:.2f} s"


def _on_cluster_worker(pid: int, cluster: LocalCluster) -> bool:
    """``pid`` is a process under one of the cluster's workers (best effort: it may be gone)."""
    workers = {p.pid for p in cluster.worker_processes()}
    try:
        return any(parent.pid in workers for parent in psutil.Process(pid).parents())
    except psutil.Error:
        return False


def test_render_button_renders_on_the_cluster(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, two_workers: LocalCluster
) -> None:
    choose_cluster(window, two_workers.address)
    output = tmp_path / "cluster.mp4"
    set_render(window, output, frames=(0, 19), chunk_frames=5, workers=1)
    values: list[int] = []
    window.progress.bar.valueChanged.connect(values.append)
    remote: list[bool] = []
    window.controller.engine.chunkStarted.connect(
        lambda _i, pid, _a: remote.append(_on_cluster_worker(pid, two_workers))
    )
    on_cluster: list[bool] = []
    window.controller.jobStarting.connect(
        lambda *_: on_cluster.append(window.controller.on_cluster)
    )
    with qtbot.waitSignal(window.controller.itemEnded, timeout=RENDER_TIMEOUT_MS):
        qtbot.mouseClick(window.render_button, Qt.MouseButton.LeftButton)
    item = window.queue_model.get(window.last_item_id or "")
    assert item.status is Status.DONE, item.message
    assert frame_count(output) == 20
    assert values and all(b >= a for a, b in itertools.pairwise(values)), values
    assert values[-1] == BAR_MAXIMUM and window.progress.percent == 100
    assert on_cluster == [True]
    assert len(remote) == 4 and any(remote), remote  # 2 workers ran the 4 chunks
    qtbot.waitUntil(lambda: window.controller.is_settled)  # the session was closed


def test_cluster_failure_shows_like_other_render_failures(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    window.target_form.timeout_s = 1
    port = free_port()
    choose_cluster(window, f"127.0.0.1:{port}")
    set_render(window, tmp_path / "never.mp4", frames=(0, 9), chunk_frames=5)
    with qtbot.waitSignal(window.controller.itemEnded, timeout=CONNECT_TIMEOUT_MS):
        qtbot.mouseClick(window.render_button, Qt.MouseButton.LeftButton)
    item = window.queue_model.get(window.last_item_id or "")
    assert item.status is Status.FAILED
    assert f"cannot connect to the cluster at tcp://127.0.0.1:{port}" in item.message
    assert window.progress.stage_label.text().startswith("Failed: cannot connect")
    assert not (tmp_path / "never.mp4").exists()
    assert window.render_button.isEnabled()


def test_choice_and_address_persist_after_restart(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path
) -> None:
    window = make_window()
    choose_cluster(window, "tls://render1:8786")
    window.target_form.ca_edit.setText("/certs/ca.pem")
    window.close()
    qtbot.waitUntil(lambda: window._closed)

    again = make_window()
    form = again.target_form
    assert form.combo.currentData() == "cluster"
    assert form.address_edit.text() == "tls://render1:8786"
    assert form.ca_edit.text() == "/certs/ca.pem" and form.tls_box.isVisible()
    assert again.controller.target is not None
    assert again.controller.target.address == "tls://render1:8786"
    assert not again.form.concurrency_spin.isEnabled()  # the cluster's cores are used


def test_queued_renders_run_on_the_cluster(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, two_workers: LocalCluster
) -> None:
    choose_cluster(window, two_workers.address)
    outputs = [tmp_path / "a.mp4", tmp_path / "b.mp4"]
    for output in outputs:
        set_render(window, output, frames=(0, 9), chunk_frames=5)
        window.add_to_queue()
    sessions: list[bool] = []
    window.controller.jobStarting.connect(lambda *_: sessions.append(window.controller.on_cluster))
    window.start_queue_action.trigger()
    qtbot.waitUntil(
        lambda: not window.controller.busy and len(sessions) == 2, timeout=RENDER_TIMEOUT_MS
    )
    assert [item.status for item in window.queue_model.queue] == [Status.DONE, Status.DONE]
    assert sessions == [True, True]
    assert [frame_count(output) for output in outputs] == [10, 10]
    # closing the session lets the workers' warm render processes go
    qtbot.waitUntil(lambda: window.controller.is_settled, timeout=CONNECT_TIMEOUT_MS)


def test_cancel_while_connecting(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    window.target_form.timeout_s = 3
    choose_cluster(window, f"127.0.0.1:{free_port()}")
    set_render(window, tmp_path / "never.mp4", frames=(0, 9), chunk_frames=5)
    qtbot.mouseClick(window.render_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.controller.cluster.busy, timeout=CONNECT_TIMEOUT_MS)
    with qtbot.waitSignal(window.controller.itemEnded, timeout=1000):
        window.cancel_render()
    item = window.queue_model.get(window.last_item_id or "")
    assert item.status is Status.CANCELLED
    assert window.render_button.isEnabled()
    qtbot.waitUntil(lambda: window.controller.is_settled, timeout=CONNECT_TIMEOUT_MS)
