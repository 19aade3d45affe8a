"""The versions that must match across client, scheduler and workers."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from importlib.metadata import version

import studio_render

#: What is compared. Python by major.minor: tasks travel as pickles (cloudpickle), and
#: those are compatible within a minor version.
CHECKED = ("studio-render", "python", "dask", "distributed")

Versions = Mapping[str, str | None]


def local_versions() -> dict[str, str | None]:
    """This process's versions (run on workers through ``Client.run``)."""
    return {
        "studio-render": studio_render.__version__,
        "python": "{}.{}".format(*sys.version_info[:2]),
        "dask": version("dask"),
        "distributed": version("distributed"),
    }


def from_dask_versions(packages: Mapping[str, str | None]) -> dict[str, str | None]:
    """Our keys from the ``packages`` part of ``Client.get_versions()``."""
    python = packages.get("python")
    return {
        "studio-render": packages.get("studio-render"),
        "python": ".".join(python.split(".")[:2]) if python else None,
        "dask": packages.get("dask"),
        "distributed": packages.get("distributed"),
    }


def differences(expected: Versions, actual: Versions) -> list[str]:
    """``actual``'s versions that differ from ``expected``, e.g. ``["dask 2025.1.0"]``."""
    return [
        f"{key} {actual.get(key) or 'missing'}"
        for key in CHECKED
        if actual.get(key) != expected.get(key)
    ]


def describe(versions: Versions) -> str:
    return ", ".join(f"{key} {versions.get(key)}" for key in CHECKED)


def mismatch_message(
    address: str, client: Versions, scheduler: Versions, workers: Mapping[str, Versions]
) -> str | None:
    """One message naming every machine that differs from the client, or None."""
    problems = []
    for where, versions in [("the scheduler", scheduler)] + [
        (f"worker {name}", v) for name, v in sorted(workers.items())
    ]:
        wrong = differences(client, versions)
        if wrong:
            problems.append(f"{where} has {', '.join(wrong)}")
    if not problems:
        return None
    return (
        f"the cluster at {address} runs other versions than this computer "
        f"({describe(client)}): "
        f"{'; '.join(problems)}. Install the same versions on every machine"
    )
