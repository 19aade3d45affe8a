"""Warm chunk workers on the cluster: the composition loads once per worker process, a
killed warm process costs only its chunk, and running chunks split across machines."""

from __future__ import annotations

from collections import Counter
from functools import partial
from pathlib import Path
from typing import Any

import psutil
from pytestqt.qtbot import QtBot

from studio_render.cluster.client import ClusterSession
from studio_render.cluster.worker_plugin import MALLOC_TRIM_ENV, Spares, spare_pids
from studio_render.compositions.probe import probe_composition
from studio_render.core.composition import CompositionInfo
from studio_render.core.job import RenderSettings
from tests.cluster.helpers import start_job, start_render, wait_ended
from tests.cluster.local_cluster import LocalCluster, wait_gone
from tests.media import framemd5

SMALL = ("--frames", "0:60", "--size", "960x540")  # the demo, as test_cluster renders it


def test_a_two_worker_cluster_loads_the_composition_once_per_worker(
    qtbot: QtBot, two_workers: LocalCluster, small_qml: Path, tmp_path: Path, local_framemd5: Any
) -> None:
    out = tmp_path / "out.mkv"
    with ClusterSession(two_workers.address) as session:
        watched = start_render(qtbot, session, small_qml, out, chunk_frames=8)
        assert session.tasks.upload is not None
        job = session.tasks.upload.job
        assert wait_ended(qtbot, watched) == "finished", watched.failed
    loads = two_workers.loads(job)
    pids = {pid for _, pid, _ in watched.started}
    assert len(watched.job.chunks) >= 6
    assert len(watched.started) >= len(watched.job.chunks)
    assert 1 <= len(pids) <= 2, "one warm process per worker took every chunk"
    assert Counter(loads) == Counter(set(loads)), "each loaded the composition once"
    assert len(loads) <= 2 and pids <= set(loads), "one loading process per worker"
    assert framemd5(out) == local_framemd5(small_qml, "-j", "2")


def test_a_killed_warm_worker_s_chunk_is_rendered_again_frame_exact(
    qtbot: QtBot, two_workers: LocalCluster, big_qml: Path, tmp_path: Path, local_framemd5: Any
) -> None:
    out = tmp_path / "out.mkv"
    with ClusterSession(two_workers.address) as session:
        watched = start_render(qtbot, session, big_qml, out, frames=(0, 60), size=(960, 540),
                               chunk_frames=15, retries=1)  # fmt: skip
        qtbot.waitUntil(lambda: bool(watched.started), timeout=60000)
        index, pid, _ = watched.started[0]
        psutil.Process(pid).kill()  # the warm process, not its Dask worker
        assert wait_ended(qtbot, watched) == "finished", watched.failed
    again = [p for i, p, _ in watched.started if i == index]
    assert len(again) == 2 and again[1] != pid, watched.started
    watched.assert_monotonic()
    assert framemd5(out) == local_framemd5(big_qml, "-j", "2", *SMALL)


def test_a_running_chunk_is_split_for_an_idle_machine(
    qtbot: QtBot, two_workers: LocalCluster, big_qml: Path, tmp_path: Path, local_framemd5: Any
) -> None:
    """One planned chunk, two workers: the idle one takes the rest of it."""
    out = tmp_path / "out.mkv"
    with ClusterSession(two_workers.address) as session:
        watched = start_render(qtbot, session, big_qml, out, frames=(0, 60), size=(960, 540),
                               chunk_frames=60)  # fmt: skip
        assert len(watched.job.chunks) == 1
        assert wait_ended(qtbot, watched) == "finished", watched.failed
    assert {i for i, _, _ in watched.started} >= {0, 1}, "chunk 1 was split off chunk 0"
    assert len({pid for _, pid, _ in watched.started}) == 2, "on the other worker"
    watched.assert_monotonic()
    assert framemd5(out) == local_framemd5(big_qml, "-j", "2", *SMALL)


def _booted(session: ClusterSession) -> set[int]:
    """The workers' booted render processes (Qt and ThorVG loaded: ready for either kind),
    waiting for a job."""
    answers = session.client.run(spare_pids).values()
    return {pid for pids in answers for pid in pids if _ready(pid)}


def _ready(pid: int) -> bool:
    try:
        paths = [m.path for m in psutil.Process(pid).memory_maps()]
    except psutil.Error:
        return False
    return all(any(lib in path for path in paths) for lib in ("libQt6Quick", "libthorvg"))


def _sent_and_probed(
    qtbot: QtBot, session: ClusterSession, composition: Path
) -> tuple[set[int], CompositionInfo]:
    """Once both workers have their booted process, send ``composition`` and probe it on
    the cluster, then wait until both booted processes have taken a probe: the processes
    booted before, and the info (a local probe's)."""
    qtbot.waitUntil(lambda: len(_booted(session)) == 2, timeout=60000)
    before = _booted(session)
    session.send_composition(composition)
    info = session.probe(composition)
    assert info == probe_composition(composition)
    qtbot.waitUntil(lambda: not _booted(session) & before, timeout=30000)  # both probe it
    return before, info


