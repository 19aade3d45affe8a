"""What runs inside a Dask worker: one chunk, from the packed composition to its bytes.

The task unpacks the job's composition once per worker (into the worker's own local
directory, removed with the worker), renders the chunk in one of the job's warm worker
processes there (the same ``worker serve`` as a local render: the composition loads once
per process, not once per chunk), streams progress to the client as events on the job's
topic, and returns the frame where the chunk ended (earlier than planned if the client
split it) with the chunk's files as ``(name, bytes)`` pairs.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from distributed import Worker, get_worker, secede

from studio_render.cluster.pack import unpack
from studio_render.cluster.paths import to_client, to_worker
from studio_render.cluster.versions import describe, differences, local_versions
from studio_render.cluster.worker_plugin import (
    NO_NETWORK_ENV,
    close_pool,
    load_ahead,
    running_chunk,
    warm_pool,
)
from studio_render.compositions.probe import ask_probe
from studio_render.core.chunk_run import ChunkSplitter, run_chunk_attempt
from studio_render.core.chunkspec import ChunkSpec
from studio_render.core.composition import kind_for_path
from studio_render.core.cpus import chunk_encoder_threads
from studio_render.core.errors import BadInput
from studio_render.core.ffmpeg import find_ffmpeg

_unpack_lock = threading.Lock()


class ChunkFailed(Exception):
    """A chunk attempt failed on a worker (Dask retries it; the last one reaches the client)."""

    def __init__(self, reason: str, tail: str, worker: str) -> None:
        super().__init__(reason, tail, worker)
        self.reason, self.tail, self.worker = reason, tail, worker

    def __str__(self) -> str:
        return f"on worker {self.worker}: {self.reason}"


class _Reporter:
    """Sends a run's start, its progress (at most ``events_per_second``; the last always
    goes) and the scene's problems (warnings) to the client as worker events."""

    def __init__(self, worker: Worker, topic: str, key: str, events_per_second: float) -> None:
        self.worker, self.topic = worker, topic
        self.base = {"key": key, "run": uuid.uuid4().hex, "worker": worker.address}
        self.interval = 1 / events_per_second
        self.last_sent = 0.0
        self.pending: tuple[int, int] | None = None
        self.lock = threading.Lock()

    def started(self, pid: int) -> None:
        self.worker.log_event(self.topic, {**self.base, "pid": pid, "r": 0, "e": 0})

    def cut(self, end: int) -> None:
        """The chunk agreed to end at ``end`` (the client asked): sent at once."""
        with self.lock:
            rendered, encoded = self.pending or (0, 0)
            self.worker.log_event(self.topic, {**self.base, "cut": end, "r": rendered,
                                               "e": encoded})  # fmt: skip

    def warning(self, frame: int, message: str) -> None:
        self.worker.log_event(self.topic, {**self.base, "warning": message, "frame": frame})

    def progress(self, rendered: int, encoded: int) -> None:
        with self.lock:
            self.pending = (rendered, encoded)
            if time.monotonic() - self.last_sent >= self.interval:
                self._send()

    def flush(self) -> None:
        with self.lock:
            if self.pending is not None:
                self._send()

    def _send(self) -> None:
        assert self.pending is not None
        rendered, encoded = self.pending
        self.worker.log_event(self.topic, {**self.base, "r": rendered, "e": encoded})
        self.pending, self.last_sent = None, time.monotonic()


def jobs_dir(worker: Worker) -> Path:
    return Path(worker.local_directory) / "studio-render"


def _unpacked(worker: Worker, job: str, digest: str, pack: bytes) -> Path:
    """The job's composition folder on this worker, unpacked by the first chunk to need it."""
    folder = jobs_dir(worker) / job / f"composition-{digest}"
    with _unpack_lock:
        if not folder.is_dir():
            partial = folder.with_name(f".unpacking-{uuid.uuid4().hex}")
            unpack(pack, partial)
            partial.rename(folder)
    return folder


def _local_spec(worker: Worker, job: str, composition: Path, remote_spec: str) -> ChunkSpec:
    """The spec as this worker runs it: its composition folder, the job's output folder
    here (one for every chunk of a video, so a warm worker keeps its loaded composition;
    a chunk of images gets a folder of its own inside), its ffmpeg, and encoder threads
    that share the machine's cores among its chunks, as a local render's do."""
    out_root = jobs_dir(worker) / job / "out"
    pattern = "%" in str(json.loads(remote_spec)["output"])
    out_dir = out_root / uuid.uuid4().hex if pattern else out_root
    out_dir.mkdir(parents=True, exist_ok=True)
    threads = chunk_encoder_threads(worker.state.nthreads)
    return to_worker(remote_spec, composition, out_dir, find_ffmpeg(), threads)


