"""Loading compositions: facts, preview, broken files, drag and drop, recent files."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog
from pytestqt.qtbot import QtBot

from studio_render.core.composition import CompositionInfo
from studio_render.gui.composition_info import CompositionInfoView
from studio_render.gui.main_window import MainWindow
from tests.conftest import ROOT
from tests.gui.conftest import LOAD_TIMEOUT_MS, WindowFactory, load

BROKEN_QML = ROOT / "tests" / "data" / "broken.qml"


def fail_to_load(qtbot: QtBot, window: MainWindow, path: Path) -> str:
    with qtbot.waitSignal(window.compositionFailed, timeout=LOAD_TIMEOUT_MS) as blocker:
        window.load_composition(path)
    message = str(blocker.args[0])
    shown = window.preview.error
    assert shown is not None and message in shown and window.preview.message.isVisible()
    assert not window.render_button.isEnabled() and not window.queue_button.isEnabled()
    return message


def test_loading_shows_the_facts_and_a_default_output(window: MainWindow, composition: Path):
    values = {k: label.text() for k, label in window.composition.info_view.values.items()}
    info = window.info
    assert info is not None
    assert window.composition.name_label.text() == composition.name
    assert values["size"] == f"{info.width} × {info.height}"
    assert values["frames"] == str(info.frame_count)
    assert values["kind"] in ("QML scene", "Lottie animation")
    assert values["fps"].endswith("fps") and values["duration"].endswith(" s")
    assert values["audio"] == "none"
    assert values["renderer"] == "{} ({})".format(*info.renderer())
    assert values["warnings"] == "none"
    assert values["network"] == "none"
    assert window.form.output_edit.text() == str(composition.with_suffix(".mp4"))
    assert window.form.last_frame.value() == info.frame_count - 1
    assert window.render_button.isEnabled()
    assert composition.name in window.windowTitle()


def test_the_facts_name_the_urls_the_network_policy_refuses(qtbot: QtBot) -> None:
    """The panel's Network row, fed what the probe found (test_qml_network: the probe
    finds a remote Image's URL, and ``info`` prints the same note)."""
    url = "http://127.0.0.1:9/remote.png"
    info = CompositionInfo("/s/remote.qml", "qml", 32, 32, 30.0, 4, remote=(url,))
    view = CompositionInfoView()
    qtbot.addWidget(view)
    view.set_info(info)
    refused = "refused: local renders read local files only, unless network is allowed"
    assert view.values["network"].text() == f"{url} ({refused})"
    view.set_info(replace(info, remote=()))
    assert view.values["network"].text() == "none"


def test_open_dialog_is_filtered_and_loads(qtbot: QtBot, make_window: WindowFactory,
                                           composition: Path):  # fmt: skip
    window = make_window()
    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    dialog = window.findChild(QFileDialog, "openDialog")
    assert isinstance(dialog, QFileDialog) and dialog.isVisible()
    assert "*.qml *.json *.lottie *.tgs" in dialog.nameFilters()[0]
    dialog.selectFile(str(composition))
    with qtbot.waitSignal(window.compositionLoaded, timeout=LOAD_TIMEOUT_MS):
        dialog.accept()


