"""The render queue panel: a table of renders and what can be done with each."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt, Signal, SignalInstance
from PySide6.QtGui import QKeySequence, QPainter, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from studio_render.gui.queue_model import PROGRESS, STATUS, ItemIdRole, ProgressRole, QueueModel
from studio_render.gui.render_queue import QueueItem, Status


class ProgressDelegate(QStyledItemDelegate):
    """Draws the progress column as a small progress bar."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        text = index.data(Qt.ItemDataRole.DisplayRole)
        if not text:
            super().paint(painter, option, index)
            return
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(4, 4, -4, -4)
        bar.minimum, bar.maximum = 0, 1000
        bar.progress = round(float(index.data(ProgressRole)) * 1000)
        bar.text = str(text)
        bar.textVisible = True
        bar.textAlignment = Qt.AlignmentFlag.AlignCenter
        enabled = option.state & QStyle.StateFlag.State_Enabled
        bar.state = enabled | QStyle.StateFlag.State_Horizontal
        bar.palette = option.palette
        QApplication.style().drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter)


class QueuePanel(QWidget):
    """Lists the queue; buttons act on the selected render."""

    startRequested = Signal()
    cancelRequested = Signal(str)  # item id
    removeRequested = Signal(str)
    runAgainRequested = Signal(str)
    openRequested = Signal(str)

    def __init__(self, model: QueueModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.queue_running = False
        self.current_id: str | None = None
        self.view = QTableView()
        self.view.setObjectName("queueView")
        self.view.setModel(model)
        self.view.setToolTip(
            "Renders run one at a time, top to bottom; double-click a finished one to open it"
        )
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        self.view.setItemDelegateForColumn(PROGRESS, ProgressDelegate(self.view))
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(STATUS, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(PROGRESS, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(PROGRESS, 120)
        self.view.doubleClicked.connect(self._on_double_click)

        self.start_button = self._button("Start Queue", "queueStartButton",
                                         "Render the waiting renders, one after another",
                                         self.startRequested.emit)  # fmt: skip
        self.cancel_button = self._button("Cancel", "queueCancelButton",
                                          "Cancel the selected render (Delete)",
                                          lambda: self._emit(self.cancelRequested))  # fmt: skip
        self.remove_button = self._button("Remove", "queueRemoveButton",
                                          "Remove the selected render from the list (Delete)",
                                          lambda: self._emit(self.removeRequested))  # fmt: skip
        self.again_button = self._button("Run Again", "queueRunAgainButton",
                                         "Render the selected render again",
                                         lambda: self._emit(self.runAgainRequested))  # fmt: skip
        self.open_button = self._button("Open Output", "queueOpenButton",
                                        "Open the selected render's output",
                                        lambda: self._emit(self.openRequested))  # fmt: skip
        delete = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.view)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self._on_delete)

        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addStretch(1)
        for button in (self.open_button, self.again_button, self.cancel_button, self.remove_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)

        self.view.selectionModel().selectionChanged.connect(self.refresh)
        model.dataChanged.connect(self.refresh)
        model.rowsInserted.connect(self.refresh)
        model.rowsRemoved.connect(self.refresh)
        self.refresh()

    def _button(self, text: str, name: str, tip: str, slot: object) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    def sizeHint(self) -> QSize:
        return QSize(600, 180)

    def selected(self) -> QueueItem | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.item(rows[0].row()) if rows else None

    def select(self, item_id: str) -> None:
        for row in range(self.model.rowCount()):
            if self.model.item(row).id == item_id:
                self.view.selectRow(row)
                return

    def _emit(self, signal: SignalInstance) -> None:
        item = self.selected()
        if item is not None:
            signal.emit(item.id)

    def _on_delete(self) -> None:
        """Delete cancels a waiting or running render and removes a finished one."""
        item = self.selected()
        if item is None:
            return
        if item.status.finished:
            self.removeRequested.emit(item.id)
        else:
            self.cancelRequested.emit(item.id)

    def _on_double_click(self, index: QModelIndex) -> None:
        item = self.model.item(index.row())
        if item.status is Status.DONE:
            self.openRequested.emit(index.data(ItemIdRole))

    def set_state(self, queue_running: bool, current_id: str | None) -> None:
        self.queue_running = queue_running
        self.current_id = current_id
        self.refresh()

    def refresh(self) -> None:
        item = self.selected()
        status = item.status if item else None
        self.start_button.setEnabled(self.model.has_pending() and self.current_id is None)
        self.cancel_button.setEnabled(status in (Status.PENDING, Status.RUNNING))
        self.remove_button.setEnabled(item is not None and status is not Status.RUNNING)
        self.again_button.setEnabled(item is not None and bool(status and status.finished))
        if status is Status.INTERRUPTED:  # its finished chunks are reused: it resumes
            self.again_button.setText("Resume")
            self.again_button.setToolTip(
                "Finish the interrupted render, reusing the chunks it had finished"
            )
        else:
            self.again_button.setText("Run Again")
            self.again_button.setToolTip("Render the selected render again")
        self.open_button.setEnabled(
            status is Status.DONE and item is not None and item.output.exists()
        )
