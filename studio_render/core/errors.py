"""Errors the user can act on (their messages are single lines meant to be shown as they
are), the exit codes that report them, and wording shared by such lines."""

from collections.abc import Sequence

#: Exit codes of the command line and of worker processes. A signal: 128 + its number
#: (``interrupts.exit_code``); 130 is SIGINT's.
EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_CANCELLED = 0, 1, 2, 130


class StudioRenderError(Exception):
    """Base class for errors that are reported to the user without a traceback."""


class BadInput(StudioRenderError):
    """The composition, the settings or the output path cannot be used (CLI exit code 2)."""


def one_line(exc: BaseException) -> str:
    """``exc`` in one line: the words of our own errors as they are, else its type and
    message (``ValueError: ...``)."""
    text = " ".join(str(exc).split())
    if isinstance(exc, StudioRenderError):
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def listed(names: Sequence[str], most: int = 3) -> str:
    """The first ``most`` of ``names`` for a one-line message: "a, b, c and 2 more"."""
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return ", ".join(names[:most]) + more
