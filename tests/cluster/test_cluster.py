"""Rendering on a real cluster: a scheduler and two workers, separate processes on 127.0.0.1.

Same frames as a local render, one monotonic bar, cancel that stops remote processes,
a killed worker, a chunk that keeps failing, versions, listening addresses.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import psutil
import pytest
from pytestqt.qtbot import QtBot

import studio_render
from studio_render.cluster.client import ClusterSession, test_connection
from studio_render.cluster.worker_plugin import spare_pids
from studio_render.core.chunkspec import ChunkSpec
from studio_render.core.errors import BadInput
from tests.cli import json_events, leftovers, render_reporting_qt
from tests.cli import studio_render as run_cli
from tests.cluster.helpers import start_render, wait_ended
from tests.cluster.local_cluster import (
    LocalCluster,
    describe,
    free_port,
    is_chunk_process,
    wait_gone,
)
from tests.media import framemd5


def test_connection_test_reports_workers_and_cores(two_workers: LocalCluster) -> None:
    info = test_connection(two_workers.address)
    assert (info.workers, info.cores) == (2, 2)
    assert info.describe() == "2 workers, 2 cores"


def test_unreachable_cluster_is_bad_input() -> None:
    port = free_port()
    with pytest.raises(
        BadInput, match=rf"cannot connect to the cluster at tcp://127\.0\.0\.1:{port}"
    ):
        test_connection(f"127.0.0.1:{port}", timeout=1)


@pytest.mark.parametrize(("option", "expected"), [
    (("--frames", "abc"), "frame range 'abc' is not START:END"),
    (("--size", "big"), "not WIDTHxHEIGHT")])  # fmt: skip
def test_options_that_do_not_parse_are_refused_before_the_cluster_is_tried(
    small_qml: Path, tmp_path: Path, option: tuple[str, str], expected: str
) -> None:
    """As a local render refuses them, and at once: not after trying to connect (10 s)."""
    port = free_port()
    done = run_cli("render", small_qml, "-o", tmp_path / "out.mp4", *option,
                   "--cluster", f"127.0.0.1:{port}")  # fmt: skip
    assert done.returncode == 2
    assert expected in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "cannot connect" not in done.stderr
    assert leftovers(tmp_path) == []


def test_other_versions_are_refused_on_connect(
    two_workers: LocalCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    theirs = studio_render.__version__
    monkeypatch.setattr(studio_render, "__version__", "99.0.0")  # only in this (client) process
    with pytest.raises(BadInput) as refused:
        ClusterSession(two_workers.address)
    message = str(refused.value)
    assert message.startswith(f"the cluster at {two_workers.address} runs other versions than "
                              "this computer (studio-render 99.0.0, python ")  # fmt: skip
    assert f"the scheduler has studio-render {theirs}" in message
    workers = re.findall(rf"worker tcp://127\.0\.0\.1:\d+ has studio-render {theirs}", message)
    assert len(workers) == 2
    assert message.endswith("Install the same versions on every machine")


def test_scheduler_and_workers_listen_on_the_given_address_only(two_workers: LocalCluster) -> None:
    listening = [
        (proc.pid, conn.laddr.ip, conn.laddr.port)
        for proc in two_workers.processes()
        for conn in proc.net_connections("inet")
        if conn.status == psutil.CONN_LISTEN
    ]
    assert len(listening) >= 2 + 2 * 2  # scheduler + HTTP; per worker its port + HTTP (+ nanny)
    assert {ip for _, ip, _ in listening} == {"127.0.0.1"}, listening


def test_qml_on_the_cluster_is_frame_identical_with_a_monotonic_bar(
    two_workers: LocalCluster, small_qml: Path, tmp_path: Path, local_framemd5: Any
) -> None:
    out = tmp_path / "cluster.mkv"
    done = run_cli("render", small_qml, "-o", out, "--preset", "ffv1", "--chunk-frames", "15",
                   "--cluster", two_workers.address, "--progress", "json")  # fmt: skip
    assert done.returncode == 0, done.stderr + two_workers.logs()
    events = json_events(done.stdout)
    values = [e["progress"] for e in events if e["event"] == "progress"]
    assert values[0] == 0 and values[-1] == 1.0
    assert all(b >= a for a, b in itertools.pairwise(values)), values
    assert events[-1] == {"event": "done", "output": str(out)}
    assert framemd5(out) == local_framemd5(small_qml, "-j", "2")
    assert leftovers(tmp_path) == []


def test_script_problems_on_the_workers_are_told_once(
    two_workers: LocalCluster, tmp_path: Path
) -> None:
    """The workers' render processes tell the frame-12 problem through worker events;
    the load's problem comes from the cluster's probe, once."""
    from tests.test_qml_fidelity import LATE_PROBLEM

    scene = tmp_path / "scene" / "scene.qml"
    scene.parent.mkdir()
    scene.write_text(LATE_PROBLEM)
    done = run_cli("render", scene, "-o", tmp_path / "out.mkv", "--preset", "ffv1",
                   "--chunk-frames", "8", "--cluster", two_workers.address,
                   "--progress", "none")  # fmt: skip
    assert done.returncode == 0, done.stderr + two_workers.logs()
    assert done.stderr.splitlines() == [
        "studio-render: warning: scene.qml:3: ReferenceError: theme is not defined",
        "studio-render: warning: frame 12: scene.qml:4: ReferenceError: accent is not defined",
    ], done.stderr


@pytest.mark.parametrize("name", ["image_test.json", "it's_lunch_time!.json"])
def test_lottie_on_the_cluster_is_frame_identical(
    qtbot: QtBot, two_workers: LocalCluster, corpus: Path, tmp_path: Path,
    local_framemd5: Any, name: str,
) -> None:  # fmt: skip
    """``image_test.json`` draws ``images/img_0.png``: the worker must have been sent it."""
    comp, out = corpus / name, tmp_path / "cluster.mkv"
    with ClusterSession(two_workers.address) as session:
        watched = start_render(qtbot, session, comp, out, chunk_frames=15, retries=1)
        assert wait_ended(qtbot, watched) == "finished", watched.failed
        assert session.stats()["chunk_bytes"] > 0
    watched.assert_monotonic()
    assert watched.values[0] == 0 and watched.values[-1] == 1.0
    assert framemd5(out) == local_framemd5(comp, "-j", "2")
    assert leftovers(tmp_path) == []


def test_cancel_stops_every_chunk_process_on_the_workers_within_2s(
    qtbot: QtBot, two_workers: LocalCluster, big_qml: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.mkv"
    with ClusterSession(two_workers.address) as session:
        # two chunks of ~10 s each: nothing ends on its own within the 2 s allowed
        watched = start_render(qtbot, session, big_qml, out, chunk_frames=150)
        qtbot.waitUntil(lambda: len(two_workers.busy_workers()) == 2, timeout=60000)
        running = two_workers.chunk_processes()
        assert running
        started = time.monotonic()
        watched.engine.cancel()
        left = wait_gone(running, 2.0)
        assert not left, describe(left)
        assert time.monotonic() - started < 2.0
        assert wait_ended(qtbot, watched) == "cancelled"
        qtbot.waitUntil(lambda: not any(session.client.processing().values()), timeout=2000)
    assert not out.exists() and leftovers(tmp_path) == []


def test_workers_stop_the_chunks_of_a_client_that_disappears(
    two_workers: LocalCluster, big_qml: Path, tmp_path: Path
) -> None:
    client = subprocess.Popen(
        [sys.executable, "-m", "studio_render", "render", str(big_qml), "-o",
         str(tmp_path / "out.mkv"), "--preset", "ffv1", "--chunk-frames", "150",
         "--cluster", two_workers.address, "--progress", "none"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while len(two_workers.busy_workers()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        running = two_workers.chunk_processes()
        assert running, "the client's chunks were running on the workers"
    finally:
        client.kill()  # no goodbye to the scheduler: its connection just drops
        client.wait()
    left = wait_gone(running, 5.0)
    assert not left, describe(left)


def test_a_worker_killed_mid_chunk_is_replaced_and_the_output_is_right(
    qtbot: QtBot, two_workers: LocalCluster, big_qml: Path, tmp_path: Path, local_framemd5: Any
) -> None:
    out = tmp_path / "out.mkv"
    frames = ("--frames", "0:60", "--size", "960x540")
    with ClusterSession(two_workers.address) as session:
        watched = start_render(qtbot, session, big_qml, out, frames=(0, 60), size=(960, 540),
                               chunk_frames=15, retries=0)  # fmt: skip
        qtbot.waitUntil(
            lambda: len(watched.started) >= 2 and len(two_workers.busy_workers()) == 2,
            timeout=60000,
        )
        victim = two_workers.busy_workers()[0]
        orphans = [p for p in victim.children(recursive=True) if is_chunk_process(p)]
        victim.kill()
        assert wait_ended(qtbot, watched) == "finished", watched.failed
    assert len(watched.started) > len(watched.job.chunks), "a chunk was run again"
    assert not wait_gone(orphans, 5.0), "the dead worker's chunk processes exit"
    watched.assert_monotonic()
    assert watched.values[-1] == 1.0
    assert framemd5(out) == local_framemd5(big_qml, "-j", "2", *frames)


def test_a_chunk_that_keeps_failing_names_the_chunk_and_the_worker(
    qtbot: QtBot, two_workers: LocalCluster, small_qml: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.mkv"
    with ClusterSession(two_workers.address) as session:

        def broken_first_chunk(spec: ChunkSpec, *args: Any, **kwargs: Any) -> Any:
            if spec.start == 0:  # an encoder ffmpeg refuses, on whichever worker runs it
                bad = [*spec.encoder[:-2], "-c:v", "no_such_codec", *spec.encoder[-2:]]
                spec = replace(spec, encoder=bad)
            return session.chunk_attempt(spec, *args, **kwargs)

        watched = start_render(qtbot, session, small_qml, out, chunk_attempt=broken_first_chunk,
                               chunk_frames=30, retries=1)  # fmt: skip
        assert wait_ended(qtbot, watched) == "failed"
        workers = set(session.info.threads)
    message, tail = watched.failed[0]
    match = re.fullmatch(r"frames 0-29 failed: on worker (\S+) after 2 attempts: "
                         r"the encoder \(ffmpeg\) exited with code \d+", message)  # fmt: skip
    assert match, message
    assert match[1] in workers
    assert "no_such_codec" in tail
    assert len([s for s in watched.started if s[0] == 0]) == 2, "Dask ran it twice"
    assert not out.exists() and leftovers(tmp_path) == []


def test_a_cluster_render_from_the_command_line_never_loads_qt(
    two_workers: LocalCluster, small_qml: Path, tmp_path: Path
) -> None:
    """The cluster's chunk attempts plug into the same Qt-free engine as local workers."""
    out = tmp_path / "out.mkv"
    done, qt = render_reporting_qt(small_qml, "-o", out, "--preset", "ffv1", "--frames",
                                   "0:10", "--chunk-frames", "5", "--progress", "none",
                                   "--cluster", two_workers.address)  # fmt: skip
    assert done.returncode == 0, done.stderr + two_workers.logs()
    assert not qt, "the command line imported Qt for a cluster render"
    assert len(framemd5(out)) == 10 and leftovers(tmp_path) == []


