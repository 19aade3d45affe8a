"""Child processes in their own process groups: line-by-line output, escalating stop.

Used for chunk workers and for ffmpeg join/mux steps alike. Qt-free; the caller's thread
owns the process and polls it, so a stop request from another thread never blocks.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from functools import partial

from studio_render.core.forked import ForkedProcess, fork_process, name_process

#: Each step of a stop waits this long for the process group to go before escalating:
#: interrupt, then terminate, then kill; well inside a second in all.
STOP_STEP_S = 0.15
_EOF = object()
#: Names a worker's own TMPDIR (see ``SupervisedProcess(own_tmp=True)``).
OWN_TMP_ENV = "STUDIO_RENDER_OWN_TMP"
#: Names a file to which a serving worker appends "PID HOW COMPOSITION" for each
#: composition it loads, HOW being ``probed`` (the animation its probe loaded, taken over)
#: or ``opened`` (tests and benchmarks count loads with it).
LOAD_LOG_ENV = "STUDIO_RENDER_LOAD_LOG"
#: Process groups of the supervised processes not waited for yet (keys; a dict keeps
#: additions from other threads safe while a signal handler reads it).
_LIVE_GROUPS: dict[int, None] = {}


#: The worker's entry point: ``main(args)``, as ``python -m studio_render.worker`` runs it.
WORKER_MAIN = "studio_render.worker.main"
#: The process name of a forked worker (``ps``; an exec'd one shows its command line).
WORKER_NAME = "studio-worker"


def worker_command(*args: str) -> list[str]:
    """The command that starts a worker process, from a source tree or the frozen app."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "--worker", *args]
    return [sys.executable, "-m", "studio_render.worker", *args]


def run_worker(*args: str) -> int:
    """What ``worker_command(*args)`` runs, run in this process: a forked worker's life,
    named :data:`WORKER_NAME`. The worker package is named, not imported: the core imports
    no other subpackage."""
    name_process(WORKER_NAME)
    return int(importlib.import_module(WORKER_MAIN).main(list(args)))


