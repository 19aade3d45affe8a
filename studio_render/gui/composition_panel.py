"""The composition side of the window: Open, recent files, the preview and the facts."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio_render.core.composition import SUFFIXES, CompositionInfo, composition_kind
from studio_render.gui.actions import bind_button
from studio_render.gui.composition_info import CompositionInfoView
from studio_render.gui.loader import CompositionLoader
from studio_render.gui.preview import PreviewPanel
from studio_render.gui.settings import AppSettings

#: The open dialog's filter: the file types of ``SUFFIXES``, the one list of them.
COMPOSITION_FILTER = f"Compositions ({' '.join(f'*{s}' for s in SUFFIXES)});;All files (*)"


def is_composition_file(path: str) -> bool:
    return composition_kind(path) is not None


class CompositionPanel(QGroupBox):
    """Loads a composition in a worker process and shows it; says why when it cannot.

    ``loaded`` carries the CompositionInfo, ``failed`` the message shown in the preview.
    """

    loaded = Signal(object)
    failed = Signal(str)

    def __init__(
        self, settings: AppSettings, open_action: QAction, parent: QWidget | None = None
    ) -> None:
        super().__init__("Composition", parent)
        self.settings = settings
        self.info: CompositionInfo | None = None
        self.path: Path | None = None
        self._token = 0
        self.loader = CompositionLoader(self)
        self.loader.done.connect(self._on_loaded)
        self.loader.failed.connect(self._on_failed)

        self.open_button = QPushButton()
        self.open_button.setObjectName("openButton")
        bind_button(self.open_button, open_action)
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.setToolTipsVisible(True)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.recent_button = QToolButton()
        self.recent_button.setObjectName("recentButton")
        self.recent_button.setText("Rec&ent")
        self.recent_button.setToolTip("Open a composition you used before")
        self.recent_button.setMenu(self.recent_menu)
        self.recent_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.name_label = QLabel("No composition")
        self.name_label.setObjectName("compositionNameLabel")
        self.name_label.setToolTip("The composition's file")
        font = self.name_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.name_label.setFont(font)
        self.name_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.preview = PreviewPanel()
        self.info_view = CompositionInfoView()

        open_row = QHBoxLayout()
        open_row.addWidget(self.open_button)
        open_row.addWidget(self.recent_button)
        open_row.addSpacing(8)
        open_row.addWidget(self.name_label, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(open_row)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.info_view)

    @property
    def busy(self) -> bool:
        """A probe or a preview frame is still running."""
        return self.loader.busy or self.preview.renderer.busy

    def set_locked(self, locked: bool) -> None:
        """During a render no other composition is opened (the preview stays usable)."""
        self.recent_button.setEnabled(not locked)
        self.recent_menu.setEnabled(not locked)

    def choose(self) -> None:
        """A non-modal Open dialog, filtered to composition files."""
        dialog = QFileDialog(self, "Open Composition", self.settings.open_dir, COMPOSITION_FILTER)
        dialog.setObjectName("openDialog")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.load)
        dialog.open()

    def load(self, path: str | Path) -> None:
        """Read the composition in a worker; the panel fills in when the answer comes."""
        path = Path(path).expanduser().absolute()
        self.path = path
        self.info = None
        self.name_label.setText(path.name)
        self.name_label.setToolTip(str(path))
        self.info_view.set_info(None)
        self.preview.show_loading(path.name)
        self.settings.open_dir = str(path.parent)
        self.settings.add_recent(str(path))
        self._token = self.loader.load(path)

    def _on_loaded(self, token: int, info: CompositionInfo) -> None:
        if token == self._token:
            self.info = info
            self.info_view.set_info(info)
            self.preview.set_composition(info)
            self.loaded.emit(info)

    def _on_failed(self, token: int, message: str) -> None:
        if token == self._token:
            self.info = None
            self.preview.show_error(message)
            self.failed.emit(message)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = self.settings.recent_files
        for path in files:
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.setEnabled(Path(path).exists())
            action.triggered.connect(lambda _=False, p=path: self.load(p))
        if not files:
            self.recent_menu.addAction("No recent files").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear List", self.settings.clear_recent)
