"""One chunk as one Dask task, seen from the client: submit, follow, cancel, collect.

The engine calls :meth:`ChunkTasks.attempt` with the same arguments as the local
``run_chunk_attempt``; progress events from the worker are routed to that call's
callbacks. When Dask runs the task again (a retry, or a worker that died), the events
carry a new run id: the chunk's counts drop back to zero and the aggregator, which only
ever shows its highest value, keeps the bar monotonic.

A running chunk can be split across machines as locally: the engine's cut request goes to
the worker running the task (:func:`~studio_render.cluster.worker_plugin.cut_chunk`), its
answer comes back as an event, and the task returns the frame it ended at. A task Dask
runs again after a cut (its worker died) is asked for the same cut as soon as it starts.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from studio_render.cluster.pack import Pack
from studio_render.cluster.paths import is_plain_name, to_remote
from studio_render.cluster.remote import ChunkFailed, prepare_worker, render_chunk
from studio_render.cluster.worker_plugin import cut_chunk
from studio_render.core.chunk_run import ChunkSplitter, Outcome
from studio_render.core.chunkspec import ChunkSpec, parse_cut_line
from studio_render.core.errors import one_line
from studio_render.core.job import RenderJob
from studio_render.core.plan import CLUSTER_AHEAD_FRAMES, MIN_CLUSTER_SPLIT_FRAMES, SplitCost

#: How soon an attempt sees its chunk cancelled.
_POLL_S = 0.05
#: From the engine's cut request to the split-off part starting on another machine: the
#: cut travels to the worker and its answer back as an event, then the new task is
#: scheduled and handed to a booted process.
#: Measured on simulated machines (benchmarks/cluster_bench.py): 0.07-0.24 s, more on a
#: busy computer.
SPLIT_HANDOVER_S = 0.2
#: A chunk the cluster drops (rather than fails) is submitted again this many times.
_DROPPED_RESUBMITS = 2
#: Progress events a second for a whole render, shared by the chunks it runs at once: the
#: scheduler forwards each to the client, so that load does not grow with the machines.
RENDER_EVENTS_PER_SECOND = 20
#: The fewest a chunk sends a second all the same (its strip in the window keeps moving).
MIN_CHUNK_EVENTS_PER_SECOND = 2


def chunk_events_per_second(slots: int) -> float:
    """How many progress events a second each chunk sends when ``slots`` run at once."""
    return max(MIN_CHUNK_EVENTS_PER_SECOND, RENDER_EVENTS_PER_SECOND / max(1, slots))


@dataclass
class _Route:
    """Where one task's events go; remembers runs so a stale run's events are dropped."""

    on_progress: Callable[[int, int], None]
    on_start: Callable[[int], None]
    splitter: ChunkSplitter | None = None
    on_warning: Callable[[int, str], None] = lambda frame, message: None
    run: str | None = None
    worker: str = ""
    old_runs: set[str] = field(default_factory=set)
    #: A cut request not sent yet (sent from the attempt's thread, never the event loop's).
    want_cut: int | None = None
    asked: int | None = None  # the cut the engine asked for, asked again of a new run
    ended_at: int | None = None  # where the worker agreed to end the chunk
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: Wakes the attempt's thread: a cut to send, or the task done.
    wake: threading.Event = field(default_factory=threading.Event)

    def deliver(self, msg: Mapping[str, Any]) -> None:
        run = str(msg.get("run"))
        if run != self.run:
            if run in self.old_runs:
                return
            if self.run is not None:
                self.old_runs.add(self.run)
                self.on_progress(0, 0)  # rescheduled or retried: it starts again
            self.run, self.worker = run, str(msg.get("worker", ""))
        if "warning" in msg:
            self.on_warning(int(msg["frame"]), str(msg["warning"]))
            return
        if "pid" in msg:
            self.on_start(int(msg["pid"]))
            with self.lock:  # a new run of a chunk cut before: the same cut
                self.want_cut = self.ended_at if self.ended_at is not None else self.asked
            self.wake.set()
        if "cut" in msg:
            self.cut_at(int(msg["cut"]))
        self.on_progress(int(msg["r"]), int(msg["e"]))

    def cut_at(self, end: int) -> None:
        """The chunk ends at ``end`` now: tell the engine, once."""
        with self.lock:
            if self.ended_at is not None:
                return
            self.ended_at = end
        if self.splitter is not None:
            self.splitter.on_cut(end)

    def send_line(self, text: str) -> bool:
        """The engine's cut request (a ``ChunkSplitter`` line), sent to the chunk's worker."""
        cut = parse_cut_line(text)
        with self.lock:
            if cut is None or self.run is None or self.ended_at is not None:
                return False
            self.want_cut = self.asked = cut[1]
        self.wake.set()
        return True

    def take_cut(self) -> int | None:
        with self.lock:
            at, self.want_cut = self.want_cut, None
            return at


class ProgressRouter:
    """The ``Client.subscribe_topic`` handler: worker events to the right attempt."""

    def __init__(self) -> None:
        self._routes: dict[str, _Route] = {}
        self._lock = threading.Lock()

    def add(self, key: str, route: _Route) -> None:
        with self._lock:
            self._routes[key] = route

    def remove(self, key: str) -> None:
        with self._lock:
            self._routes.pop(key, None)

    def busy_workers(self) -> Counter[str]:
        """How many chunks each worker is rendering for this session (from their events)."""
        with self._lock:
            return Counter(route.worker for route in self._routes.values() if route.worker)

    def __call__(self, event: tuple[float, Any]) -> None:
        msg = event[1]
        if not isinstance(msg, dict):
            return
        with self._lock:
            route = self._routes.get(str(msg.get("key")))
            if route is not None:  # delivered under the lock: never after ``remove``
                route.deliver(msg)


@dataclass
class Transfer:
    """Bytes sent to and received from workers in this session."""

    pack_bytes: int = 0
    chunk_bytes: int = 0


@dataclass
class Timings:
    """When the current job's first chunk was submitted and started and its last chunk's
    bytes arrived (``time.monotonic()``), for the client's fixed time before and after
    the chunks."""

    first_submit: float | None = None
    first_start: float | None = None
    last_chunk: float | None = None

    def chunk_submitted(self) -> None:
        if self.first_submit is None:
            self.first_submit = time.monotonic()

    def chunk_started(self) -> None:
        if self.first_start is None:
            self.first_start = time.monotonic()

    def chunk_done(self) -> None:
        self.last_chunk = time.monotonic()


class Upload:
    """A job's packed composition, sent to every worker (sent again if lost).

    Every worker holds it, so Dask's scheduler, which prefers workers holding a task's
    inputs, is free to run a chunk on any idle worker (sent to one worker per machine,
    the chunks of two workers on one machine stayed with the worker holding the pack).

    Scattered data cannot be recomputed: if every worker holding it dies (a one-worker
    cluster whose worker crashed), the chunks depending on it are dropped, and the next
    attempt needs it sent again.
    """

    def __init__(self, client: Any, job: str, pack: Pack, transfer: Transfer) -> None:
        self.client, self.job, self.pack, self.transfer = client, job, pack, transfer
        self._lock = threading.Lock()
        self._future = self._scatter()
        self.tasks: list[Any] = []  # other tasks of the job (futures), released with it

    def _scatter(self) -> Any:
        future = self.client.scatter(self.pack.data, broadcast=True, hash=False)
        self.transfer.pack_bytes += self.pack.size * len(self.client.nthreads())
        return future

    def future(self) -> Any:
        """The pack's future (a distributed.Future), in worker memory."""
        with self._lock:
            if self._future.status != "finished":
                self._future.release()
                self._future = self._scatter()
            return self._future

    def release(self) -> None:
        with self._lock:
            self._future.release()
            for task in self.tasks:
                task.release()  # a task for a worker that died would otherwise wait


