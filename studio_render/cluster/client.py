"""Connecting to a cluster and rendering on it: the API the CLI and the window use.

    info = test_connection("tcp://render1:8786")          # ClusterInfo(workers, cores)
    with ClusterSession("tcp://render1:8786") as session:
        job = session.prepare_job(composition_info, settings)
        engine = RenderEngine(chunk_attempt=session.chunk_attempt)
        engine.start(job)  # ... when the engine has ended:
        session.finish_job()

Every connection checks that the scheduler and all workers run the same Studio Render,
Python and Dask versions as this computer, and refuses the cluster if not. The command
line opens its session with :class:`OpeningSession`, which connects, checks, packs and
sends the composition in a thread, and has a worker's booted render process probe it
there (every worker's at once; no process boots on the client); each phase's time is
kept in :attr:`ClusterSession.phases`.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
import uuid
import warnings
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Any, cast

from distributed import Client
from distributed.security import Security
from distributed.versions import VersionMismatchWarning

from studio_render.cluster.attempt import (
    ChunkTasks,
    ProgressRouter,
    Timings,
    Upload,
    chunk_events_per_second,
)
from studio_render.cluster.pack import pack_composition
from studio_render.cluster.remote import probe_on_worker, remove_job
from studio_render.cluster.versions import from_dask_versions, local_versions, mismatch_message
from studio_render.cluster.worker_plugin import PLUGIN_NAME, ChunkCancelPlugin
from studio_render.compositions.probe import ProbeStopped
from studio_render.core.composition import CompositionInfo
from studio_render.core.errors import BadInput, one_line
from studio_render.core.job import MAX_CONCURRENCY, RenderJob, RenderSettings, prepare_job
from studio_render.core.plan import cluster_chunk_frames

CONNECT_TIMEOUT_S = 10.0
_POLL_S = 0.01
DEFAULT_PORT = 8786


@dataclass(frozen=True)
class TlsFiles:
    """Certificate files for ``tls://`` (PEM): the CA, this machine's certificate, its key."""

    ca_file: str | None = None
    cert: str | None = None
    key: str | None = None  # may be left out when ``cert`` holds the key too

    @property
    def given(self) -> bool:
        return any((self.ca_file, self.cert, self.key))

    def security(self) -> Security:
        if not (self.ca_file and self.cert):
            raise BadInput("tls:// needs --tls-ca-file and --tls-cert (and --tls-key "
                           "unless the certificate file holds the key)")  # fmt: skip
        for path in (self.ca_file, self.cert, self.key):
            if path and not Path(path).is_file():
                raise BadInput(f"certificate file {path} not found")
        return Security(  # type: ignore[no-untyped-call]
            tls_ca_file=self.ca_file, tls_client_cert=self.cert, tls_client_key=self.key,
            require_encryption=True,
        )  # fmt: skip


@dataclass(frozen=True)
class ClusterInfo:
    """What a connection test reports."""

    address: str
    threads: Mapping[str, int]  # worker address: chunks it renders at once

    @property
    def workers(self) -> int:
        return len(self.threads)

    @property
    def cores(self) -> int:
        return sum(self.threads.values())

    def describe(self) -> str:
        return f"{self.workers} worker{'s' * (self.workers != 1)}, {self.cores} cores"


def normalize_address(address: str, tls: TlsFiles | None = None) -> str:
    """``HOST[:PORT]`` or ``tcp://``/``tls://HOST[:PORT]`` as a full address."""
    address = address.strip()
    if "://" not in address:
        address = ("tls://" if tls and tls.given else "tcp://") + address
    scheme, _, rest = address.partition("://")
    if scheme not in ("tcp", "tls") or not rest or "/" in rest:
        raise BadInput(f"cluster address {address!r} is not tcp://HOST:PORT or tls://HOST:PORT")
    if not rest.rsplit("]", 1)[-1].count(":"):
        address = f"{address}:{DEFAULT_PORT}"
    if scheme == "tcp" and tls and tls.given:
        raise BadInput("certificate options need a tls:// cluster address")
    return address


