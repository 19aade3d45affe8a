"""Small helpers for QActions and the buttons that mirror them."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractButton, QStyle, QWidget


def make_action(
    parent: QWidget,
    text: str,
    tip: str,
    shortcut: QKeySequence | str | None = None,
    icon: QStyle.StandardPixmap | None = None,
) -> QAction:
    """An action on ``parent`` (so its shortcut works anywhere in that window)."""
    action = QAction(text, parent)
    action.setToolTip(tip)
    action.setStatusTip(tip)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if icon is not None:
        action.setIcon(parent.style().standardIcon(icon))
    parent.addAction(action)
    return action


def bind_button(button: QAbstractButton, action: QAction) -> None:
    """Make ``button`` show ``action`` (text, tooltip with shortcut, enabled) and trigger it."""

    def sync() -> None:
        button.setText(action.text())
        button.setEnabled(action.isEnabled())
        shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        tip = action.toolTip() or action.text().replace("&", "")
        button.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
        if not action.icon().isNull():
            button.setIcon(action.icon())

    action.changed.connect(sync)
    button.clicked.connect(action.trigger)
    sync()
