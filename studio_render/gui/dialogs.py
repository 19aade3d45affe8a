"""The window's message boxes. Each is returned unopened: callers ``open()`` it (never
``exec()``), so the event loop runs on and tests can find it by its object name.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from studio_render import __version__
from studio_render.gui.formatting import format_duration

APP_NAME = "Studio Render"
Button = QMessageBox.StandardButton


def _box(parent: QWidget, name: str, icon: QMessageBox.Icon, text: str, detail: str,
         buttons: QMessageBox.StandardButton = Button.Ok) -> QMessageBox:  # fmt: skip
    box = QMessageBox(icon, APP_NAME, text, buttons, parent)
    box.setObjectName(name)
    box.setInformativeText(detail)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    return box


def settings_error_box(parent: QWidget, message: str) -> QMessageBox:
    """``settingsErrorBox``: why these render settings cannot be used."""
    detail = message[:1].upper() + message[1:]
    return _box(parent, "settingsErrorBox", QMessageBox.Icon.Warning,
                "These render settings cannot be used.", detail)  # fmt: skip


def confirm_cancel_box(parent: QWidget, elapsed_s: float) -> QMessageBox:
    """``confirmCancelBox``: Yes cancels a long render, No (the default) keeps it."""
    box = _box(parent, "confirmCancelBox", QMessageBox.Icon.Question,
               f"Cancel a render that has run for {format_duration(elapsed_s)}?",
               "The frames rendered so far are thrown away.", Button.Yes | Button.No)  # fmt: skip
    box.setDefaultButton(Button.No)
    return box


#: The answers of :func:`close_during_render_box`, by their buttons' object names.
DISCARD, KEEP, DONT_CLOSE = "discardButton", "keepButton", "dontCloseButton"


def close_during_render_box(parent: QWidget, elapsed_s: float) -> QMessageBox:
    """``closeDuringRenderBox``: closing the window stops the render; discard it, keep its
    finished chunks to resume later (the default), or do not close."""
    box = _box(parent, "closeDuringRenderBox", QMessageBox.Icon.Question,
               f"Close while a render is running ({format_duration(elapsed_s)} so far)?",
               "Closing stops the render. Its finished chunks can be kept: Resume in the "
               "queue then renders only the rest.", Button.NoButton)  # fmt: skip
    roles = QMessageBox.ButtonRole
    for name, text, role in ((DISCARD, "Cancel Render and &Discard", roles.DestructiveRole),
                             (KEEP, "&Keep Finished Chunks", roles.AcceptRole),
                             (DONT_CLOSE, "Do&n't Close", roles.RejectRole)):  # fmt: skip
        button = box.addButton(text, role)
        button.setObjectName(name)
        if name == KEEP:
            box.setDefaultButton(button)
        elif name == DONT_CLOSE:
            box.setEscapeButton(button)
    return box


def about_box(parent: QWidget) -> QMessageBox:
    box = _box(parent, "aboutBox", QMessageBox.Icon.Information,
               f"<b>{APP_NAME}</b> {__version__}",
               "Renders QML scenes and Lottie animations to video in parallel chunks, "
               "with one truthful progress bar.")  # fmt: skip
    box.setWindowTitle(f"About {APP_NAME}")
    icon = parent.windowIcon()
    if not icon.isNull():
        box.setIconPixmap(icon.pixmap(64, 64))
    return box
