"""What starting a render's local workers costs: forked from the command line, or each a
new Python (exec), as ``boot_workers`` starts them for ``-j 2``.

Each run is a fresh Python that imports what the command line has imported by then,
boots the workers and asks each for a probe of the file; it reports the wall time until
every worker has answered, the CPU seconds of its own process from the boot on (the
forks, the imports done before them, the probe's waits) and of the workers (reaped when
the pool closes). Runs of the modes interleave; medians of ``--repeat``. "exec" runs with
a thread alive (``can_fork()`` false), as a window or a later worker would; "fork, no
preload" forks without importing the worker's modules first.

    python benchmarks/worker_start_bench.py [--repeat 9] [--files a.json scene.qml]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "lottie"
FILES = [CORPUS / "A Shapes_All_01_1920x1080.json", ROOT / "tests" / "data" / "moving.qml"]
MODES = ["fork", "fork, no preload", "exec"]

_RUN = """
import json, resource, sys, threading, time
from pathlib import Path
from studio_render.compositions.probe import ask_probe
from studio_render.core import worker_pool
from studio_render.core.procs import last_json_line

path, mode = Path(sys.argv[1]), sys.argv[2]
if mode == "exec":
    threading.Thread(target=threading.Event().wait, daemon=True).start()
if mode == "fork, no preload":
    worker_pool._PRELOADED = {"lottie": (), "qml": ()}

def cpu(who):
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime

start, cpu_start = time.monotonic(), cpu(resource.RUSAGE_SELF)
pool = worker_pool.boot_workers(path, 2)
booted = time.monotonic() - start
workers = [pool.take() for _ in range(2)]
for worker in workers:
    worker.send_line(json.dumps({"probe": str(path.resolve()), "renderer": "auto"}))
for worker in workers:
    while not last_json_line(worker.next_line(30) or ""):
        pass
answered = time.monotonic() - start
own = cpu(resource.RUSAGE_SELF) - cpu_start
for worker in workers:
    pool.put_back(worker)
pool.close()
print(json.dumps({"boot_s": booted, "answered_s": answered, "own_cpu_s": own,
                  "workers_cpu_s": cpu(resource.RUSAGE_CHILDREN),
                  "forked": pool.forked}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--files", nargs="*", type=Path, default=FILES)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, load average at the start: "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))  # fmt: skip
    print("| file | mode | forked | boot s | all answered s | parent CPU s | workers CPU s |")
    print("|---|---|---|---|---|---|---|")
    for path in args.files:
        runs: dict[str, list[dict[str, float]]] = {mode: [] for mode in MODES}
        for _ in range(args.repeat):
            for mode in MODES:
                done = subprocess.run([sys.executable, "-c", _RUN, str(path), mode],
                                      capture_output=True, text=True, timeout=120,
                                      cwd=ROOT, check=True)  # fmt: skip
                runs[mode].append(json.loads(done.stdout.strip().splitlines()[-1]))
        for mode, results in runs.items():

            def median(key: str, results: list[dict[str, float]] = results) -> str:
                return f"{statistics.median(r[key] for r in results):.3f}"

            print(f"| {path.name} | {mode} | {int(results[0]['forked'])} | {median('boot_s')} "
                  f"| {median('answered_s')} | {median('own_cpu_s')} "
                  f"| {median('workers_cpu_s')} |")  # fmt: skip


if __name__ == "__main__":
    main()
