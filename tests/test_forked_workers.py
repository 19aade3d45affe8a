"""Workers forked from the command line (core/forked.py): when a process may fork, what the
child is set up as, and that a forked worker renders what an exec'd one does.

The test process itself has Qt loaded, so it never forks: each fork happens in a fresh
Python started for the test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from studio_render.compositions.probe import probe_composition
from studio_render.core.chunk_run import run_chunk_attempt
from studio_render.core.ffmpeg import find_ffmpeg
from studio_render.core.forked import can_fork
from studio_render.core.job import RenderSettings, prepare_job
from studio_render.core.plan import Chunk
from studio_render.core.worker_pool import WorkerPool
from tests.cli import leftovers, render_counting_starts
from tests.conftest import ROOT
from tests.media import framemd5


def run_python(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", script, *args], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)  # fmt: skip


def test_a_process_forks_only_with_one_thread_and_no_qt() -> None:
    done = run_python("""
import json, sys, threading, time
from studio_render.core.forked import can_fork
seen = {"fresh": can_fork()}
sys.platform = "darwin"
seen["macOS"] = can_fork()
sys.platform = "linux"
stop = threading.Event()
thread = threading.Thread(target=stop.wait)
thread.start()
seen["thread"] = can_fork()
stop.set()
thread.join()
deadline = time.monotonic() + 2  # the system thread ends a moment after join returns
while not can_fork() and time.monotonic() < deadline:
    time.sleep(0.01)
seen["thread ended"] = can_fork()
import PySide6.QtCore
seen["qt"] = can_fork()
print(json.dumps(seen))
""")
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen == {"fresh": True, "macOS": False, "thread": False,
                    "thread ended": True, "qt": False}  # fmt: skip
    assert not can_fork(), "this test process has Qt loaded"


#: Forks a child with the command line's signal handlers in place (SIGHUP ignored at
#: start, as under nohup) and prints what the child reports about itself, its exit code,
#: and what the parent's own atexit handler and finally block wrote.
_CHILD_FACTS = """
import atexit, json, os, signal, sys, tempfile
from studio_render.core import interrupts
from studio_render.core.forked import fork_process

signal.signal(signal.SIGHUP, signal.SIG_IGN)
interrupts.install()
atexit.register(lambda: print("atexit", os.getpid(), file=sys.stderr, flush=True))
leaked = open(sys.argv[1], "w")  # a file of the parent's: the child must not hold it
sys.stdout.write("{buffered}")

def facts():
    def is_open(fd):
        try:
            return os.fstat(fd) is not None
        except OSError:
            return False
    print(json.dumps({
        "session leader": os.getsid(0) == os.getpid(),
        "sigint": signal.getsignal(signal.SIGINT) is signal.default_int_handler,
        "sigterm": signal.getsignal(signal.SIGTERM) == signal.SIG_DFL,
        "sighup": signal.getsignal(signal.SIGHUP) == signal.SIG_IGN,
        "mask": sorted(signal.pthread_sigmask(signal.SIG_BLOCK, [])),
        "tmp": tempfile.gettempdir(), "env": os.environ.get("ONLY_IN_CHILD"),
        "stdin": sys.stdin.read(), "open fds above 2": [fd for fd in range(3, 256) if is_open(fd)],
    }))
    raise {raise_}

env = {**os.environ, "TMPDIR": sys.argv[2], "ONLY_IN_CHILD": "yes"}
tempfile.gettempdir()  # cached in the parent: the child finds its own again
try:
    child = fork_process(facts, env)
finally:
    print("finally", os.getpid(), file=sys.stderr, flush=True)
