"""Putting a finished output in place without ever losing what the user had."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path


def install_output(partial: Path, output: Path, work_dir: Path) -> None:
    """Move the complete ``partial`` onto ``output``; an old file is replaced atomically
    by one with its permissions (a read-only render stays read-only).

    A folder (image sequence) cannot be swapped atomically: the old one is moved aside
    into ``work_dir`` first and removed only after the new one is in place.
    """
    if partial.is_dir():
        previous = work_dir / "previous-output"
        if output.exists():
            os.replace(output, previous)
        try:
            os.replace(partial, output)
        except OSError:
            if previous.exists():
                os.replace(previous, output)
            raise
        shutil.rmtree(previous, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):  # no old one
            shutil.copymode(output, partial)
        os.replace(partial, output)