def test_composition_reaching_outside_its_folder_is_refused(
    two_workers: LocalCluster, tmp_path: Path
) -> None:
    (tmp_path / "project").mkdir()
    scene = tmp_path / "project" / "scene.qml"
    scene.write_text('import QtQuick\nRectangle { width: 64; height: 64; property int frame: 0\n'
                     '  property int durationInFrames: 10\n'
                     '  Image { source: "../logo.png" } }\n')  # fmt: skip
    done = run_cli("render", scene, "-o", tmp_path / "out.mp4", "--cluster", two_workers.address)
    assert done.returncode == 2, done.stderr
    assert "scene.qml: '../logo.png' is outside the composition's folder" in done.stderr
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "source",
    ["import QtQuick\nRectangle { width: 64; height: 64\n",  # never closed
     "import QtQuick\nRectangle { width: 64; height: 64 }\n",  # no frame property
     "import QtQuick\nRectangle { width: 64; height: 64; property int frame: 0\n"
     '  property int durationInFrames: 4; property string audio: "sound.m4a" }\n'],
    ids=["syntax error", "no frame", "audio missing"],
)  # fmt: skip
def test_the_cluster_probe_refuses_a_bad_composition_as_a_local_render_does(
    two_workers: LocalCluster, tmp_path: Path, source: str
) -> None:
    scene = tmp_path / "bad scene.qml"
    scene.write_text(source)
    local = run_cli("render", scene, "-o", tmp_path / "local.mp4", "--progress", "none")
    done = run_cli("render", scene, "-o", tmp_path / "out.mp4", "--progress", "none",
                   "--cluster", two_workers.address)  # fmt: skip
    assert local.returncode == done.returncode == 2, done.stderr
    assert len(local.stderr.strip().splitlines()) == 1, local.stderr
    assert done.stderr == local.stderr, "the same one line, paths as on this machine"
    assert "bad scene.qml" in done.stderr
    assert leftovers(tmp_path) == []


