"""The chunk strip on its own: states, wrapping, tooltips."""

from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip
from pytestqt.qtbot import QtBot

from studio_render.gui.chunk_strip import CELL_HEIGHT, ChunkStrip
from studio_render.qt.engine import ChunkState


def test_states_cells_and_tooltips(qtbot: QtBot):
    strip = ChunkStrip()
    qtbot.addWidget(strip)
    strip.resize(400, strip.heightForWidth(400))
    strip.show()
    strip.reset(4)
    strip.set_chunk_state(0, "done", 1.0)
    strip.set_chunk_state(1, "rendering", 0.5)
    strip.set_chunk_state(2, "retrying", 0.0)
    strip.set_chunk_state(5, "failed", 0.0)  # a chunk it had not heard of grows the strip
    assert strip.states() == [
        ChunkState.DONE, ChunkState.RENDERING, ChunkState.RETRYING, ChunkState.QUEUED,
        ChunkState.QUEUED, ChunkState.FAILED,
    ]  # fmt: skip
    assert not strip.grab().isNull()

    centre = strip.cell_rect(1).center()
    QApplication.sendEvent(strip, QHelpEvent(QHelpEvent.Type.ToolTip, centre,
                                             strip.mapToGlobal(centre)))  # fmt: skip
    assert QToolTip.text() == "Chunk 2 of 6: rendering, 50%"
    assert strip._index_at(QPoint(-5, -5)) is None


def test_many_chunks_wrap_onto_rows(qtbot: QtBot):
    strip = ChunkStrip()
    qtbot.addWidget(strip)
    strip.reset(200)
    assert strip.heightForWidth(400) > 3 * CELL_HEIGHT
    strip.resize(400, strip.heightForWidth(400))
    rects = [strip.cell_rect(i) for i in range(200)]
    assert all(strip.rect().contains(r) for r in rects)
    assert len({r.y() for r in rects}) > 3