def test_a_worker_s_first_chunk_finds_a_process_booted_and_loaded_before_it(
    qtbot: QtBot, two_workers: LocalCluster, small_qml: Path, tmp_path: Path
) -> None:
    """Each worker keeps a render process per thread booted (Qt and ThorVG loaded) between
    jobs; as a job is prepared they load its scene, its chunks take them, and when the job
    ends they exit and fresh ones boot."""
    with ClusterSession(two_workers.address) as session:
        booted = partial(_booted, session)

        qtbot.waitUntil(lambda: len(booted()) == 2, timeout=60000)
        before = booted()
        assert before == {p.pid for p in two_workers.idle_render_processes()}
        settings = RenderSettings(output=tmp_path / "out.mkv", preset="ffv1", frames=(0, 16),
                                  chunk_frames=4)  # fmt: skip
        job = session.prepare_job(probe_composition(small_qml), settings)
        assert session.tasks.upload is not None
        key = session.tasks.upload.job
        # every worker loads the scene as the job is prepared, before any chunk is sent
        qtbot.waitUntil(lambda: set(two_workers.loads(key)) == before, timeout=60000)
        watched = start_job(session, job)
        assert wait_ended(qtbot, watched) == "finished", watched.failed
        pids = {pid for _, pid, _ in watched.started}
        assert pids and pids <= before, "every chunk ran in a process booted before the render"
        assert sorted(two_workers.loads(key)) == sorted(before), "and loaded before it"
        session.finish_job()
        assert not wait_gone([psutil.Process(pid) for pid in pids if psutil.pid_exists(pid)], 5)
        qtbot.waitUntil(lambda: len(booted()) == 2, timeout=60000)
        assert not booted() & pids, "fresh processes for the next job"


def test_a_scene_is_probed_by_every_worker_s_booted_process_which_stays_for_the_job(
    qtbot: QtBot, two_workers: LocalCluster, small_qml: Path, tmp_path: Path
) -> None:
    """As the command line does: the session probes the composition it sent in the
    workers' booted processes (none starts on the client), every worker's at once, so each
    machine has Qt Quick ready for its first chunk; the answer reads as a local probe's,
    and the processes stay for the job and load the scene."""
    with ClusterSession(two_workers.address) as session:
        before, info = _sent_and_probed(qtbot, session, small_qml)
        assert all(psutil.pid_exists(pid) for pid in before), "and stay for the job"
        assert session.phases["probe"] > 0
        settings = RenderSettings(output=tmp_path / "out.mkv", preset="ffv1", frames=(0, 16),
                                  chunk_frames=4)  # fmt: skip
        job = session.prepare_job(info, settings)
        assert session.tasks.upload is not None
        key = session.tasks.upload.job
        qtbot.waitUntil(lambda: set(two_workers.loads(key)) == before, timeout=60000)
        watched = start_job(session, job)
        assert wait_ended(qtbot, watched) == "finished", watched.failed
    assert {pid for _, pid, _ in watched.started} <= before


def test_a_lottie_file_is_probed_on_every_worker_which_keeps_it_for_its_chunks(
    qtbot: QtBot, two_workers: LocalCluster, corpus: Path, tmp_path: Path, local_framemd5: Any
) -> None:
    """A Lottie probe keeps the animation it loaded, so every worker's booted process
    probes the file at once: each machine is ready for its first chunk when the answer
    comes, and draws it with that animation, frame-identical to a local render."""
    comp, out = corpus / "it's_lunch_time!.json", tmp_path / "out.mkv"
    with ClusterSession(two_workers.address) as session:
        before, info = _sent_and_probed(qtbot, session, comp)
        settings = RenderSettings(output=out, preset="ffv1", frames=(0, 24), chunk_frames=6)
        job = session.prepare_job(info, settings)
        assert session.tasks.upload is not None
        key = session.tasks.upload.job
        watched = start_job(session, job)
        assert wait_ended(qtbot, watched) == "finished", watched.failed
    assert {pid for _, pid, _ in watched.started} <= before
    assert sorted(two_workers.loads(key)) == sorted(before), "one load a worker"
    assert two_workers.loads(key, "opened") == [], "each took over its probe's animation"
    assert framemd5(out) == local_framemd5(comp, "-j", "2", "--frames", "0:24")


def test_render_processes_run_without_the_nanny_s_malloc_setting(
    qtbot: QtBot, two_workers: LocalCluster
) -> None:
    """The nanny sets ``MALLOC_TRIM_THRESHOLD_`` for its worker; the render processes the
    worker starts do not inherit it (with it, glibc mapped every frame buffer afresh)."""
    qtbot.waitUntil(lambda: len(two_workers.idle_render_processes()) >= 2, timeout=60000)
    workers = two_workers.worker_processes()
    assert workers and all(MALLOC_TRIM_ENV in p.environ() for p in workers), "set by the nanny"
    renderers = two_workers.idle_render_processes()
    assert renderers and not any(MALLOC_TRIM_ENV in p.environ() for p in renderers)


def test_a_closing_worker_lets_its_spares_end_themselves() -> None:
    """A Dask worker that closes ends its booted spares by the end of their input: each
    exits on its own, having removed its own TMPDIR, so none is left should the worker be
    killed while it waits for them (stopped by signals, a QML process was killed by
    SIGTERM, and only its supervisor removed its TMPDIR)."""
    spares = Spares()
    spares.fill(2)
    procs = list(spares._idle)
    folders = [Path(p.own_tmpdir or "") for p in procs]  # as its supervisor named it
    assert all(p.own_tmpdir for p in procs)
    spares.close()
    parent_gone = 3  # the worker's EXIT_PARENT_GONE (its module is not imported here)
    assert [p.proc.returncode for p in procs] == [parent_gone] * 2
    assert not any(folder.exists() for folder in folders)
