"""Cluster work for the window, run off the GUI thread: tests, sessions, closing them.

Everything that touches the network (and the import of Dask itself) happens in
``QThreadPool.globalInstance()``; answers come back as signals carrying a token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from studio_render.cluster import needs_cluster_extra
from studio_render.core.errors import BadInput, one_line

if TYPE_CHECKING:
    from studio_render.cluster.client import ClusterInfo, ClusterSession, TlsFiles
    from studio_render.core.composition import CompositionInfo
    from studio_render.core.job import RenderJob, RenderSettings

#: What the window says is missing without Dask.
NEEDS = "rendering on a cluster"


@dataclass(frozen=True)
class ClusterTarget:
    """Where the window renders when "cluster" is chosen: an address and optional TLS files."""

    address: str
    ca_file: str = ""
    cert: str = ""
    key: str = ""
    timeout_s: float = 10.0

    def tls(self) -> TlsFiles | None:
        from studio_render.cluster.client import TlsFiles  # imported by the callers' checks

        files = TlsFiles(self.ca_file or None, self.cert or None, self.key or None)
        return files if files.given else None


def test_target(target: ClusterTarget) -> ClusterInfo:
    """Connect, check versions, count workers and cores (blocks)."""
    with needs_cluster_extra(NEEDS):
        from studio_render.cluster.client import test_connection
    return test_connection(target.address, target.tls(), timeout=target.timeout_s)


test_target.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def open_job(
    target: ClusterTarget, info: CompositionInfo, settings: RenderSettings
) -> tuple[ClusterSession, RenderJob]:
    """A session on ``target`` and a job planned for it, its composition sent (blocks)."""
    with needs_cluster_extra(NEEDS):
        from studio_render.cluster.client import ClusterSession
    session = ClusterSession(target.address, target.tls(), timeout=target.timeout_s)
    try:
        return session, session.prepare_job(info, settings)
    except BaseException:
        session.close()
        raise


def close_session(session: ClusterSession) -> None:
    """Free the workers' copies of the job and disconnect (blocks)."""
    session.close()


def describe_error(exc: BaseException) -> str:
    """A one-line message for the window."""
    return one_line(exc) if isinstance(exc, BadInput) else f"cluster error: {one_line(exc)}"
