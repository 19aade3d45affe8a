"""The loaded composition's facts: kind, size, frame rate, frames, duration, audio; for
QML, the renderer it gets and why, the network URLs it loads (refused unless allowed),
and its warnings (images, fonts or script that failed to load; why its frames may not
repeat; for Lottie, missing fonts and images)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from studio_render.core.composition import CompositionInfo, network_note

KINDS = {"qml": "QML scene", "lottie": "Lottie animation"}
_FIELDS = (
    ("kind", "Kind"),
    ("size", "Size"),
    ("fps", "Frame rate"),
    ("frames", "Frames"),
    ("duration", "Duration"),
    ("audio", "Audio"),
)
#: Full-width rows under the grid (long texts).
_WIDE = (("renderer", "Renderer"), ("network", "Network"), ("warnings", "Warnings"))


def describe(info: CompositionInfo) -> dict[str, str]:
    """The shown value of every field."""
    return {
        "kind": KINDS.get(info.kind, info.kind),
        "size": f"{info.width} × {info.height}",
        "fps": f"{info.fps:g} fps",
        "frames": f"{info.frame_count}",
        "duration": f"{info.duration_s:.2f} s",
        "audio": Path(info.audio).name if info.audio else "none",
        "renderer": "{} ({})".format(*info.renderer()),
        "network": network_note(info.remote),
        "warnings": "\n".join(info.warnings) or "none",
    }


class CompositionInfoView(QWidget):
    """A two-column grid of labels; empty dashes until a composition is loaded."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values: dict[str, QLabel] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(2)
        for n, (key, title) in enumerate(_FIELDS):
            row, col = divmod(n, 2)
            name = QLabel(f"{title}:")
            name.setEnabled(False)  # the quieter text colour of the palette
            value = QLabel("–")
            value.setObjectName(f"info_{key}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(name, row, col * 2)
            grid.addWidget(value, row, col * 2 + 1)
            self.values[key] = value
        for n, (key, title) in enumerate(_WIDE):
            name = QLabel(f"{title}:")
            name.setEnabled(False)
            value = QLabel("–")
            value.setObjectName(f"info_{key}")
            value.setTextFormat(Qt.TextFormat.PlainText)  # names from the file may hold "<"
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            row = (len(_FIELDS) + 1) // 2 + n
            grid.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(value, row, 1, 1, 3)
            self.values[key] = value
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self.setToolTip("What the composition declares")

    def set_info(self, info: CompositionInfo | None) -> None:
        texts = describe(info) if info else {}
        for key, label in self.values.items():
            label.setText(texts.get(key, "–"))
            if key == "audio" and info and info.audio:
                label.setToolTip(info.audio)
            else:
                label.setToolTip("")