def prepare_worker(pack: bytes, job: str, digest: str, remote_spec: str) -> int:
    """The Dask task each worker gets as a job starts: unpack the composition and have the
    worker's booted render processes load it (for a video's chunks like ``remote_spec``),
    so its first chunk only renders; how many processes were asked. It leaves the
    worker's thread first, so the first chunk task does not queue behind it (a process
    the chunk takes before the ``load`` line loads the scene for the chunk itself)."""
    worker = get_worker()
    secede()  # type: ignore[no-untyped-call]  # off the thread: a chunk task starts now
    spec = _local_spec(worker, job, _unpacked(worker, job, digest, pack), remote_spec)
    return load_ahead(job, spec.kind, spec.to_json())


def probe_on_worker(
    pack: bytes, job: str, digest: str, main: str, renderer: str, local_folder: str
) -> dict[str, Any]:
    """The Dask task that probes a job's composition (``probe_composition``) in one of
    this worker's booted render processes, which then stays with the job for its chunks;
    the info as JSON. Paths in the info and in a :class:`BadInput` message read as on the
    client, whose composition is in ``local_folder``. A probe the client stops waiting
    for (Ctrl-C, or the client gone) stops its process at once (``ProbeStopped``)."""
    worker = get_worker()
    folder = _unpacked(worker, job, digest, pack)

    def local(text: str) -> str:
        return to_client(text, folder, local_folder)

    path = folder / main
    key = str(worker.get_current_task())
    with running_chunk(key) as stopped:  # the client gone, or no longer waiting: stop it
        if _task_state(worker, key) not in ("executing", "long-running"):
            stopped.set()  # released before it got here
        try:
            pending = ask_probe(path, workers=warm_pool(job, kind_for_path(path)),
                                renderer=renderer)  # fmt: skip
            info = pending.answer(stopped)
        except BadInput as exc:
            raise BadInput(local(str(exc))) from None
    answer = info.to_json()
    answer["path"] = local(info.path)
    answer["audio"] = local(info.audio) if info.audio else None
    answer["warnings"] = [local(w) for w in info.warnings]
    return answer


def render_chunk(
    pack: bytes,
    job: str,
    digest: str,
    remote_spec: str,
    topic: str,
    versions: Mapping[str, str | None],
    events_per_second: float,
) -> tuple[int, list[tuple[str, bytes]]]:
    """The Dask task: render one chunk here, sending at most ``events_per_second``
    progress events; where it ended, and its files."""
    worker = get_worker()
    wrong = differences(versions, local_versions())
    if wrong:
        reason = f"this worker has {', '.join(wrong)}; the client has {describe(versions)}"
        raise ChunkFailed(reason, "", worker.address)
    os.environ[NO_NETWORK_ENV] = "1"
    key = str(worker.get_current_task())
    composition = _unpacked(worker, job, digest, pack)
    spec = _local_spec(worker, job, composition, remote_spec)
    pattern = "%" in Path(spec.output).name
    output = Path(spec.output)
    out_dir = output.parent
    try:
        reporter = _Reporter(worker, topic, key, events_per_second)
        end = spec.end

        def on_cut(new_end: int) -> None:
            nonlocal end
            end = new_end
            reporter.cut(new_end)

        splitter = ChunkSplitter(on_cut)
        with running_chunk(key, splitter) as cancelled:
            if _task_state(worker, key) not in ("executing", "long-running"):
                cancelled.set()  # released before it got here
            outcome = run_chunk_attempt(
                spec, cancelled, reporter.progress, reporter.started,
                workers=warm_pool(job, spec.kind), splitter=splitter,
                on_warning=reporter.warning,
            )  # fmt: skip
        reporter.flush()
        if outcome.cancelled:
            raise ChunkFailed("cancelled", "", worker.address)
        if not outcome.ok:
            raise ChunkFailed(outcome.reason, outcome.tail, worker.address)
        files = sorted(p for p in out_dir.iterdir() if p.is_file()) if pattern else [output]
        return end, [(p.name, p.read_bytes()) for p in files]
    finally:
        if pattern:
            shutil.rmtree(out_dir, ignore_errors=True)
        else:
            output.unlink(missing_ok=True)


def _task_state(worker: Worker, key: str) -> str | None:
    task = worker.state.tasks.get(key)
    return None if task is None else str(task.state)


def remove_job(job: str, dask_worker: Any = None) -> None:
    """Let a finished job's warm workers go and remove its files from this worker (run
    through ``Client.run``)."""
    worker = dask_worker if dask_worker is not None else get_worker()
    close_pool(job)
    shutil.rmtree(jobs_dir(worker) / job, ignore_errors=True)