def connect(
    address: str,
    tls: TlsFiles | None = None,
    timeout: float = CONNECT_TIMEOUT_S,
    phases: dict[str, float] | None = None,
) -> tuple[Any, ClusterInfo]:
    """A client connected to a cluster whose versions match ours, with our worker plugin.
    ``phases``: gets the seconds spent connecting and checking versions."""
    phases = {} if phases is None else phases
    began = time.monotonic()
    address = normalize_address(address, tls)
    security = tls.security() if address.startswith("tls://") and tls else None
    if address.startswith("tls://") and security is None:
        security = TlsFiles().security()  # raises the message about the missing options
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", VersionMismatchWarning)  # ours is clearer
            client: Any = Client(  # type: ignore[no-untyped-call]  # returns distributed.Client
                address, security=security, timeout=timeout, set_as_default=False,
                name="studio-render",
            )  # fmt: skip
    except Exception as exc:
        raise BadInput(f"cannot connect to the cluster at {address} ({one_line(exc)})") from None
    try:
        phases["connect"] = time.monotonic() - began
        began = time.monotonic()
        _check_versions(client, address)
        client.register_plugin(ChunkCancelPlugin(), name=PLUGIN_NAME)
        phases["versions"] = time.monotonic() - began
        return client, ClusterInfo(address, dict(client.nthreads()))
    except BaseException:
        client.close()
        raise


def test_connection(
    address: str, tls: TlsFiles | None = None, timeout: float = CONNECT_TIMEOUT_S
) -> ClusterInfo:
    """Connect, check versions, report the workers and their cores, disconnect."""
    client, info = connect(address, tls, timeout)
    client.close()
    return info


test_connection.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def _check_versions(client: Any, address: str) -> None:
    scheduler = from_dask_versions(
        client.get_versions(packages=["studio-render"])["scheduler"]["packages"]
    )
    workers: dict[str, Mapping[str, str | None]] = {}
    for worker, answer in client.run(local_versions, on_error="return").items():
        if isinstance(answer, BaseException):
            problem = one_line(answer)
            raise BadInput(f"worker {worker} of {address} cannot run Studio Render "
                           f"({problem}): install studio-render[cluster] there")  # fmt: skip
        workers[worker] = answer
    message = mismatch_message(address, local_versions(), scheduler, workers)
    if message:
        raise BadInput(message)


