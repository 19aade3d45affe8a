"""The cores a render may use: CPU quotas of cgroup v1 and v2, read from fake trees."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio_render.core.cpus import cgroup_cpu_quota


def _tree(tmp_path: Path, cgroup: str, files: dict[str, str]) -> tuple[Path, Path]:
    proc = tmp_path / "proc-self-cgroup"
    proc.write_text(cgroup)
    root = tmp_path / "sys-fs-cgroup"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return proc, root


QUOTAS = {
    "v2, the tightest along the groups": ("0::/render.slice/node-3\n", {
        "cgroup.controllers": "cpu io memory",
        "cpu.max": "max 100000",
        "render.slice/cpu.max": "250000 100000",
        "render.slice/node-3/cpu.max": "max 100000",
    }, 2.5),
    "v1, beside other controllers": ("5:memory:/job\n4:cpu,cpuacct:/job\n0::/\n", {
        "cpu,cpuacct/cpu.cfs_quota_us": "-1",
        "cpu,cpuacct/cpu.cfs_period_us": "100000",
        "cpu,cpuacct/job/cpu.cfs_quota_us": "40000",
        "cpu,cpuacct/job/cpu.cfs_period_us": "100000",
    }, 0.4),
    # without a cgroup namespace the path names the host's group; the container's own is
    # mounted at the root
    "a container's own group at the root": ("0::/docker/5f2a\n", {
        "cgroup.controllers": "cpu",
        "cpu.max": "200000 100000",
    }, 2.0),
}  # fmt: skip


@pytest.mark.parametrize("case", QUOTAS)
def test_a_cgroup_cpu_quota_is_read(tmp_path: Path, case: str) -> None:
    cgroup, files, cores = QUOTAS[case]
    assert cgroup_cpu_quota(*_tree(tmp_path, cgroup, files)) == cores


def test_no_quota_or_nothing_to_read_is_none(tmp_path: Path) -> None:
    proc, root = _tree(tmp_path, "0::/\n", {"cgroup.controllers": "cpu", "cpu.max": "max 100000"})
    assert cgroup_cpu_quota(proc, root) is None
    assert cgroup_cpu_quota(tmp_path / "missing", root) is None
    proc.write_text("garbage\n1:cpu:/\n")
    assert cgroup_cpu_quota(proc, tmp_path / "no-cgroups") is None
