"""The cores a render may use: CPU quotas of cgroup v1 and v2, read from fake trees."""

from __future__ import annotations

from pathlib import Path

from studio_render.core.cpus import cgroup_cpu_quota


def _tree(tmp_path: Path, cgroup: str, files: dict[str, str]) -> tuple[Path, Path]:
    proc = tmp_path / "proc-self-cgroup"
    proc.write_text(cgroup)
    root = tmp_path / "sys-fs-cgroup"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return proc, root


def test_a_cgroup_v2_quota_is_the_tightest_along_the_groups(tmp_path: Path) -> None:
    proc, root = _tree(tmp_path, "0::/render.slice/node-3\n", {
        "cgroup.controllers": "cpu io memory",
        "cpu.max": "max 100000",
        "render.slice/cpu.max": "250000 100000",
        "render.slice/node-3/cpu.max": "max 100000",
    })  # fmt: skip
    assert cgroup_cpu_quota(proc, root) == 2.5


def test_a_cgroup_v1_quota_beside_other_controllers(tmp_path: Path) -> None:
    proc, root = _tree(tmp_path, "5:memory:/job\n4:cpu,cpuacct:/job\n0::/\n", {
        "cpu,cpuacct/cpu.cfs_quota_us": "-1",
        "cpu,cpuacct/cpu.cfs_period_us": "100000",
        "cpu,cpuacct/job/cpu.cfs_quota_us": "40000",
        "cpu,cpuacct/job/cpu.cfs_period_us": "100000",
    })  # fmt: skip
    assert cgroup_cpu_quota(proc, root) == 0.4


def test_a_container_sees_its_own_group_at_the_root(tmp_path: Path) -> None:
    """Without a cgroup namespace the path names the host's group; the container's is
    mounted at the root."""
    proc, root = _tree(tmp_path, "0::/docker/5f2a\n", {
        "cgroup.controllers": "cpu",
        "cpu.max": "200000 100000",
    })  # fmt: skip
    assert cgroup_cpu_quota(proc, root) == 2.0


def test_no_quota_or_nothing_to_read_is_none(tmp_path: Path) -> None:
    proc, root = _tree(tmp_path, "0::/\n", {"cgroup.controllers": "cpu", "cpu.max": "max 100000"})
    assert cgroup_cpu_quota(proc, root) is None
    assert cgroup_cpu_quota(tmp_path / "missing", root) is None
    proc.write_text("garbage\n1:cpu:/\n")
    assert cgroup_cpu_quota(proc, tmp_path / "no-cgroups") is None
