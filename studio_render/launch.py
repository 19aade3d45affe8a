"""The ``studio-render`` process's first lines: signal handling, then the command line.

Kept apart from ``cli`` so the handlers are in place before anything heavier is imported
(see ``core/interrupts.py``), and the signals the ``studio-render`` launcher blocked are
unblocked before any thread or child process starts.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys

from studio_render.core import interrupts


def main() -> int:
    if sys.argv[1:2] != ["--worker"]:
        interrupts.install()
    else:  # the frozen app's workers are stopped by their parent; never blocked, normally
        interrupts.unblock()
    from studio_render.cli import main as cli_main

    try:
        code = cli_main()
    except BrokenPipeError:  # the reader went away (`| head`): nothing left to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no flush error
        code = 141  # 128 + SIGPIPE: what a shell shows for a command a pipe stopped
    # The result stands: a signal now must not kill the exiting interpreter (Python puts
    # the default handlers back as it finalizes, but leaves "ignore" in place).
    for signum in interrupts.SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    if sys.argv[1:2] == ["render"]:  # its processes and files are done with: skip the
        _exit_now(code)  # interpreter's teardown (tens of milliseconds of CPU)
    return code


def _exit_now(code: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a reader gone (| head), or closed
            stream.flush()
    os._exit(code)
