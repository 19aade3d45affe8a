"""Where the time of a short render goes: the command line's phases, timed.

Runs ``studio-render render ARGS`` in a fresh process ``--repeat`` times and marks when
each phase begins: the first worker started, the probe asked, its answer awaited, the
job prepared, the first chunks handed to workers, Qt imported (if it is: a render does
not), the engine started, the first chunk's worker answering, the last chunk done, the
final steps (join, or renaming a one-chunk output into place), the end. Each mark shows
the wall seconds since the process started and the CPU seconds the command line itself
has used by then (median over the runs); the last line adds the CPU seconds of its
children (workers and encoders). Modules are wrapped as they are imported, so the command
imports in its own order. Prints the 1-minute load average too: on a shared machine,
compare CPU seconds as well as wall seconds.

    python benchmarks/render_phases.py [--repeat 5] -- COMPOSITION -o OUT.mp4 [options...]
"""

from __future__ import annotations

import argparse
import atexit
import importlib.abc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any, NoReturn

#: Functions marked when called, by module: (attribute path, label).
MARKED = {
    "studio_render.core.worker_pool": [
        ("WorkerPool.prestart", "workers started"),
        ("WorkerPool.head_start", "first chunks handed out"),
    ],
    "studio_render.compositions.probe": [
        ("ask_probe", "probe asked"),
        ("PendingProbe.answer", "probe answer awaited"),
    ],
    "studio_render.core.job": [("prepare_job", "prepare job")],
    "studio_render.core.engine": [
        ("RenderCore.start", "engine start"),
        ("RenderCore._on_started", "chunk started"),
        ("RenderCore._on_done", "chunk done"),
        ("RenderCore._final_steps", "final steps"),
        ("RenderCore._end", "end"),
    ],
}
#: Labels kept at their last occurrence (the others: their first).
LAST = {"chunk done"}
_START = time.monotonic()
_marks: list[tuple[str, float, float]] = []


def _mark(label: str) -> None:
    _marks.append((label, time.monotonic() - _START, time.process_time()))


def _wrapped(function: Callable[..., Any], label: str) -> Callable[..., Any]:
    def marked(*args: Any, **kwargs: Any) -> Any:
        _mark(label)
        return function(*args, **kwargs)

    return marked


class _Marker(importlib.abc.MetaPathFinder):
    """Wraps the functions of ``MARKED`` once their module has been executed."""

    def find_spec(self, name: str, path: Sequence[str] | None, target: ModuleType | None = None
                  ) -> Any:  # fmt: skip
        if name not in MARKED:
            return None
        for finder in sys.meta_path:
            if finder is not self and (spec := finder.find_spec(name, path, target)) is not None:
                break
        else:
            return None
        loader: Any = spec.loader
        execute = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            execute(module)
            for attribute, label in MARKED[name]:
                owner: Any = module
                *parents, leaf = attribute.split(".")
                for parent in parents:
                    owner = getattr(owner, parent)
                setattr(owner, leaf, _wrapped(getattr(owner, leaf), label))

        loader.exec_module = exec_module
        return spec


def _on_audit(event: str, args: tuple[Any, ...]) -> None:
    if (
        event == "import"
        and args[0] == "PySide6.QtCore"
        and not any(label == "Qt import" for label, _, _ in _marks)
    ):
        _mark("Qt import")


def _report() -> None:
    _mark("exit")
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print("PHASES " + json.dumps({"marks": _marks, "children_cpu": children.ru_utime
                                  + children.ru_stime}), file=sys.stderr)  # fmt: skip


def _run(argv: list[str]) -> int:
    """In the measured process: the command line, marked."""
    sys.meta_path.insert(0, _Marker())
    sys.addaudithook(_on_audit)
    atexit.register(_report)
    real_exit = os._exit  # a finished render skips the interpreter's teardown, and atexit

    def reported_exit(code: int) -> NoReturn:
        _report()
        real_exit(code)

    os._exit = reported_exit
    sys.argv = ["studio-render", "render", *argv]
    from studio_render.launch import main

    return main()


def _one(argv: list[str]) -> dict[str, Any]:
    proc = subprocess.Popen(  # stdin stays open: a worker exits when it closes
        [sys.executable, __file__, "_run", *argv], stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdin is not None and proc.stderr is not None
    err = proc.stderr.read()
    code = proc.wait()
    proc.stdin.close()
    if code != 0:
        raise SystemExit(f"render failed: {err}")
    line = next(ln for ln in err.splitlines() if ln.startswith("PHASES "))
    return dict(json.loads(line.removeprefix("PHASES ")), load=os.getloadavg()[0])


def main() -> None:
    if sys.argv[1:2] == ["_run"]:
        sys.exit(_run(sys.argv[2:]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("render", nargs=argparse.REMAINDER, help="-- then render's arguments")
    args = parser.parse_args()
    argv = [a for a in args.render if a != "--"]
    runs = [_one(argv) for _ in range(args.repeat)]
    loads = [run["load"] for run in runs]
    print(f"studio-render render {' '.join(argv)}\n{args.repeat} runs, load average "
          f"{min(loads):.1f}-{max(loads):.1f}\n")  # fmt: skip
    print("| phase begins | wall s | CPU s (command line) |\n|---|---|---|")
    labels: dict[str, list[tuple[float, float]]] = {}
    for run in runs:
        seen: dict[str, tuple[float, float]] = {}
        for label, wall, cpu in run["marks"]:
            if label in LAST or label not in seen:
                seen[label] = (wall, cpu)
        for label, value in seen.items():
            labels.setdefault(label, []).append(value)
    for label, values in sorted(labels.items(), key=lambda item: statistics.median(
            v[0] for v in item[1])):  # fmt: skip
        wall = statistics.median(v[0] for v in values)
        cpu = statistics.median(v[1] for v in values)
        print(f"| {label} | {wall:.3f} | {cpu:.3f} |")
    children = statistics.median(run["children_cpu"] for run in runs)
    print(f"\nchildren (workers, encoders): {children:.2f} CPU s")


if __name__ == "__main__":
    main()