child.stdin.write(b"sent")
child.stdin.close()
out, err = child.stdout.read().decode(), child.stderr.read().decode()
sys.stdout.flush()
print(json.dumps({"code": child.wait(5), "out": out, "err": err, "pid": child.pid}))
"""


_BUFFERED = "written by the parent, never flushed by the child"


def run_child(tmp_path: Path, raise_: str) -> dict[str, object]:
    child_tmp = tmp_path / "child-tmp"
    child_tmp.mkdir()
    script = _CHILD_FACTS.replace("{raise_}", raise_).replace("{buffered}", _BUFFERED)
    done = run_python(script, str(tmp_path / "f"), str(child_tmp))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.removeprefix(_BUFFERED))
    assert isinstance(report, dict)
    assert done.stderr.count("finally") == 1 and done.stderr.count("atexit") == 1, (
        "the child ran the parent's finally block or atexit handlers"
    )
    assert str(report["pid"]) not in done.stderr
    return report


def test_a_forked_child_is_set_up_as_an_execd_worker(tmp_path: Path) -> None:
    report = run_child(tmp_path, "SystemExit(7)")
    assert report["code"] == 7 and report["err"] == "", report
    assert _BUFFERED not in str(report["out"])
    facts = json.loads(str(report["out"]))
    assert facts == {
        "session leader": True, "sigint": True, "sigterm": True, "sighup": True, "mask": [],
        "tmp": str(tmp_path / "child-tmp"), "env": "yes", "stdin": "sent", "open fds above 2": [],
    }  # fmt: skip


def test_a_forked_child_that_raises_prints_its_traceback_and_exits_1(tmp_path: Path) -> None:
    report = run_child(tmp_path, "ValueError('broken in the child')")
    assert report["code"] == 1
    assert "Traceback" in str(report["err"])
    assert "ValueError: broken in the child" in str(report["err"])


#: Starts forked workers, checks they are forked and that closing the pool ends them by
#: the end of their stdin (exit code 3), not by a stop; renders a chunk in one if asked.
_FORKED_POOL = """
import json, sys, threading, time
from dataclasses import replace
from studio_render.core.chunk_run import run_chunk_attempt
from studio_render.core.chunkspec import ChunkSpec
from studio_render.core.worker_pool import WorkerPool

workers = WorkerPool("lottie")
workers.prestart(3)
procs = list(workers._idle)
spec = json.loads(sys.argv[1]) if len(sys.argv) > 1 else None
if spec is not None:
    outcome = run_chunk_attempt(ChunkSpec(**spec), threading.Event(), lambda r, e: None,
                                workers=workers)
    assert outcome.ok, outcome
closing = time.monotonic()
workers.close()
print(json.dumps({"forked": workers.forked, "started": workers.started,
                  "close_s": time.monotonic() - closing,
                  "codes": [proc.proc.returncode for proc in procs]}))
"""


def test_a_closed_pool_ends_its_forked_workers_by_end_of_input() -> None:
    """A forked worker holding another's stdin write end would never see its input end:
    the pool would have to stop it after its grace (code -2 or worse, not 3)."""
    done = run_python(_FORKED_POOL)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["forked"] == report["started"] == 3
    assert report["codes"] == [3, 3, 3] and report["close_s"] < 0.9, report


def test_a_forked_worker_renders_what_an_execd_one_does(corpus: Path, tmp_path: Path) -> None:
    info = probe_composition(corpus / "heart.json")
    settings = RenderSettings(output=tmp_path / "out.mkv", preset="ffv1", size=(200, 200))
    job = prepare_job(info, settings)
    try:
        spec = job.chunk_spec(Chunk(0, 3, 21), find_ffmpeg())
        execd = WorkerPool("lottie")  # this process has Qt: it starts a new Python
        try:
            outcome = run_chunk_attempt(spec, threading.Event(), lambda r, e: None,
                                        workers=execd)  # fmt: skip
            assert outcome.ok, outcome
            assert execd.started == 1 and execd.forked == 0
        finally:
            execd.close()
        expected = framemd5(Path(spec.output))
        assert len(expected) == 18
        Path(spec.output).unlink()
        done = run_python(_FORKED_POOL, spec.to_json())  # the same chunk, the same file
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)
        assert report["forked"] == 3 and report["codes"] == [3, 3, 3], report
        assert framemd5(Path(spec.output)) == expected
    finally:
        job.remove_work_dir()


def test_a_parallel_lottie_render_forks_its_workers_and_is_frame_exact(
    corpus: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.mkv"
    done, forks, execs = render_counting_starts(
        corpus / "heart.json", "-o", out, "-j", "2", "--chunk-frames", "8",
        "--size", "200x200", "--preset", "ffv1", "--progress", "none",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    workers = min(2, os.cpu_count() or 1)
    assert (forks, execs) == (workers, 0), "the command line forks its workers, execs none"
    info = probe_composition(corpus / "heart.json")
    job = prepare_job(info, RenderSettings(output=tmp_path / "ref.mkv", preset="ffv1",
                                           size=(200, 200)))  # fmt: skip
    execd = WorkerPool("lottie")
    try:
        spec = job.chunk_spec(Chunk(0, 0, info.frame_count), find_ffmpeg())
        outcome = run_chunk_attempt(spec, threading.Event(), lambda r, e: None, workers=execd)
        assert outcome.ok, outcome
        assert framemd5(out) == framemd5(Path(spec.output))
    finally:
        execd.close()
        job.remove_work_dir()
    assert leftovers(tmp_path) == []