class ClusterSession:
    """A connection used for renders: prepares jobs and renders their chunks as tasks."""

    def __init__(
        self, address: str, tls: TlsFiles | None = None, timeout: float = CONNECT_TIMEOUT_S
    ) -> None:
        #: Seconds each phase of the client's own work took: connect, versions, pack, send
        #: (and probe, where the composition was probed on the cluster).
        self.phases: dict[str, float] = {}
        self.client, self.info = connect(address, tls, timeout, self.phases)
        self.address = self.info.address
        self.topic = f"studio-render-progress-{uuid.uuid4().hex}"
        router = ProgressRouter()
        self.client.subscribe_topic(self.topic, router)
        self.tasks = ChunkTasks(self.client, self.address, self.topic, local_versions(), router)
        self.chunk_attempt = self.tasks  # for RenderEngine(chunk_attempt=...): it splits
        self._sent: tuple[Path, Upload] | None = None  # sent ahead of the job that uses it

    def send_composition(self, composition: Path, exclude: Collection[Path] = ()) -> None:
        """Pack ``composition`` and send it to the workers now, ahead of :meth:`prepare_job`
        (which uses it if the job renders that file). ``exclude``: the render's output."""
        self.finish_job()
        self._sent = (composition.resolve(), self._pack_and_send(composition, exclude))

    def probe(
        self, composition: Path, renderer: str = "auto", stop: threading.Event | None = None
    ) -> CompositionInfo:
        """The info of ``composition``, sent ahead (:meth:`send_composition`), probed by a
        worker's booted render process (which keeps it for the job's chunks), as a local
        probe gives it: :class:`BadInput` for what cannot be rendered. ``stop``: set to
        stop waiting (:class:`ProbeStopped`).

        Every worker probes it at once, so every machine is ready for its first chunk
        when the first answer comes: a Lottie prober keeps the animation it loaded, a QML
        prober has its scene graph backend and Qt Quick's modules loaded. The other probes
        run on as the job's tasks (released with it)."""
        began = time.monotonic()
        if self._sent is None or self._sent[0] != composition.resolve():
            raise RuntimeError(f"{composition} was not sent to the cluster")
        threads = self._threads()
        local, upload = self._sent
        futures = [self.client.submit(
            probe_on_worker, upload.future(), upload.job, upload.pack.digest,
            upload.pack.main, renderer, str(local.parent), pure=False,
            key=f"studio-render-probe-{uuid.uuid4().hex[:12]}", workers=[worker],
            allow_other_workers=True,
        ) for worker in threads]  # fmt: skip
        try:
            answer = self._first_answer(composition, futures, stop or threading.Event())
        except BaseException:
            for future in futures:
                future.release()  # their processes stop
            raise
        upload.tasks.extend(futures)
        self.phases["probe"] = time.monotonic() - began
        info = CompositionInfo.from_json(answer)
        audio = Path(info.audio) if info.audio and Path(info.audio).is_absolute() else None
        if audio is not None and not audio.is_file():  # not sent: looked for here
            value = os.path.relpath(audio, local.parent)
            raise BadInput(f"{composition.name}: audio file {value!r} not found")
        return info

    def _first_answer(
        self, composition: Path, futures: list[Any], stop: threading.Event
    ) -> dict[str, Any]:
        """The first probe's answer; its :class:`BadInput`; or, if every probe failed
        otherwise (the scheduler gone, ...), a :class:`BadInput` saying so."""
        pending, problem = list(futures), ""
        while pending:
            if stop.wait(_POLL_S):
                raise ProbeStopped
            for future in [f for f in pending if f.done()]:
                pending.remove(future)
                try:
                    return cast(dict[str, Any], future.result())
                except BadInput:
                    raise
                except (Exception, asyncio.CancelledError) as exc:
                    problem = one_line(exc)
        raise BadInput(f"the cluster at {self.address} could not probe "
                       f"{composition.name} ({problem})")  # fmt: skip

    def prepare_job(
        self, info: CompositionInfo, settings: RenderSettings, concurrency: int | None = None
    ) -> RenderJob:
        """Check and plan the job for this cluster and send its composition to the workers.

        ``concurrency``: chunks in flight at once (default: the cluster's cores). Retries
        are left to Dask (``settings.retries`` of them per chunk), so the job given to the
        engine has none of its own.
        """
        if settings.retries < 0:
            raise BadInput("retries cannot be negative")
        threads = self._threads()
        slots = concurrency or min(MAX_CONCURRENCY, sum(threads.values()))
        start, end = settings.frames or (0, info.frame_count_at(settings.fps))
        chunk_frames = settings.chunk_frames or cluster_chunk_frames(max(end - start, 1), slots)
        job = prepare_job(info, replace(settings, concurrency=slots, chunk_frames=chunk_frames,
                                        retries=0))  # fmt: skip
        try:
            self._upload(job)
        except BaseException:
            job.remove_work_dir()
            raise
        self.tasks.prepare_workers(job, threads)
        self.tasks.retries = settings.retries
        self.tasks.events_per_second = chunk_events_per_second(slots)
        return job

    def _threads(self) -> dict[str, int]:
        """The workers connected now and their threads; :class:`BadInput` if none is."""
        threads = dict(self.client.nthreads())
        if not threads:
            raise BadInput(f"the cluster at {self.address} has no workers: start some with "
                           f"studio-render worker {self.address}")  # fmt: skip
        return threads

    def _upload(self, job: RenderJob) -> None:
        sent, self._sent = self._sent, None
        self.tasks.timings = Timings()
        if sent is not None and sent[0] == Path(job.info.path).resolve():
            self.tasks.upload = sent[1]
            return
        self._sent = sent  # another file: removed with the job's
        self.finish_job()
        self.tasks.upload = self._pack_and_send(Path(job.info.path), [job.output, job.work_dir])

    def _pack_and_send(self, composition: Path, exclude: Collection[Path]) -> Upload:
        began = time.monotonic()
        pack = pack_composition(composition, exclude=exclude)
        self.phases["pack"] = time.monotonic() - began
        began = time.monotonic()
        upload = Upload(self.client, uuid.uuid4().hex, pack, self.tasks.transfer)
        self.phases["send"] = time.monotonic() - began
        return upload

    def finish_job(self) -> None:
        """Forget the current job's pack and remove its files from the workers."""
        current, self.tasks.upload = self.tasks.upload, None
        sent, self._sent = self._sent, None
        for upload in (current, sent[1] if sent else None):
            self._remove(upload)

    def _remove(self, upload: Upload | None) -> None:
        if upload is not None:
            try:
                upload.release()
                self.client.run(remove_job, upload.job, on_error="return")
            except Exception:  # best effort: workers remove their folders when they stop
                pass

    def close(self) -> None:
        try:
            self.finish_job()
        finally:
            self.client.close()

    def __enter__(self) -> ClusterSession:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ClusterSession({self.address!r})"

    def stats(self) -> dict[str, Any]:
        """Bytes moved so far (the packs sent to workers, the chunk files received), the
        seconds of each client phase, and when the current job's first chunk was submitted
        and started and its last chunk arrived (``time.monotonic()``, None until then)."""
        t, times = self.tasks.transfer, self.tasks.timings
        return {"pack_bytes": t.pack_bytes, "chunk_bytes": t.chunk_bytes,
                "phases": dict(self.phases), "first_submit": times.first_submit,
                "first_start": times.first_start, "last_chunk": times.last_chunk}  # fmt: skip


