"""``studio-render gui COMPOSITION`` opens the window with the composition loaded."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from studio_render import cli
from studio_render.gui.app import load_app_icon
from studio_render.gui.main_window import MainWindow
from studio_render.resources import icons_dir
from tests.gui.conftest import LOAD_TIMEOUT_MS


def test_gui_command_opens_the_window_with_the_composition(
    qtbot: QtBot, composition: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """``studio-render gui FILE`` loads FILE; SIGTERM then closes the window cleanly."""
    handler_before = signal.getsignal(signal.SIGTERM)
    monkeypatch.setenv("STUDIO_RENDER_DATA_DIR", str(tmp_path / "data"))
    seen: list[str] = []
    clock = QElapsedTimer()
    clock.start()

    def close_when_loaded() -> None:
        """Polls (the window is made inside the command) until loaded, or gives up."""
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)
                   and w.isVisible()]  # fmt: skip
        if windows and (windows[0].info is not None or clock.elapsed() > LOAD_TIMEOUT_MS):
            seen.append(
                windows[0].composition.name_label.text() if windows[0].info else "not loaded"
            )
            os.kill(os.getpid(), signal.SIGTERM)
        elif clock.elapsed() > LOAD_TIMEOUT_MS:
            QApplication.quit()
        else:
            QTimer.singleShot(20, close_when_loaded)

    QTimer.singleShot(0, close_when_loaded)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    try:
        assert cli.main(["gui", str(composition)]) == 0
    finally:
        app.setQuitOnLastWindowClosed(True)
    assert seen == [composition.name]
    assert signal.getsignal(signal.SIGTERM) is handler_before
    assert (tmp_path / "env-settings.ini").exists()  # settings went where we pointed them
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, MainWindow):
            widget.deleteLater()


def test_app_icon_loads_when_present():
    icon = load_app_icon()
    if not (icons_dir() / "studio-render.svg").is_file():
        pytest.skip("the icon is not in resources/icons yet")
    assert not icon.isNull() and not icon.pixmap(64, 64).isNull()
