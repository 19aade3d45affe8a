"""Child processes forked from this one: a worker that costs a fork, not a Python start.

A process may fork only while it has one thread and no Qt (:func:`can_fork`): a lock
another thread held at the fork stays held in the child forever, and Qt keeps threads and
state of its own. The command line meets both conditions when it starts its local workers;
the window, and a worker started later in a render (its output readers are threads), do
not, and start their workers with a fresh Python (``exec``) as before.

The child is set up to look like an exec'd worker to everything that supervises it: a
session (process group) of its own, the pipes on 0, 1 and 2 with fresh ``sys.std*``
objects, no other inherited file descriptor, signal dispositions as a new process would
have them, its own environment, and an exit through ``os._exit`` (never back into the
parent's code, its ``finally`` blocks or its ``atexit`` handlers).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from typing import IO

_PR_SET_NAME = 15  # prctl(2)


def can_fork() -> bool:
    """Whether this process may fork a worker now: Linux (macOS's system libraries are not
    safe in a forked child; elsewhere, untested), no Qt loaded, and this (the main) thread
    the only one, threads of C libraries included. The installed (frozen) app forks too:
    its command line is the one artists run."""
    if not sys.platform.startswith("linux"):
        return False
    if "PySide6" in sys.modules or threading.current_thread() is not threading.main_thread():
        return False
    return len(os.listdir("/proc/self/task")) == 1  # every thread, C libraries' too


def name_process(name: str) -> None:
    """Give this process ``name`` in ``ps``, ``top`` and psutil's ``name()`` (Linux; at
    most 15 bytes): a forked child's command line is still its parent's."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(_PR_SET_NAME, name.encode()[:15], 0, 0, 0)


class ForkedProcess:
    """What :class:`subprocess.Popen` offers a supervisor, for a child made by
    :func:`fork_process`: ``pid``, the pipes, ``poll``, ``wait``, ``kill``, ``returncode``."""

    def __init__(self, pid: int, stdin: IO[bytes], stdout: IO[bytes], stderr: IO[bytes]) -> None:
        self.pid = pid
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr
        self.returncode: int | None = None
        self._reaping = threading.Lock()  # one waitpid at a time (threads poll it)

    def poll(self) -> int | None:
        if self.returncode is None and self._reaping.acquire(blocking=False):
            try:
                if self.returncode is None:
                    pid, status = os.waitpid(self.pid, os.WNOHANG)
                    if pid == self.pid:
                        self.returncode = os.waitstatus_to_exitcode(status)
            except ChildProcessError:  # reaped elsewhere: its code is lost
                self.returncode = 1
            finally:
                self._reaping.release()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """The exit code; :class:`subprocess.TimeoutExpired` after ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        delay = 0.0005
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(f"forked process {self.pid}", timeout or 0.0)
            time.sleep(delay)
            delay = min(delay * 2, 0.02)
        return code

    def kill(self) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)


def fork_process(target: Callable[[], int], env: Mapping[str, str]) -> ForkedProcess:
    """Run ``target`` in a forked child with the environment ``env`` and its stdin,
    stdout and stderr on pipes to this process; the child exits with ``target``'s return
    value (1 and the traceback on its stderr if it raised). Only where :func:`can_fork`."""
    pipes = [os.pipe() for _ in range(3)]  # stdin, stdout, stderr; close-on-exec
    ours = [pipes[0][1], pipes[1][0], pipes[2][0]]
    theirs = [pipes[0][0], pipes[1][1], pipes[2][1]]
    blocked: set[int] = signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
    try:
        pid = os.fork()
        if pid == 0:
            _run_child(target, env, theirs, blocked)  # never returns
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    for fd in theirs:
        os.close(fd)
    stdin, stdout, stderr = (os.fdopen(ours[0], "wb"), os.fdopen(ours[1], "rb"),
                             os.fdopen(ours[2], "rb"))  # fmt: skip
    return ForkedProcess(pid, stdin, stdout, stderr)


def _run_child(
    target: Callable[[], int], env: Mapping[str, str], fds: list[int], mask: set[int]
) -> None:
    """In the child: become a worker of its own, run ``target``, exit. Signals stay
    blocked until their handlers are a new process's, so none runs the parent's."""
    code = 1
    try:
        gc.freeze()  # the parent's garbage is never collected here (its files, its fds)
        os.setsid()
        _become_stdio(fds)
        _reset_signals()
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        os.environ.clear()
        os.environ.update(env)
        tempfile.tempdir = None  # found again from TMPDIR, which may have changed
        code = target()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        with contextlib.suppress(BaseException):
            traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(BaseException):
                stream.flush()
        os._exit(code)


_PARENTS_STDIO: list[object] = []  # kept, never flushed: their buffers hold the parent's


def _become_stdio(fds: list[int]) -> None:
    """The pipes on 0, 1 and 2, new ``sys.std*`` objects on them, every other fd closed."""
    import fcntl

    high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 3) for fd in fds]  # none clobbered by dup2
    for target_fd, fd in enumerate(high):
        os.dup2(fd, target_fd)
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))
    _PARENTS_STDIO.extend([sys.stdin, sys.stdout, sys.stderr])
    encoding = getattr(sys.__stdout__, "encoding", None) or "utf-8"
    sys.stdin = open(0, encoding=encoding, closefd=False)  # noqa: SIM115
    sys.stdout = open(1, "w", encoding=encoding, closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", 1, encoding, "backslashreplace", closefd=False)  # noqa: SIM115


def _reset_signals() -> None:
    """Each signal handled by Python code goes back to what a new Python process has
    (Ctrl-C raises KeyboardInterrupt, the others their default action); those ignored
    stay ignored, as an exec keeps them; no wakeup fd."""
    signal.set_wakeup_fd(-1)
    for signum in signal.valid_signals():
        with contextlib.suppress(OSError, ValueError):
            handler = signal.getsignal(signum)
            if callable(handler) and handler is not signal.default_int_handler:
                default = signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL
                signal.signal(signum, default)
