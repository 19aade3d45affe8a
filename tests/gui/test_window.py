"""The window's controls, its error dialog for bad settings, and what it remembers."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSlider,
    QTableView,
    QWidget,
)
from pytestqt.qtbot import QtBot

from studio_render.core.job import RenderSettings, default_concurrency, prepare_job
from studio_render.core.presets import PRESETS
from studio_render.gui.main_window import MainWindow
from studio_render.gui.output_form import default_output, with_preset_suffix
from studio_render.gui.render_queue import QueueItem, Status
from tests.gui.conftest import WindowFactory, close_window, load, set_render

REQUIRED_NAMES = (
    "openButton", "outputPathEdit", "presetCombo", "concurrencySpinBox", "renderButton",
    "cancelButton", "progressBar", "stageLabel", "etaLabel", "chunkStrip", "previewSlider",
    "queueView",
)  # fmt: skip


def test_key_widgets_are_named_and_every_control_has_a_tooltip(make_window: WindowFactory):
    window = make_window()
    for name in REQUIRED_NAMES:
        assert window.findChild(QWidget, name) is not None, name
    controls = (QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit, QSlider, QTableView)
    missing = [
        w.objectName() or type(w).__name__
        for w in window.findChildren(QWidget)
        if isinstance(w, controls) and not w.toolTip()
        and not isinstance(w.parent(), (QComboBox, QAbstractSpinBox, QTableView, QLineEdit))
        and "qt_" not in w.objectName()
    ]  # fmt: skip
    assert not missing, missing


def mnemonic(text: str) -> str | None:
    at = text.replace("&&", "").find("&")
    return text.replace("&&", "")[at + 1].lower() if at >= 0 else None


def test_shortcuts(make_window: WindowFactory):
    """Ctrl shortcuts for the main actions; Alt mnemonics that never clash."""
    window = make_window()
    failed = QueueItem("/a.qml", RenderSettings(Path("/a.mp4"), concurrency=1))
    failed.status, failed.details = Status.FAILED, "last lines"
    window.progress.end(failed)  # shows the failure's buttons too
    texts = [a.text() for a in window.menuBar().actions()]
    texts += [w.text() for w in window.findChildren(QAbstractButton) if w.isVisible()]
    texts += [w.text() for w in window.findChildren(QLabel) if w.buddy() is not None]
    letters = [m for m in map(mnemonic, texts) if m]
    assert len(letters) >= 15 and len(letters) == len(set(letters)), sorted(letters)
    keys = {a.shortcut().toString(): a for a in window.actions() if not a.shortcut().isEmpty()}
    assert keys["Ctrl+O"] is window.open_action
    assert keys["Ctrl+R"] is window.render_action
    assert keys["Esc"] is window.cancel_action
    assert keys["Ctrl+Shift+R"] is window.queue_action
    assert "(Ctrl+R)" in window.render_button.toolTip()
    assert window.open_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Open)


def test_concurrency_defaults_to_the_number_of_cores(make_window: WindowFactory):
    spin = make_window().form.concurrency_spin
    assert spin.value() == default_concurrency()
    assert (spin.minimum(), spin.maximum()) == (1, 64)


def test_bad_settings_open_an_error_dialog(qtbot: QtBot, window: MainWindow, tmp_path: Path):
    set_render(window, tmp_path / "wrong.avi")
    qtbot.mouseClick(window.render_button, Qt.MouseButton.LeftButton)
    box = window.findChild(QMessageBox, "settingsErrorBox")
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "does not match preset h264" in box.informativeText()
    assert window.queue_model.rowCount() == 0 and not window.controller.busy
    box.close()

    set_render(window, tmp_path / "fine.mp4")
    window.form.size_combo.setEditText("huge")
    qtbot.mouseClick(window.render_button, Qt.MouseButton.LeftButton)
    assert window.error_box is not None and window.error_box is not box
    assert "is not WIDTHxHEIGHT" in window.error_box.informativeText()
    window.error_box.close()

    window.form.size_combo.setEditText("Native size")
    set_render(window, tmp_path / "missing-folder" / "out.mp4")
    qtbot.mouseClick(window.queue_button, Qt.MouseButton.LeftButton)
    assert "does not exist" in window.error_box.informativeText()
    assert window.queue_model.rowCount() == 0 and not list(tmp_path.glob(".*.studio-render"))


def test_preset_changes_the_output_extension(window: MainWindow, composition: Path):
    form = window.form
    form.preset_combo.setCurrentIndex(form.preset_combo.findData("vp9"))
    assert form.output_edit.text().endswith(".webm")
    assert form.quality_spin.isEnabled() and form.quality_spin.value() == 32
    form.preset_combo.setCurrentIndex(form.preset_combo.findData("png"))
    assert Path(form.output_edit.text()).suffix == "" and not form.quality_spin.isEnabled()
    assert default_output(composition, PRESETS["png"]).name == f"{composition.stem}-frames"
    assert with_preset_suffix(Path("/a/b.mov"), PRESETS["gif"]) == Path("/a/b.gif")


def test_settings_are_remembered(
    qtbot: QtBot, make_window: WindowFactory, composition: Path, tmp_path: Path
):
    window = make_window()
    load(qtbot, window, composition)
    window.form.concurrency_spin.setValue(3)
    window.form.preset_combo.setCurrentIndex(window.form.preset_combo.findData("vp9"))
    window.resize(760, 700)  # the offscreen screen is 800 x 800
    close_window(qtbot, window)

    again = make_window()
    assert again.form.concurrency_spin.value() == 3
    assert again.form.preset.name == "vp9"
    assert (again.width(), again.height()) == (760, 700)
    assert again.settings.recent_files == [str(composition)]
    assert again.settings.open_dir == str(composition.parent)
    assert not (tmp_path / "env-settings.ini").exists()  # nothing went to the default place


def test_a_lottie_output_frame_rate_shows_both_rates(window: MainWindow, corpus: Path):
    from studio_render.core.composition import CompositionInfo
    from studio_render.gui.render_queue import settings_from_json, settings_to_json

    form = window.form
    lottie = CompositionInfo(str(corpus / "heart.json"), "lottie", 100, 100, 30.0, 24)
    form.set_composition(lottie)
    assert form.fps_spin.isEnabled() and form.fps_spin.text() == "Native"
    form.fps_spin.setValue(60)
    assert form.last_frame.maximum() == 47  # 24 frames at 30 fps are 48 at 60
    assert "48 frames at 60 fps (the animation: 30 fps)" in form.summary.text()
    form.output_edit.setText(str(corpus.parent / "out.mp4"))
    settings = form.settings()
    assert settings.fps == 60 and settings.frames is None
    assert settings_from_json(settings_to_json(settings)).fps == 60
    form.set_composition(CompositionInfo("/x/scene.qml", "qml", 64, 64, 30.0, 10))
    assert not form.fps_spin.isEnabled() and form.settings().fps is None
    assert form.settings().renderer == "auto"


def test_checking_the_settings_writes_nothing(qtbot: QtBot, window: MainWindow, tmp_path: Path):
    """Add to Queue checks every setting without making (or removing) a work folder: the
    work folder a killed render of the same job left stays as it was."""
    out = tmp_path / "out" / "checked.mp4"
    out.parent.mkdir()
    set_render(window, out)
    assert window.info is not None
    killed = prepare_job(window.info, window.form.settings())  # what a killed render left
    before = sorted(out.parent.rglob("*"))
    window.add_to_queue()
    assert window.error_box is None
    assert window.queue_model.items()[-1].output == out
    assert sorted(out.parent.rglob("*")) == before
    assert killed.work_dir.is_dir()
    killed.remove_work_dir()
