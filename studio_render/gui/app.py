"""Starting the desktop app: ``studio-render``, ``studio-render gui [COMPOSITION]``."""

from __future__ import annotations

import contextlib
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import QSocketNotifier
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from studio_render import __version__
from studio_render.gui.main_window import APP_NAME, MainWindow
from studio_render.gui.settings import AppSettings, default_data_dir, default_qsettings
from studio_render.resources import icons_dir

ORGANIZATION = "Studio Render"
APPLICATION = "studio-render"
DESKTOP_FILE = "studio-render"


def load_app_icon(folder: Path | None = None) -> QIcon:
    """The app icon from ``resources/icons`` (SVG plus hicolor PNGs); empty if absent."""
    folder = icons_dir() if folder is None else folder
    icon = QIcon()
    svg = folder / "studio-render.svg"
    if svg.is_file():
        icon.addFile(str(svg))
    for png in sorted(folder.glob("hicolor/*/apps/studio-render.png")):
        icon.addFile(str(png))
    return icon


def create_app(argv: list[str]) -> tuple[QApplication, list[str]]:
    """The QApplication (the existing one, in tests), named so settings and data find home.

    Returns it with the arguments Qt did not take for itself (``-style``, ...).
    """
    QApplication.setOrganizationName(ORGANIZATION)
    QApplication.setApplicationName(APPLICATION)
    QApplication.setApplicationDisplayName(APP_NAME)
    QApplication.setApplicationVersion(__version__)
    QGuiApplication.setDesktopFileName(DESKTOP_FILE)
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        app, args = existing, argv
    else:
        app = QApplication([APPLICATION, *argv])
        args = app.arguments()[1:]
    icon = load_app_icon()
    if not icon.isNull():
        app.setWindowIcon(icon)
    return app, args


def create_main_window(argv: list[str]) -> MainWindow:
    """The main window, with ``argv[0]`` (a composition), if given, being loaded."""
    window = MainWindow(AppSettings(default_qsettings()), default_data_dir())
    if argv:
        window.load_composition(argv[0])
    return window


@contextlib.contextmanager
def close_on_signals(window: MainWindow) -> Iterator[None]:
    """Ctrl+C and SIGTERM close the window without asking: a render stops, its finished
    chunks kept, as interrupted. The signal wakes the event loop through a socket, so
    nothing polls.
    """
    wanted = [s for s in (signal.SIGINT, getattr(signal, "SIGTERM", None)) if s is not None]
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, window)

    def on_signal() -> None:
        with contextlib.suppress(OSError):
            reader.recv(64)
        window.close_now(keep_finished=True)

    notifier.activated.connect(on_signal)
    previous_fd = signal.set_wakeup_fd(writer.fileno())
    previous = {s: signal.signal(s, lambda *_: None) for s in wanted}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        signal.set_wakeup_fd(previous_fd)
        notifier.setEnabled(False)
        reader.close()
        writer.close()


def run_app(argv: list[str]) -> int:
    """Open the main window and run until it closes; the exit code."""
    app, args = create_app(argv)
    window = create_main_window(args[:1])
    app.setQuitOnLastWindowClosed(False)
    window.closed.connect(app.quit)
    window.show()
    with close_on_signals(window):
        return app.exec()


if __name__ == "__main__":
    sys.exit(run_app(sys.argv[1:]))
