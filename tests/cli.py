"""Running the real command line in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

from tests.image_compare import read_png


def studio_render(*args: str | Path, timeout: float = 240, env: dict[str, str] | None = None
                  ) -> subprocess.CompletedProcess[str]:  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "studio_render", *map(str, args)],
        capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, env=env,
    )  # fmt: skip


def chunk_worker(spec_json: str, timeout: float = 30) -> tuple[int, str]:
    """Run ``python -m studio_render.worker chunk SPEC``, its stdin held open (its end
    would tell the worker to exit): its exit code and stderr, the worker killed after
    ``timeout`` seconds (code -9)."""
    worker = subprocess.Popen(
        [sys.executable, "-m", "studio_render.worker", "chunk", spec_json],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        code = worker.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        code = -9
    finally:
        worker.kill()
        _, stderr = worker.communicate()
    return code, stderr


def lottie_frame(doc: dict[str, Any], folder: Path, frame: int = 0) -> np.ndarray:
    """Frame ``frame`` of the Lottie document ``doc`` through the command line (``--preset
    png``, its files in ``folder``): RGBA, as ints."""
    comp = folder / "doc.json"
    comp.write_text(json.dumps(doc))
    done = studio_render("render", comp, "-o", folder / "out", "--preset", "png",
                         "--frames", f"{frame}:{frame + 1}", "--progress", "none")  # fmt: skip
    assert done.returncode == 0, done.stderr
    return read_png(folder / "out" / f"frame_{frame:06d}.png").astype(int)


def json_events(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def leftovers(folder: Path) -> list[str]:
    """Temporary files or folders a render left next to its output."""
    return sorted(p.name for p in folder.iterdir() if "studio-render" in p.name)


#: Runs the command line as ``python -m studio_render`` does, and says on its last stderr
#: line whether this process loaded Qt: PySide6 imported, or Qt's core library mapped.
_REPORTING_QT = """
import os, sys
from studio_render import launch

def exit_now(code):
    with open("/proc/self/maps") as maps:
        mapped = "libQt6Core" in maps.read()
    loaded = "PySide6" in sys.modules or "shiboken6" in sys.modules or mapped
    sys.stdout.flush()
    sys.stderr.write(f"\\nQt loaded: {loaded}\\n")
    sys.stderr.flush()
    os._exit(code)

launch._exit_now = exit_now  # a render ends here, without the interpreter's teardown
sys.argv[0] = "studio-render"
exec(os.environ.pop("STUDIO_RENDER_TEST_PRELOAD", ""))
sys.exit(launch.main())
"""


def render_reporting_qt(*args: str | Path, timeout: float = 240, preload: str = ""
                        ) -> tuple[subprocess.CompletedProcess[str], bool]:  # fmt: skip
    """``studio-render render ARGS``, and whether the command line's own process loaded
    Qt (its worker processes are not counted). ``preload``: Python run first (tests of the
    check itself)."""
    env = {**os.environ, "STUDIO_RENDER_TEST_PRELOAD": preload}
    done = subprocess.run(
        [sys.executable, "-c", _REPORTING_QT, "render", *map(str, args)],
        capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    last = done.stderr.rstrip().rsplit("\n", 1)[-1]
    assert last.startswith("Qt loaded: "), done.stderr
    return done, last == "Qt loaded: True"


#: Runs the command line as ``python -m studio_render`` does, and says on its last stderr
#: line how many processes it forked and how many worker processes it exec'd (audit
#: events of this process only: a forked child's own events stay in the child).
_COUNTING_STARTS = """
import os, sys
from studio_render import launch

starts = {"forks": 0, "execs": 0}
parent = os.getpid()

def count(event, args):
    if os.getpid() != parent:
        return
    if event == "os.fork":
        starts["forks"] += 1
    elif event == "subprocess.Popen" and "studio_render.worker" in " ".join(map(str, args[1])):
        starts["execs"] += 1

sys.addaudithook(count)

def exit_now(code):
    sys.stdout.flush()
    sys.stderr.write(f"\\nstarts: {starts['forks']} {starts['execs']}\\n")
    sys.stderr.flush()
    os._exit(code)

launch._exit_now = exit_now
sys.argv[0] = "studio-render"
sys.exit(launch.main())
"""


def render_counting_starts(*args: str | Path, timeout: float = 240
                           ) -> tuple[subprocess.CompletedProcess[str], int, int]:  # fmt: skip
    """``studio-render render ARGS``, the processes the command line forked, and the
    worker processes it started with a new Python."""
    done = subprocess.run(
        [sys.executable, "-c", _COUNTING_STARTS, "render", *map(str, args)],
        capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    last = done.stderr.rstrip().rsplit("\n", 1)[-1]
    assert last.startswith("starts: "), done.stderr
    forks, execs = map(int, last.split()[1:])
    return done, forks, execs
