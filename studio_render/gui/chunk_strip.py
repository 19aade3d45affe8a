"""A strip of cells, one per chunk, showing the parallel work the progress bar sums up."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QHelpEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from studio_render.qt.engine import ChunkState

#: Fill colours by state, as (light palette, dark palette).
COLOURS: dict[ChunkState, tuple[str, str]] = {
    ChunkState.QUEUED: ("#d5d8dc", "#3b4046"),
    ChunkState.RENDERING: ("#2f7de1", "#4c9aff"),
    ChunkState.RETRYING: ("#e08a00", "#f0a030"),
    ChunkState.DONE: ("#2e9d5b", "#3fb96f"),
    ChunkState.FAILED: ("#c62828", "#ef5350"),
    ChunkState.CANCELLED: ("#9aa0a6", "#5f6368"),
}
CELL_HEIGHT = 18
MIN_CELL_WIDTH = 8
GAP = 2


class ChunkStrip(QWidget):
    """One cell per chunk: grey queued, blue rendering (filled to its own percentage),
    orange retrying, green done, red failed. Cells wrap onto more rows when there are many.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chunkStrip")
        self.setToolTip(
            "One cell per chunk: grey queued, blue rendering, orange retrying, "
            "green done, red failed"
        )
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._states: list[ChunkState] = []
        self._fractions: list[float] = []

    # -- the model ----------------------------------------------------------------------

    def reset(self, count: int = 0) -> None:
        self._states = [ChunkState.QUEUED] * count
        self._fractions = [0.0] * count
        self.updateGeometry()
        self.update()

    def set_chunk_state(self, index: int, state: str, fraction: float) -> None:
        """Slot for ``RenderEngine.chunkStateChanged``."""
        if index >= len(self._states):
            grow = index + 1 - len(self._states)
            self._states += [ChunkState.QUEUED] * grow
            self._fractions += [0.0] * grow
            self.updateGeometry()
        self._states[index] = ChunkState(state)
        self._fractions[index] = min(max(fraction, 0.0), 1.0)
        self.update()

    def states(self) -> list[ChunkState]:
        return list(self._states)

    def count(self, state: ChunkState) -> int:
        return self._states.count(state)

    # -- geometry -----------------------------------------------------------------------

    def _columns(self, width: int) -> int:
        n = max(1, len(self._states))
        return max(1, min(n, (width + GAP) // (MIN_CELL_WIDTH + GAP)))

    def _rows(self, width: int) -> int:
        n = max(1, len(self._states))
        return -(-n // self._columns(width))

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        rows = self._rows(width)
        return rows * CELL_HEIGHT + (rows - 1) * GAP

    def sizeHint(self) -> QSize:
        return QSize(400, self.heightForWidth(400))

    def minimumSizeHint(self) -> QSize:
        return QSize(MIN_CELL_WIDTH * 4, CELL_HEIGHT)

    def cell_rect(self, index: int) -> QRect:
        columns = self._columns(self.width())
        row, col = divmod(index, columns)
        x0 = round(col * (self.width() + GAP) / columns)
        x1 = round((col + 1) * (self.width() + GAP) / columns) - GAP
        return QRect(x0, row * (CELL_HEIGHT + GAP), max(1, x1 - x0), CELL_HEIGHT)

    # -- drawing ------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        dark = self.palette().color(QPalette.ColorRole.Window).lightness() < 128
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if not self._states:
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignVCenter, "No chunks yet")
            return
        queued = QColor(COLOURS[ChunkState.QUEUED][dark])
        font = painter.font()
        font.setPixelSize(10)
        painter.setFont(font)
        for index, (state, fraction) in enumerate(zip(self._states, self._fractions, strict=True)):
            rect = self.cell_rect(index)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(queued)
            painter.drawRoundedRect(rect, 3, 3)
            colour = QColor(COLOURS[state][dark])
            if state is ChunkState.RENDERING:
                filled = QRect(rect)
                filled.setWidth(max(0, round(rect.width() * fraction)))
                painter.setBrush(colour)
                painter.drawRoundedRect(filled, 3, 3)
                if rect.width() >= 34:
                    painter.setPen(
                        QColor("#ffffff")
                        if fraction > 0.5
                        else self.palette().color(QPalette.ColorRole.WindowText)
                    )
                    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, f"{fraction:.0%}")
            elif state is not ChunkState.QUEUED:
                painter.setBrush(colour)
                painter.drawRoundedRect(rect, 3, 3)
        painter.end()

    def event(self, event: QEvent) -> bool:
        if event.type() is QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            index = self._index_at(event.pos())
            if index is not None:
                state, fraction = self._states[index], self._fractions[index]
                text = f"Chunk {index + 1} of {len(self._states)}: {state}"
                if state is ChunkState.RENDERING:
                    text += f", {fraction:.0%}"
                QToolTip.showText(event.globalPos(), text, self)
                return True
        return super().event(event)

    def _index_at(self, pos: QPoint) -> int | None:
        for index in range(len(self._states)):
            if self.cell_rect(index).contains(pos):
                return index
        return None