def test_save_as_dialog_sets_the_output(qtbot: QtBot, window: MainWindow, tmp_path: Path):
    qtbot.mouseClick(window.form.save_as_button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(QFileDialog, "saveAsDialog")
    assert isinstance(dialog, QFileDialog) and dialog.isVisible()
    dialog.selectFile(str(tmp_path / "chosen"))
    dialog.accept()
    assert window.form.output_edit.text() == str(tmp_path / "chosen.mp4")
    assert window.form.save_dir == str(tmp_path)


def test_scrubbing_draws_frames_off_the_gui_thread(qtbot: QtBot, window: MainWindow):
    preview = window.preview
    qtbot.waitUntil(lambda: not preview.canvas.image.isNull(), timeout=LOAD_TIMEOUT_MS)
    last = preview.slider.maximum()
    for frame in range(0, last, max(1, last // 8)):  # a quick scrub: only the newest waits
        preview.slider.setValue(frame)
    with qtbot.waitSignal(preview.renderer.ready, timeout=LOAD_TIMEOUT_MS,
                          check_params_cb=lambda frame, image: frame == last):  # fmt: skip
        preview.slider.setValue(last)
    assert preview.frame_label.text() == f"Frame {last} / {last}"
    assert not preview.canvas.image.isNull() and preview.error is None
    qtbot.waitUntil(lambda: not preview.renderer.busy)


def test_qml_syntax_error_is_shown_with_its_line(qtbot: QtBot, make_window: WindowFactory):
    window = make_window()
    message = fail_to_load(qtbot, window, BROKEN_QML)
    assert re.search(r"broken\.qml:\d+: ", message), message
    assert window.info is None and window.composition.info_view.values["size"].text() == "–"


def test_unreadable_lottie_is_shown_in_plain_words(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path
):
    window = make_window()
    junk = tmp_path / "junk.json"
    junk.write_text('{"v": "5.7", "layers": [')
    message = fail_to_load(qtbot, window, junk)
    assert "junk.json" in message
    missing = fail_to_load(qtbot, window, tmp_path / "nowhere.json")
    assert "not found" in missing


def test_a_good_file_loads_after_a_broken_one(
    qtbot: QtBot, make_window: WindowFactory, composition: Path
):
    window = make_window()
    fail_to_load(qtbot, window, BROKEN_QML)
    load(qtbot, window, composition)
    assert window.preview.error is None and window.render_button.isEnabled()


def test_drop_a_file_on_the_window(qtbot: QtBot, make_window: WindowFactory, composition: Path):
    window = make_window()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(composition))])
    action = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(QPoint(50, 50), action, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)  # fmt: skip
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(50, 50), action, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)  # fmt: skip
    with qtbot.waitSignal(window.compositionLoaded, timeout=LOAD_TIMEOUT_MS):
        QApplication.sendEvent(window, drop)
    assert window.composition.path == composition

    other = QMimeData()
    other.setUrls([QUrl.fromLocalFile(str(ROOT / "pyproject.toml"))])
    refused = QDragEnterEvent(QPoint(50, 50), action, other, Qt.MouseButton.LeftButton,
                              Qt.KeyboardModifier.NoModifier)  # fmt: skip
    QApplication.sendEvent(window, refused)
    assert not refused.isAccepted()


def test_recent_files_menu_reopens(qtbot: QtBot, make_window: WindowFactory, composition: Path):
    window = make_window()
    load(qtbot, window, composition)
    fail_to_load(qtbot, window, BROKEN_QML)
    assert window.settings.recent_files == [str(BROKEN_QML), str(composition)]
    window.composition.recent_menu.aboutToShow.emit()
    entries = {a.text(): a for a in window.composition.recent_menu.actions() if a.text()}
    assert composition.name in entries and "Clear List" in entries
    with qtbot.waitSignal(window.compositionLoaded, timeout=LOAD_TIMEOUT_MS):
        entries[composition.name].trigger()


def test_window_says_which_renderer_and_why_and_warns(qtbot: QtBot, make_window: WindowFactory,
                                                      tmp_path: Path):  # fmt: skip
    window = make_window()
    scenes = Path(__file__).resolve().parents[1] / "data" / "scenes"
    values = window.composition.info_view.values
    with qtbot.waitSignal(window.compositionLoaded, timeout=LOAD_TIMEOUT_MS):
        window.load_composition(scenes / "title_card.qml")
    assert values["renderer"].text().startswith("gpu (MultiEffect"), values["renderer"].text()
    clock = tmp_path / "clock.qml"
    clock.write_text(
        "import QtQuick\nRectangle { width: 64; height: 64; property int frame\n"
        "  property int durationInFrames: 3\n  opacity: Date.now() % 2 ? 1 : 0.5 }\n"
    )
    with qtbot.waitSignal(window.compositionLoaded, timeout=LOAD_TIMEOUT_MS):
        window.load_composition(clock)
    assert "clock.qml:4: Date.now reads the wall clock" in values["warnings"].text()
