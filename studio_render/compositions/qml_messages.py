"""Script problems that Qt reports only in its log: a binding that reads something
undefined, a binding loop, a value of the wrong type. The item then
keeps a default value, so the frame can lack what the designer meant; these are shown as
warnings, in Qt's words, naming the file and line: those of the scene's load by the
probe, those of later frames by the render processes as they draw them."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import (
    QMessageLogContext,
    QtMsgType,
    QUrl,
    qFormatLogMessage,
    qInstallMessageHandler,
)

#: Messages that say a script or binding did not do what it says.
_SCRIPT_PROBLEM = re.compile(r"\b[A-Za-z]*Error: |Binding loop detected|Unable to assign")
#: Qt's "file:///folder/scene.qml:12:5: " in front of each message.
_WHERE = re.compile(r"^\S+?:\d+(?::\d+)?: ")
#: Lines shown at most; the rest are counted.
MAX_SHOWN = 5


@contextmanager
def script_problems(
    folder: Path, on_new: Callable[[str], None] = lambda problem: None
) -> Iterator[list[str]]:
    """Collect, while the block runs, the script problems Qt reports in files under
    ``folder`` (``scene.qml:3: ReferenceError: theme is not defined``), each once, and
    pass each new one to ``on_new``; other messages go to standard error as before."""
    found: list[str] = []
    seen: set[str] = set()

    def handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        url = QUrl(context.file or "")
        local = Path(url.toLocalFile()) if url.isLocalFile() else None
        if (
            kind in (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg)
            and local is not None
            and local.is_relative_to(folder)
            and _SCRIPT_PROBLEM.search(message)
        ):
            line = f"{local.name}:{context.line}: {_WHERE.sub('', message)}"
            if line not in seen:
                seen.add(line)
                found.append(line)
                on_new(line)
        else:
            print(qFormatLogMessage(kind, context, message), file=sys.stderr)

    previous = qInstallMessageHandler(handler)
    try:
        yield found
    finally:
        qInstallMessageHandler(previous)


def shown(lines: list[str], what: str) -> list[str]:
    """``lines`` as warnings: the first :data:`MAX_SHOWN`, then how many more ``what``."""
    if len(lines) <= MAX_SHOWN:
        return lines
    return [*lines[:MAX_SHOWN], f"and {len(lines) - MAX_SHOWN} more {what}"]
