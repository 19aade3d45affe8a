"""SIGINT, SIGTERM and SIGHUP: noted at any moment, acted on where stopping is safe. Qt-free.

The command line calls :func:`install` as its first statement, before anything is created
on disk. The handler never raises: an exception thrown at an arbitrary point (half-way
through importing Qt, or between creating the work folder and starting the engine) is what
left tracebacks, aborts and work folders behind. It notes the signal and runs the current
*action* (stop the worker processes; cancel the engine); the main flow calls :func:`check`
where it can stop cleanly. Exit code: 128 + the signal's number (130, 143, 129).

The ``studio-render`` command (``bin/studio-render``) starts Python with these signals
blocked: one sent while CPython starts (before any code of ours can run) stays pending
until :func:`install` has put the handlers in place and unblocks them.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator
from types import FrameType

#: The signals that end a render: Ctrl-C, ``kill``/``timeout``/``docker stop``, a closed
#: terminal. (Windows has no SIGHUP.)
SIGNALS: tuple[int, ...] = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)

_received: list[int] = []  # the first signal, once one came
_action: list[Callable[[], None]] = []  # what a signal does now, besides being noted
_installed: list[int] = []  # the signals handled here


class Interrupted(BaseException):
    """A signal asked the program to stop (a BaseException, like KeyboardInterrupt)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal_name(signum))
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return exit_code(self.signum)


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def exit_code(signum: int) -> int:
    """The shell's convention: 128 + the signal's number."""
    return 128 + signum


def install() -> None:
    """Handle the signals in :data:`SIGNALS` from now to the end of the process, then
    :func:`unblock` them: one that came during start-up is handled right here. A signal
    ignored when the process started stays ignored, as the Unix convention wants: SIGHUP
    under ``nohup``, SIGINT for a job a script started with ``&``."""
    for signum in SIGNALS:
        if signal.getsignal(signum) != signal.SIG_IGN:
            signal.signal(signum, _handle)
            _installed.append(signum)
    unblock()


def unblock() -> None:
    """Unblock :data:`SIGNALS` (blocked by the launcher), before any thread or child
    process starts: both inherit the mask."""
    if hasattr(signal, "pthread_sigmask"):  # not on Windows
        signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)


def uninstall() -> None:
    """Python's defaults again, for commands that handle signals their own way (the
    window, Dask's scheduler and worker). A signal that came meanwhile is acted on."""
    for signum in _installed:  # none in a process that never installed them (tests)
        default = signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL
        signal.signal(signum, default)
    _installed.clear()
    if _received:
        signal.raise_signal(_received[0])


def _handle(signum: int, frame: FrameType | None) -> None:
    if not _received:
        _received.append(signum)
    for action in list(_action):
        with contextlib.suppress(Exception):  # never raise here, whatever the action does
            action()


def received() -> int | None:
    """The first signal received, or None."""
    return _received[0] if _received else None


def check() -> None:
    """Raise :class:`Interrupted` if a signal has come."""
    if _received:
        raise Interrupted(_received[0])


@contextlib.contextmanager
def acting(action: Callable[[], None]) -> Iterator[None]:
    """Run ``action`` on each signal that comes while the block runs."""
    _action.append(action)
    try:
        yield
    finally:
        _action.remove(action)
