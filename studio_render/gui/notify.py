"""Desktop notifications: the system tray where there is one, else the taskbar alert."""

from __future__ import annotations

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget


class Notifier:
    """Tells the user about a finished render while they look at something else.

    ``sent`` keeps every (title, message) pair, so tests can see what was said.
    """

    def __init__(self, window: QWidget, icon: QIcon) -> None:
        self.window = window
        self.icon = icon
        self.sent: list[tuple[str, str]] = []
        self._tray: QSystemTrayIcon | None = None

    def notify(self, title: str, message: str, error: bool = False) -> None:
        self.sent.append((title, message))
        if QSystemTrayIcon.isSystemTrayAvailable() and QSystemTrayIcon.supportsMessages():
            if self._tray is None:
                self._tray = QSystemTrayIcon(self.icon, self.window)
                self._tray.setToolTip("Studio Render")
                self._tray.activated.connect(lambda _reason: self._raise_window())
                self._tray.messageClicked.connect(self._raise_window)
            self._tray.show()
            kind = (
                QSystemTrayIcon.MessageIcon.Critical
                if error
                else (QSystemTrayIcon.MessageIcon.Information)
            )
            self._tray.showMessage(title, message, kind, 8000)
        else:
            QApplication.alert(self.window)

    def _raise_window(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def close(self) -> None:
        if self._tray is not None:
            self._tray.hide()