class OpeningSession:
    """A :class:`ClusterSession` opened in a thread, its composition packed, sent and
    probed on a worker (:meth:`ClusterSession.probe`), while the caller does something
    else (loads the rest of itself)."""

    def __init__(
        self,
        address: str,
        tls: TlsFiles | None,
        composition: Path,
        renderer: str = "auto",
        exclude: Collection[Path] = (),
    ) -> None:
        self._outcome: tuple[ClusterSession, CompositionInfo] | BaseException | None = None
        self._stop = threading.Event()  # the caller has given up: stop probing
        self._connected = threading.Event()  # from here on, closing waits for the thread
        self._thread = threading.Thread(
            target=self._open, args=(address, tls, composition, renderer, exclude),
            daemon=True, name="cluster-session",
        )  # fmt: skip
        self._thread.start()

    def _open(
        self,
        address: str,
        tls: TlsFiles | None,
        composition: Path,
        renderer: str,
        exclude: Collection[Path],
    ) -> None:
        try:
            session = ClusterSession(address, tls)
            self._connected.set()
            try:
                if self._stop.is_set():
                    raise ProbeStopped("the probe was stopped")
                session.send_composition(composition, exclude)
                self._outcome = (session, session.probe(composition, renderer, self._stop))
            except BaseException:
                session.close()
                raise
        except BaseException as exc:  # raised in the caller's thread by ``opened()``
            self._outcome = exc

    def _wait(self, until_stopped: bool = False) -> Any:
        while self._thread.is_alive() and not (until_stopped and self._stop.is_set()):
            self._thread.join(0.1)  # short waits: the main thread still takes signals
        return self._outcome

    def stop(self) -> None:
        """Stop the probe: the worker's process stops at once, and :meth:`opened` raises
        :class:`ProbeStopped`. Never blocks (a signal handler calls it)."""
        self._stop.set()

    def opened(self) -> tuple[ClusterSession, CompositionInfo]:
        """The open session and the composition's info; raises what opening it or
        probing raised (``BadInput``), or :class:`ProbeStopped` once :meth:`stop` is
        called."""
        outcome = self._wait(until_stopped=True)
        if self._stop.is_set():
            raise ProbeStopped("the probe was stopped")
        if isinstance(outcome, BaseException):
            raise outcome
        assert outcome is not None
        return cast(tuple[ClusterSession, CompositionInfo], outcome)

    def close(self) -> None:
        """Close the session if it opened (when the render never started): a probe still
        running stops, and what the session left on the workers is removed. A connection
        still being made is not waited for (the thread closes it if it opens)."""
        self._stop.set()
        if not self._connected.is_set():
            return
        outcome = self._wait()
        if isinstance(outcome, tuple):
            outcome[0].close()
