"""How many CPU cores this process may use. Qt-free.

``os.cpu_count()`` counts the machine's cores. A render in a container or a cgroup with a
CPU quota (``docker run --cpus 2``, a Kubernetes CPU limit, a render node's slice), or
pinned to some cores, gets fewer: workers and encoder threads sized for the whole
machine then fight over the few it has (x264 alone starts about 1.5 threads a core).
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable
from pathlib import Path

from studio_render.core.plan import encoder_threads

_PROC_CGROUP = Path("/proc/self/cgroup")
_CGROUP_ROOT = Path("/sys/fs/cgroup")


@functools.cache
def usable_cores() -> int:
    """The cores this process may use: its CPU affinity, less what a cgroup CPU quota
    allows (rounded up); at least 1."""
    affinity = getattr(os, "sched_getaffinity", None)
    cores = len(affinity(0)) if affinity else (os.cpu_count() or 1)
    quota = cgroup_cpu_quota()
    if quota is not None:
        cores = min(cores, math.ceil(quota))
    return max(1, cores)


def chunk_encoder_threads(concurrency: int) -> int | None:
    """Threads for each chunk encoder of ``concurrency`` running here at once (see
    :func:`~studio_render.core.plan.encoder_threads`); ffmpeg is told the count where
    this process may use fewer cores than the machine has, as it cannot tell."""
    cores = usable_cores()
    return encoder_threads(concurrency, cores, limited=cores < (os.cpu_count() or 1))


def cgroup_cpu_quota(proc_cgroup: Path = _PROC_CGROUP, root: Path = _CGROUP_ROOT) -> float | None:
    """The cores the CPU quota of this process's cgroup allows (the tightest of its group
    and the groups above it; cgroup v2 ``cpu.max`` or v1 ``cpu.cfs_quota_us``), None
    where there is none or it cannot be read."""
    try:
        lines = proc_cgroup.read_text().splitlines()
    except OSError:
        return None
    quotas: list[float] = []
    for line in lines:
        if line.count(":") < 2:
            continue
        _, controllers, path = line.split(":", 2)
        if controllers == "":  # cgroup v2: the unified hierarchy, alone or beside v1
            base = root if (root / "cgroup.controllers").exists() else root / "unified"
            quotas += _along(base, path, _v2_quota)
        elif "cpu" in controllers.split(","):
            base = root / controllers if (root / controllers).is_dir() else root / "cpu"
            quotas += _along(base, path, _v1_quota)
    return min(quotas) if quotas else None


def _along(base: Path, path: str, read: Callable[[Path], float | None]) -> list[float]:
    """The quotas ``read`` finds in the group at ``path`` under ``base`` and each group
    above it (a container sees its own group at ``base`` whatever ``path`` says)."""
    folder = base / path.strip("/")
    found = []
    for group in [folder, *folder.parents]:
        if group == base.parent:
            break
        if group.is_dir() and (quota := read(group)) is not None:
            found.append(quota)
    return found


def _v2_quota(group: Path) -> float | None:
    try:
        quota, period = (group / "cpu.max").read_text().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        return None


def _v1_quota(group: Path) -> float | None:
    try:
        quota = int((group / "cpu.cfs_quota_us").read_text())
        period = int((group / "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return quota / period if quota > 0 and period > 0 else None
