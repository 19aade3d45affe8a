"""Connecting to a cluster and rendering on it: the API the CLI and the window use.

    info = test_connection("tcp://render1:8786")          # ClusterInfo(workers, cores)
    with ClusterSession("tcp://render1:8786") as session:
        job = session.prepare_job(composition_info, settings)
        engine = RenderEngine(chunk_attempt=session.chunk_attempt)
        engine.start(job)  # ... when the engine has ended:
        session.finish_job()

Every connection checks that the scheduler and all workers run the same Studio Render,
Python and Dask versions as this computer, and refuses the cluster if not.
"""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Any

from distributed import Client
from distributed.security import Security
from distributed.versions import VersionMismatchWarning

from studio_render.cluster.attempt import ChunkTasks, ProgressRouter, Upload
from studio_render.cluster.pack import pack_composition
from studio_render.cluster.remote import remove_job
from studio_render.cluster.versions import from_dask_versions, local_versions, mismatch_message
from studio_render.cluster.worker_plugin import PLUGIN_NAME, ChunkCancelPlugin
from studio_render.core.composition import CompositionInfo
from studio_render.core.errors import BadInput, one_line
from studio_render.core.job import MAX_CONCURRENCY, RenderJob, RenderSettings, prepare_job
from studio_render.core.plan import default_chunk_frames

CONNECT_TIMEOUT_S = 10.0
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
    address: str, tls: TlsFiles | None = None, timeout: float = CONNECT_TIMEOUT_S
) -> tuple[Any, ClusterInfo]:
    """A client connected to a cluster whose versions match ours, with our worker plugin."""
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
        _check_versions(client, address)
        client.register_plugin(ChunkCancelPlugin(), name=PLUGIN_NAME)
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
        self.client, self.info = connect(address, tls, timeout)
        self.address = self.info.address
        self.topic = f"studio-render-progress-{uuid.uuid4().hex}"
        router = ProgressRouter()
        self.client.subscribe_topic(self.topic, router)
        self.tasks = ChunkTasks(self.client, self.address, self.topic, local_versions(), router)
        self.chunk_attempt = self.tasks.attempt  # for RenderEngine(chunk_attempt=...)

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
        threads = dict(self.client.nthreads())
        if not threads:
            raise BadInput(f"the cluster at {self.address} has no workers: start some with "
                           f"studio-render worker {self.address}")  # fmt: skip
        slots = concurrency or min(MAX_CONCURRENCY, sum(threads.values()))
        start, end = settings.frames or (0, info.frame_count_at(settings.fps))
        chunk_frames = settings.chunk_frames or default_chunk_frames(max(end - start, 1), slots)
        job = prepare_job(info, replace(settings, concurrency=slots, chunk_frames=chunk_frames,
                                        retries=0))  # fmt: skip
        try:
            self._upload(job)
        except BaseException:
            job.remove_work_dir()
            raise
        self.tasks.retries = settings.retries
        return job

    def _upload(self, job: RenderJob) -> None:
        self.finish_job()
        pack = pack_composition(Path(job.info.path), exclude=[job.output, job.work_dir])
        self.tasks.upload = Upload(self.client, uuid.uuid4().hex, pack, self.tasks.transfer)

    def finish_job(self) -> None:
        """Forget the current job's pack and remove its files from the workers."""
        upload, self.tasks.upload = self.tasks.upload, None
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
        """Bytes moved so far: the packs sent to workers and the chunk files received."""
        t = self.tasks.transfer
        return {"pack_bytes": t.pack_bytes, "chunk_bytes": t.chunk_bytes}
