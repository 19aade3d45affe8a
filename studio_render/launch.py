"""The ``studio-render`` process's first lines: signal handling, then the command line.

Kept apart from ``cli`` so the handlers are in place before anything heavier is imported
(see ``core/interrupts.py``), and the signals the ``studio-render`` launcher blocked are
unblocked before any thread or child process starts.
"""

from __future__ import annotations

import signal
import sys

from studio_render.core import interrupts


def main() -> int:
    if sys.argv[1:2] != ["--worker"]:
        interrupts.install()
    else:  # the frozen app's workers are stopped by their parent; never blocked, normally
        interrupts.unblock()
    from studio_render.cli import main as cli_main

    code = cli_main()
    # The result stands: a signal now must not kill the exiting interpreter (Python puts
    # the default handlers back as it finalizes, but leaves "ignore" in place).
    for signum in interrupts.SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    return code