def last_json_line(output: str) -> dict[str, object]:
    """The last line of a worker's output that is a JSON object (its answer), or ``{}``."""
    for line in reversed(output.strip().splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return {}


def kill_all_groups() -> None:
    """Kill every supervised process group at once (a signal before the render started).

    Safe in a signal handler: no lock, no waiting; their supervisors reap them.
    """
    for pid in list(_LIVE_GROUPS):
        with contextlib.suppress(OSError):
            if os.name == "posix":
                os.killpg(pid, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGTERM)


def remove_tree(path: str) -> None:
    """Remove the folder ``path`` and all it holds, again if another thread of this process
    wrote into it meanwhile (a worker removing its own TMPDIR as it exits)."""
    for _ in range(10):
        shutil.rmtree(path, ignore_errors=True)
        if not os.path.lexists(path):
            return


def own_tmp_name() -> str:
    """A fresh path in this process's TMPDIR for a worker's own TMPDIR, not made yet: the
    worker makes it (:func:`own_tmpdir`), so a supervisor that dies before its child
    starts leaves no empty folder behind."""
    return os.path.join(tempfile.gettempdir(), f"studio-render-worker-{os.urandom(6).hex()}")


@contextlib.contextmanager
def own_tmpdir() -> Iterator[None]:
    """In a worker whose supervisor named it a TMPDIR of its own (:data:`OWN_TMP_ENV`):
    make that folder, and remove it as the worker returns or raises (a worker that exits
    at once calls :func:`remove_own_tmpdir` itself). A worker killed outright leaves it to
    its supervisor, which removes it once the worker has exited."""
    path = os.environ.get(OWN_TMP_ENV)
    if path:
        os.makedirs(path, mode=0o700, exist_ok=True)
        tempfile.tempdir = None  # found again, now that it exists
    try:
        yield
    finally:
        remove_own_tmpdir()


def remove_own_tmpdir() -> None:
    """In a worker: remove its own TMPDIR (see :func:`own_tmpdir`), if it has one."""
    path = os.environ.get(OWN_TMP_ENV)
    if path:
        remove_tree(path)  # another thread may be writing into it still


def _forked_child(target: Callable[[], int]) -> int:
    """``target`` in a forked child, which supervises none of its parent's processes."""
    _LIVE_GROUPS.clear()
    return target()


class SupervisedProcess:
    """A child process whose stdout lines are queued and whose last stderr lines are kept."""

    def __init__(
        self,
        argv: Sequence[str],
        env: dict[str, str] | None = None,
        tail_lines: int = 20,
        own_tmp: bool = False,
        fork: Callable[[], int] | None = None,
        read: bool = True,
    ) -> None:
        """``own_tmp``: the process gets a TMPDIR of its own (a worker, which makes it:
        :func:`own_tmpdir`), removed once it has exited however it ended. ``fork``: the child
        runs this function, forked from this process (:mod:`~studio_render.core.forked`:
        only where ``can_fork()``), instead of exec'ing ``argv``. ``read=False``: its output
        readers (threads) start at :meth:`start_reading`, so more can be forked first."""
        kwargs: dict[str, object] = {}
        self._tmp: str | None = None
        if own_tmp:
            self._tmp = own_tmp_name()
            env = {**(os.environ if env is None else env), "TMPDIR": self._tmp,
                   OWN_TMP_ENV: self._tmp}  # fmt: skip
        if os.name == "posix":
            kwargs["start_new_session"] = True  # own process group: stop takes its children
        else:
            kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
        self.argv = list(argv)
        self._lines: queue.Queue[object] = queue.Queue()
        self._tail: deque[str] = deque(maxlen=tail_lines)
        self.proc: subprocess.Popen[bytes] | ForkedProcess
        if fork is not None:
            env = dict(os.environ) if env is None else env
            self.proc = fork_process(partial(_forked_child, fork), env)
        else:
            self.proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                **kwargs,  # type: ignore[call-overload]
            )
        self.pid = self.proc.pid
        _LIVE_GROUPS[self.pid] = None
        self._readers = [
            threading.Thread(target=self._read_stdout, daemon=True, name=f"out-{self.pid}"),
            threading.Thread(target=self._read_stderr, daemon=True, name=f"err-{self.pid}"),
        ]
        if read:
            self.start_reading()

    def start_reading(self) -> None:
        """Start the threads that read the process's output (once)."""
        for reader in self._readers:
            if reader.ident is None:
                reader.start()

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self._lines.put(raw.decode(errors="replace").rstrip("\r\n"))
        self._lines.put(_EOF)

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            line = raw.decode(errors="replace").rstrip()
            if line:
                self._tail.append(line)

    def next_line(self, timeout: float) -> str | None:
        """The next stdout line, or None if none came within ``timeout`` or output ended."""
        try:
            item = self._lines.get(timeout=timeout)
        except queue.Empty:
            return None
        if item is _EOF:
            self._lines.put(_EOF)  # stay at end of output for later calls
            return None
        assert isinstance(item, str)
        return item

    @property
    def own_tmpdir(self) -> str | None:
        """The TMPDIR of its own (``own_tmp=True``), which it makes and removes; else None."""
        return self._tmp

    @property
    def output_ended(self) -> bool:
        return self._lines.qsize() == 1 and self._lines.queue[0] is _EOF

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the exit code; also waits for the output readers to finish."""
        code = self.proc.wait(timeout)
        _LIVE_GROUPS.pop(self.pid, None)
        if self._tmp is not None:
            remove_tree(self._tmp)
        for reader in self._readers:
            if reader.ident is not None:
                reader.join(timeout=2)
        return code

    def poll(self) -> int | None:
        return self.proc.poll()

    @property
    def tail(self) -> str:
        """The last lines the process wrote on stderr."""
        return "\n".join(self._tail)

    def stop(self) -> None:
        """Stop the whole process group: interrupt, terminate, then kill."""
        if os.name == "posix":
            for sig in (signal.SIGINT, signal.SIGTERM):
                if not self._signal_group(sig) or self._wait_group_gone(STOP_STEP_S):
                    break
            self._signal_group(signal.SIGKILL)
        else:
            self.proc.kill()
        self.close_stdin()
        self.wait()

    def _wait_group_gone(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.proc.poll()  # reap the leader so a zombie does not count as alive
            if not self._group_alive():
                return True
            time.sleep(0.01)
        return False

    def send_line(self, text: str) -> bool:
        """Write one line to the process's stdin; False if it can no longer read."""
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(text.encode() + b"\n")
            self.proc.stdin.flush()
            return True
        except (OSError, ValueError):  # a broken pipe, or stdin already closed
            return False

    def close_stdin(self) -> None:
        if self.proc.stdin and not self.proc.stdin.closed:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()

    def _signal_group(self, sig: int) -> bool:
        try:
            os.killpg(self.pid, sig)
            return True
        except (ProcessLookupError, PermissionError):
            return False

    def _group_alive(self) -> bool:
        try:
            os.killpg(self.pid, 0)
            return True
        except (ProcessLookupError, PermissionError):
            return False
