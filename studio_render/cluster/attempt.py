"""One chunk as one Dask task, seen from the client: submit, follow, cancel, collect.

The engine calls :meth:`ChunkTasks.attempt` with the same arguments as the local
``run_chunk_attempt``; progress events from the worker are routed to that call's
callbacks. When Dask runs the task again (a retry, or a worker that died), the events
carry a new run id: the chunk's counts drop back to zero and the aggregator, which only
ever shows its highest value, keeps the bar monotonic.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio_render.cluster.pack import Pack
from studio_render.cluster.paths import is_plain_name, to_remote
from studio_render.cluster.remote import ChunkFailed, render_chunk
from studio_render.core.chunk_run import Outcome
from studio_render.core.chunkspec import ChunkSpec
from studio_render.core.errors import one_line

_POLL_S = 0.05
#: A chunk the cluster drops (rather than fails) is submitted again this many times.
_DROPPED_RESUBMITS = 2


@dataclass
class _Route:
    """Where one task's events go; remembers runs so a stale run's events are dropped."""

    on_progress: Callable[[int, int], None]
    on_start: Callable[[int], None]
    run: str | None = None
    worker: str = ""
    old_runs: set[str] = field(default_factory=set)

    def deliver(self, msg: Mapping[str, Any]) -> None:
        run = str(msg.get("run"))
        if run != self.run:
            if run in self.old_runs:
                return
            if self.run is not None:
                self.old_runs.add(self.run)
                self.on_progress(0, 0)  # rescheduled or retried: it starts again
            self.run, self.worker = run, str(msg.get("worker", ""))
        if "pid" in msg:
            self.on_start(int(msg["pid"]))
        self.on_progress(int(msg["r"]), int(msg["e"]))


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


class Upload:
    """A job's packed composition, scattered to every worker; sent again if lost.

    Scattered data cannot be recomputed: if every worker holding it dies (a one-worker
    cluster whose worker crashed), the chunks depending on it are dropped, and the next
    attempt needs it sent again.
    """

    def __init__(self, client: Any, job: str, pack: Pack, transfer: Transfer) -> None:
        self.client, self.job, self.pack, self.transfer = client, job, pack, transfer
        self._lock = threading.Lock()
        self._future = self._scatter()

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


class ChunkTasks:
    """Submits chunks of the current upload as tasks and waits for each."""

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
        self.transfer = Transfer()

    def attempt(
        self,
        spec: ChunkSpec,
        cancelled: threading.Event,
        on_progress: Callable[[int, int], None],
        on_start: Callable[[int], None] = lambda pid: None,
    ) -> Outcome:
        """Render ``spec`` on the cluster; the chunk file ends up at ``spec.output``."""
        upload = self.upload
        if upload is None:
            raise RuntimeError("no job is prepared for the cluster")
        route = _Route(on_progress, on_start)
        for _ in range(_DROPPED_RESUBMITS + 1):
            key = f"studio-render-chunk-{spec.start}-{spec.end}-{uuid.uuid4().hex[:12]}"
            self.router.add(key, route)
            try:
                future = self.client.submit(
                    render_chunk, upload.future(), upload.job, upload.pack.digest,
                    to_remote(spec, upload.pack.main), self.topic, self.versions,
                    key=key, pure=False, retries=self.retries,
                )  # fmt: skip
                outcome = self._follow(future, spec, cancelled, route)
            finally:
                self.router.remove(key)
            if outcome is not None:
                return outcome
        times = _DROPPED_RESUBMITS + 1
        return Outcome(False, reason=f"the cluster at {self.address} dropped it {times} times")

    def _follow(
        self, future: Any, spec: ChunkSpec, cancelled: threading.Event, route: _Route
    ) -> Outcome | None:
        """The task's outcome; None if the cluster dropped it (its pack was lost)."""
        try:
            while not future.done():
                if cancelled.wait(_POLL_S):
                    future.cancel()  # released on the worker: the plugin stops the process
                    return Outcome(False, cancelled=True)
            if future.status == "finished":
                try:
                    self._write(spec, future.result())
                except OSError as exc:
                    reason = f"cannot write the chunk file in {Path(spec.output).parent}"
                    return Outcome(False, reason=f"{reason} ({exc.strerror or exc})")
                return Outcome(True)
            if future.status == "error":
                return self._failure(future.exception(), route)
            return None
        finally:
            future.release()

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