class ChunkTasks:
    """Submits chunks of the current upload as tasks and waits for each.

    The engine splits running chunks for idle workers (``splits_chunks``), as it does
    for local workers, at the ``split_cost`` of a cluster.
    """

    splits_chunks = True
    split_cost = SplitCost(MIN_CLUSTER_SPLIT_FRAMES, handover_s=SPLIT_HANDOVER_S, ahead=True,
                           ahead_within=CLUSTER_AHEAD_FRAMES)  # fmt: skip

    def __init__(
        self,
        client: Any,
        address: str,
        topic: str,
        versions: Mapping[str, str | None],
        router: ProgressRouter,
    ) -> None:
        self.client, self.address, self.topic = client, address, topic
        self.versions = dict(versions)
        self.router = router
        self.upload: Upload | None = None
        self.retries = 0
        self.events_per_second = chunk_events_per_second(1)  # each chunk's, set for a job
        self.transfer = Transfer()
        self.timings = Timings()

    def attempt(
        self,
        spec: ChunkSpec,
        cancelled: threading.Event,
        on_progress: Callable[[int, int], None],
        on_start: Callable[[int], None] = lambda pid: None,
        splitter: ChunkSplitter | None = None,
        on_waiting: Callable[[int, float], None] = lambda frame, seconds: None,
        on_warning: Callable[[int, str], None] = lambda frame, message: None,
    ) -> Outcome:
        """Render ``spec`` on the cluster; the chunk file ends up at ``spec.output``.
        A ``splitter`` lets the engine end the chunk early (``on_waiting`` is not used:
        the worker watches its own frames); ``on_warning`` hears the scene's script
        problems."""
        upload = self.upload
        if upload is None:
            raise RuntimeError("no job is prepared for the cluster")

        def started(pid: int) -> None:
            self.timings.chunk_started()
            on_start(pid)

        route = _Route(on_progress, started, splitter, on_warning)
        if splitter is not None:
            splitter.attach(route, spec.start)
        try:
            for _ in range(_DROPPED_RESUBMITS + 1):
                if route.ended_at is not None:  # cut, then dropped: the shorter chunk
                    spec = replace(spec, end=route.ended_at)
                key = f"studio-render-chunk-{spec.start}-{spec.end}-{uuid.uuid4().hex[:12]}"
                self.router.add(key, route)
                self.timings.chunk_submitted()
                try:
                    future = self.client.submit(
                        render_chunk, upload.future(), upload.job, upload.pack.digest,
                        to_remote(spec, upload.pack.main), self.topic, self.versions,
                        self.events_per_second, key=key, pure=False, retries=self.retries,
                        **self._placement(),
                    )  # fmt: skip
                    outcome = self._follow(future, spec, cancelled, route, key)
                finally:
                    self.router.remove(key)
                if outcome is not None:
                    return outcome
        finally:
            if splitter is not None:
                splitter.attach(None)
        times = _DROPPED_RESUBMITS + 1
        return Outcome(False, reason=f"the cluster at {self.address} dropped it {times} times")

    __call__ = attempt  # the engine's ``chunk_attempt``

    def _placement(self) -> dict[str, Any]:
        """While some of the job's chunks render: prefer the workers with a thread free of
        them. A chunk split off for an idle machine must start there, not queue behind the
        chunk it came from, where Dask's own estimate (a worker's occupancy, with the
        duration of a chunk unknown) may put it. Loose: any worker if those are gone."""
        busy = self.router.busy_workers()
        if not busy:
            return {}
        try:
            threads = dict(self.client.nthreads())
        except Exception:  # the connection's trouble shows in the submit that follows
            return {}
        free = [worker for worker, n in threads.items() if busy[worker] < n]
        return {"workers": free, "allow_other_workers": True} if free else {}

    def prepare_workers(self, job: RenderJob, workers: Collection[str]) -> None:
        """Have ``workers`` load the job's composition now, before its first chunk comes
        (:func:`~studio_render.cluster.remote.prepare_worker`; not waited for, released
        with the job)."""
        upload = self.upload
        if upload is None or not job.chunks:
            return
        spec = to_remote(job.chunk_spec(job.chunks[0], "ffmpeg"), upload.pack.main)
        for worker in workers:
            future = self.client.submit(
                prepare_worker, upload.future(), upload.job, upload.pack.digest, spec,
                workers=[worker], allow_other_workers=False, pure=False,
                key=f"studio-render-prepare-{uuid.uuid4().hex[:12]}",
            )  # fmt: skip
            upload.tasks.append(future)

    def _follow(
        self, future: Any, spec: ChunkSpec, cancelled: threading.Event, route: _Route, key: str
    ) -> Outcome | None:
        """The task's outcome; None if the cluster dropped it (its pack was lost). Cut
        requests go out and the outcome is taken as soon as they come (``route.wake``), a
        cancel within ``_POLL_S``."""
        future.add_done_callback(lambda _: route.wake.set())
        try:
            while not future.done():
                if cancelled.is_set():
                    future.cancel()  # released on the worker: the plugin stops the process
                    return Outcome(False, cancelled=True)
                route.wake.wait(_POLL_S)
                route.wake.clear()
                at = route.take_cut()
                if at is not None and route.worker:
                    self._ask_cut(key, at, route.worker)
            if future.status == "finished":
                end, files = future.result()
                if end < spec.end:  # cut: the engine may not have had the event yet
                    route.cut_at(end)
                if end != (spec.end if route.ended_at is None else route.ended_at):
                    return Outcome(False, reason=f"the chunk was rendered to frame {end - 1} "
                                   f"after it was cut at frame {route.ended_at}")  # fmt: skip
                self.timings.chunk_done()
                try:
                    self._write(spec, files)
                except OSError as exc:
                    reason = f"cannot write the chunk file in {Path(spec.output).parent}"
                    return Outcome(False, reason=f"{reason} ({exc.strerror or exc})")
                return Outcome(True)
            if future.status == "error":
                return self._failure(future.exception(), route)
            return None
        finally:
            future.release()

    def _ask_cut(self, key: str, at: int, worker: str) -> None:
        """Ask the task ``key`` on ``worker`` to end at ``at``; its answer is an event."""
        with contextlib.suppress(Exception):  # gone: asked again when the chunk reruns
            self.client.run(cut_chunk, key, at, workers=[worker], on_error="return")

    def _failure(self, exc: BaseException, route: _Route) -> Outcome:
        tries = f" after {self.retries + 1} attempts" if self.retries else ""
        if isinstance(exc, ChunkFailed):
            return Outcome(False, reason=f"on worker {exc.worker}{tries}: {exc.reason}",
                           tail=exc.tail)  # fmt: skip
        last = getattr(getattr(exc, "last_worker", None), "address", None)
        if last is not None:  # KilledWorker
            return Outcome(False, reason=f"every worker that rendered it died, the last {last}")
        where = f"on worker {route.worker}" if route.worker else f"on {self.address}"
        return Outcome(False, reason=f"{where}: {one_line(exc)}")

    def _write(self, spec: ChunkSpec, files: list[tuple[str, bytes]]) -> None:
        """Put the chunk's files where the local render would have written them."""
        folder = Path(spec.output).parent
        for name, data in files:
            if not is_plain_name(name):
                raise ValueError(f"a worker returned a file named {name!r}")
            partial = folder / f".{name}.{uuid.uuid4().hex[:8]}.part"
            partial.write_bytes(data)
            os.replace(partial, folder / name)
            self.transfer.chunk_bytes += len(data)
