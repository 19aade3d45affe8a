"""Optional: a worker on its own "host" (a network namespace joined by a veth pair).

The worker sees none of this machine's addresses, not even its loopback: the job and the
chunk files must travel over the veth link. Skipped where namespaces are not permitted.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli import studio_render
from tests.cluster.fixtures import running_cluster
from tests.cluster.local_cluster import LocalCluster
from tests.media import framemd5


def _ip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=20)


@pytest.fixture(scope="module")
def remote_host() -> Iterator[tuple[str, str, str]]:
    """``(namespace, this side's address, the namespace's address)``."""
    if shutil.which("ip") is None or os.geteuid() != 0:
        pytest.skip("network namespaces need the ip command and root")
    n = os.getpid() % 200 + 20
    ns, here, there = f"srtest{os.getpid()}", f"10.213.{n}.1", f"10.213.{n}.2"
    veth = (f"srh{os.getpid()}"[:15], f"srw{os.getpid()}"[:15])
    if _ip("netns", "add", ns).returncode != 0:
        pytest.skip("creating a network namespace is not permitted here")
    try:
        steps = [
            ("link", "add", veth[0], "type", "veth", "peer", "name", veth[1]),
            ("link", "set", veth[1], "netns", ns),
            ("addr", "add", f"{here}/30", "dev", veth[0]),
            ("link", "set", veth[0], "up"),
            ("netns", "exec", ns, "ip", "addr", "add", f"{there}/30", "dev", veth[1]),
            ("netns", "exec", ns, "ip", "link", "set", veth[1], "up"),
            ("netns", "exec", ns, "ip", "link", "set", "lo", "up"),
        ]
        for step in steps:
            done = _ip(*step)
            if done.returncode != 0:
                pytest.skip(f"cannot set up the veth link: {done.stderr.strip()}")
        yield ns, here, there
    finally:
        _ip("link", "del", veth[0])
        _ip("netns", "del", ns)


@pytest.fixture(scope="module")
def split_cluster(
    remote_host: tuple[str, str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalCluster]:
    ns, here, there = remote_host
    with running_cluster(
        tmp_path_factory, "netns", workers=1, host=here,
        prefix=("ip", "netns", "exec", ns), worker_host=there,
    ) as started:  # fmt: skip
        yield started


def _netns(pid: int) -> str:
    return os.readlink(f"/proc/{pid}/ns/net")


def _listening(pid: int) -> set[str]:
    """IPv4 addresses with listening sockets in ``pid``'s network namespace."""
    found = set()
    for line in Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if state == "0A":  # LISTEN
            found.add(socket.inet_ntoa(bytes.fromhex(local.split(":")[0])[::-1]))
    return found


def test_worker_on_another_network_host_renders_the_same_frames(
    split_cluster: LocalCluster, remote_host: tuple[str, str, str], corpus: Path,
    tmp_path: Path, local_framemd5: Any,
) -> None:  # fmt: skip
    _, _, there = remote_host
    (worker,) = split_cluster.worker_processes()
    assert _netns(worker.pid) != _netns(os.getpid()), "the worker has its own network"
    assert _listening(worker.pid) == {there}
    comp, out = corpus / "image_test.json", tmp_path / "remote.mkv"
    done = studio_render("render", comp, "-o", out, "--preset", "ffv1", "--chunk-frames", "20",
                         "--progress", "none", "--cluster", split_cluster.address)  # fmt: skip
    assert done.returncode == 0, done.stderr + split_cluster.logs()
    assert framemd5(out) == local_framemd5(comp, "-j", "2")
