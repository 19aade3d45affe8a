"""A TLS cluster: certificates by option, plain tcp:// and strangers refused."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from studio_render.cluster.client import TlsFiles, test_connection
from studio_render.core.errors import BadInput
from tests.cli import studio_render
from tests.cluster.fixtures import running_cluster
from tests.cluster.local_cluster import LocalCluster
from tests.conftest import MOVING
from tests.media import framemd5


def make_certificates(folder: Path, name: str) -> TlsFiles:
    """A CA and one certificate it signed for 127.0.0.1 (every process uses that one)."""
    folder.mkdir(parents=True, exist_ok=True)

    def openssl(*args: str) -> None:
        done = subprocess.run(["openssl", *args], cwd=folder, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr

    curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *curve, "-keyout", f"{name}-ca.key", "-out", f"{name}-ca.pem",
            "-days", "2", "-subj", f"/CN={name} test CA")  # fmt: skip
    openssl("req", *curve, "-keyout", f"{name}.key", "-out", f"{name}.csr",
            "-subj", "/CN=127.0.0.1")  # fmt: skip
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{name}-ca.pem", "-CAkey",
            f"{name}-ca.key", "-CAcreateserial", "-out", f"{name}.pem", "-days", "2",
            "-extfile", "san.ext")  # fmt: skip
    return TlsFiles(str(folder / f"{name}-ca.pem"), str(folder / f"{name}.pem"),
                    str(folder / f"{name}.key"))  # fmt: skip


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make test certificates")
    return make_certificates(tmp_path_factory.mktemp("tls"), "studio")


@pytest.fixture(scope="module")
def tls_cluster(
    certificates: TlsFiles, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalCluster]:
    with running_cluster(tmp_path_factory, "tls", workers=1, tls=certificates) as started:
        yield started


def test_render_over_tls_matches_local(
    tls_cluster: LocalCluster, certificates: TlsFiles, tmp_path: Path, local_framemd5: Any
) -> None:
    assert tls_cluster.address.startswith("tls://")
    out = tmp_path / "tls.mkv"
    done = studio_render(
        "render", MOVING, "-o", out, "--preset", "ffv1", "--frames", "0:20", "--chunk-frames",
        "10", "--progress", "none", "--cluster", tls_cluster.address,
        "--tls-ca-file", str(certificates.ca_file), "--tls-cert", str(certificates.cert),
        "--tls-key", str(certificates.key),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr + tls_cluster.logs()
    assert framemd5(out) == local_framemd5(MOVING, "--frames", "0:20")


def test_plain_tcp_to_a_tls_cluster_is_refused(tls_cluster: LocalCluster) -> None:
    plain = tls_cluster.address.replace("tls://", "tcp://")
    with pytest.raises(BadInput, match="cannot connect to the cluster"):
        test_connection(plain, timeout=2)


def test_tls_address_needs_certificate_options(tls_cluster: LocalCluster) -> None:
    with pytest.raises(BadInput, match="tls:// needs --tls-ca-file and --tls-cert"):
        test_connection(tls_cluster.address)


def test_certificate_from_another_authority_is_refused(
    tls_cluster: LocalCluster, tmp_path: Path
) -> None:
    stranger = make_certificates(tmp_path, "stranger")
    with pytest.raises(BadInput, match="cannot connect to the cluster"):
        test_connection(tls_cluster.address, stranger, timeout=2)