@contextlib.contextmanager
def _cluster_render(scene: Path, out: Path, address: str) -> Iterator[subprocess.Popen[str]]:
    """``studio-render render SCENE -o OUT --cluster ADDRESS``, killed if still running
    when the block ends."""
    cli = subprocess.Popen(
        [sys.executable, "-m", "studio_render", "render", str(scene), "-o", str(out),
         "--cluster", address, "--progress", "none"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        yield cli
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()


def _ctrl_c(cli: subprocess.Popen[str], timeout: float) -> None:
    """Ctrl-C: the command ends within ``timeout`` with the one line and 130."""
    cli.send_signal(signal.SIGINT)
    _, stderr = cli.communicate(timeout=timeout)
    assert cli.returncode == 130, stderr
    assert stderr == "Render cancelled (SIGINT).\n"


#: A scene that takes 20 s to load (its script spins): a probe still running when stopped.
SLOW_TO_LOAD = """import QtQuick
Rectangle { width: 64; height: 64; property int frame: 0; property int durationInFrames: 4
  Component.onCompleted: { var t = Date.now(); while (Date.now() - t < 20000) {} } }
"""


def test_ctrl_c_during_the_cluster_probe_stops_the_probing_process_at_once(
    two_workers: LocalCluster, tmp_path: Path
) -> None:
    """The workers' processes probing the composition (every worker's at once) stop with
    the command line, not when their load ends (they would then wait in the job's pool
    for 10 minutes)."""
    scene = tmp_path / "slow.qml"
    scene.write_text(SLOW_TO_LOAD)
    with ClusterSession(two_workers.address) as watcher:

        def spares() -> set[int]:
            return {pid for pids in watcher.client.run(spare_pids).values() for pid in pids}

        deadline = time.monotonic() + 60
        while len(before := spares()) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(before) == 2, "each worker has a booted process"
        with _cluster_render(scene, tmp_path / "out.mkv", two_workers.address) as cli:
            deadline = time.monotonic() + 60
            while len(taken := before - spares()) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert taken == before, "each worker's booted process took the probe"
            probers = [psutil.Process(pid) for pid in taken]
            time.sleep(1.0)  # well inside the scene's 20 s load
            assert all(prober.is_running() for prober in probers)
            _ctrl_c(cli, timeout=15)
        left = wait_gone(probers, 3.0)
        assert not left, "the probing processes stopped at once"
        deadline = time.monotonic() + 10
        while len(spares()) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(spares()) == 2, "a fresh booted process in its place"
    assert leftovers(tmp_path) == []


def test_ctrl_c_while_connecting_ends_the_command_at_once(small_qml: Path, tmp_path: Path) -> None:
    """Not after the connection attempt gives up (10 s): nothing is on a cluster yet."""
    with _cluster_render(small_qml, tmp_path / "out.mkv", f"127.0.0.1:{free_port()}") as cli:
        time.sleep(2.0)  # importing Dask, or trying to connect
        _ctrl_c(cli, timeout=6)
    assert leftovers(tmp_path) == []


def _idle_cost(dask_worker: Any) -> tuple[bool, float, float, float]:
    """Whether the worker runs Dask's profiler; the intervals (s) of its event-loop check,
    its system monitor and its memory monitor."""
    callbacks = dask_worker.periodic_callbacks
    return ("profile" in callbacks, dask_worker._tick_interval,
            callbacks["monitor"].callback_time / 1000,
            callbacks["memory_monitor"].callback_time / 1000)  # fmt: skip


def _nanny_memory_checks(dask_worker: Any) -> float:
    """The interval (s) at which a nanny checks its worker's memory (run on the nanny)."""
    return float(dask_worker.periodic_callbacks["memory_monitor"].callback_time / 1000)


def test_workers_cost_little_between_and_during_renders(two_workers: LocalCluster) -> None:
    """No profiler, the event loop checked every 200 ms, the system monitor every 2 s and
    memory every second (nanny and worker): the settings studio-render worker chooses."""
    with ClusterSession(two_workers.address) as session:
        answers = session.client.run(_idle_cost)
        nannies = session.client.run(_nanny_memory_checks, nanny=True)
    assert list(answers.values()) == [(False, 0.2, 2.0, 1.0)] * 2
    assert list(nannies.values()) == [1.0] * 2
