"""The render queue as a Qt table model; every change goes through here and is saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import QApplication, QStyle

from studio_render.gui.formatting import format_duration, format_size
from studio_render.gui.render_queue import QueueItem, RenderQueue, Status

ItemIdRole = Qt.ItemDataRole.UserRole
ProgressRole = Qt.ItemDataRole.UserRole + 1

COLUMNS = ("Composition", "Output", "Status", "Progress")
COMPOSITION, OUTPUT, STATUS, PROGRESS = range(4)

_STATUS_ICONS = {
    Status.PENDING: QStyle.StandardPixmap.SP_FileDialogListView,
    Status.RUNNING: QStyle.StandardPixmap.SP_MediaPlay,
    Status.DONE: QStyle.StandardPixmap.SP_DialogApplyButton,
    Status.FAILED: QStyle.StandardPixmap.SP_MessageBoxCritical,
    Status.CANCELLED: QStyle.StandardPixmap.SP_DialogCancelButton,
    Status.INTERRUPTED: QStyle.StandardPixmap.SP_MessageBoxWarning,
}

Index = QModelIndex | QPersistentModelIndex


def status_text(item: QueueItem) -> str:
    """The status column: the status, with size and time for a finished render."""
    if item.status is Status.DONE:
        return f"Done: {format_size(item.output_size)} in {format_duration(item.elapsed_s)}"
    if item.status is Status.RUNNING:
        return "Rendering"
    return item.status.capitalize()


class QueueModel(QAbstractTableModel):
    """Rows are queue items; the item id is under :data:`ItemIdRole`."""

    def __init__(self, queue: RenderQueue, parent: Any = None) -> None:
        super().__init__(parent)
        self.queue = queue

    # -- reading --------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.queue)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self.queue[index.row()]
        column = index.column()
        if role == ItemIdRole:
            return item.id
        if role == ProgressRole:
            return item.progress
        if role == Qt.ItemDataRole.DisplayRole:
            if column == COMPOSITION:
                return Path(item.composition).name
            if column == OUTPUT:
                return item.output.name
            if column == STATUS:
                return status_text(item)
            return f"{item.progress:.0%}" if item.status is not Status.PENDING else ""
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == COMPOSITION:
                return item.composition
            if column == OUTPUT:
                return str(item.output)
            return item.message or status_text(item)
        if role == Qt.ItemDataRole.DecorationRole and column == STATUS:
            return QApplication.style().standardIcon(_STATUS_ICONS[item.status])
        return None

    def item(self, row: int) -> QueueItem:
        return self.queue[row]

    def get(self, item_id: str) -> QueueItem:
        return self.queue.get(item_id)

    def items(self) -> list[QueueItem]:
        return list(self.queue)

    def next_pending(self) -> QueueItem | None:
        return self.queue.next_pending()

    def has_pending(self) -> bool:
        return self.queue.next_pending() is not None

    # -- changing -----------------------------------------------------------------------

    def add(self, item: QueueItem) -> None:
        row = len(self.queue)
        self.beginInsertRows(QModelIndex(), row, row)
        self.queue.add(item)
        self.endInsertRows()
        for old in self.queue.surplus_history():
            self.remove(old.id, save=False)
        self.queue.save()

    def remove(self, item_id: str, save: bool = True) -> None:
        row = self.queue.row_of(item_id)
        self.beginRemoveRows(QModelIndex(), row, row)
        self.queue.remove(item_id)
        self.endRemoveRows()
        if save:
            self.queue.save()

    def update(self, item_id: str, save: bool = True, **changes: Any) -> QueueItem:
        """Change fields of an item (e.g. ``status=Status.DONE``) and refresh its row."""
        row = self.queue.row_of(item_id)
        item = self.queue[row]
        for name, value in changes.items():
            if not hasattr(item, name):
                raise AttributeError(name)
            setattr(item, name, value)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        if save:
            self.queue.save()
        return item

    def reset_item(self, item_id: str) -> None:
        """Make a finished item pending again."""
        item = self.queue.get(item_id)
        item.reset()
        self.update(item_id)
