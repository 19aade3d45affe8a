"""Frame sources inside the worker: any composition to frames of BGRA bytes.

A frame is a QImage in ``Format_ARGB32`` memory layout (B, G, R, A bytes on little-endian
machines), which ffmpeg reads as ``RAW_PIX_FMT`` (bgra): straight alpha when transparency
is kept, else opaque. Opaque frames that come out of the renderer at the output size are
passed on without any conversion or copy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter

from studio_render.compositions.info import CompositionInfo, fit_rect

_ARGB32 = QImage.Format.Format_ARGB32
_PREMULTIPLIED = QImage.Format.Format_ARGB32_Premultiplied


class FrameSource(Protocol):
    def frame(self, index: int) -> QImage:
        """Frame ``index`` at the output size, in ARGB32 memory layout."""

    def close(self) -> None: ...


def frame_bytes(image: QImage) -> memoryview:
    """The pixels of a frame, without a copy: valid only while ``image`` is referenced."""
    return memoryview(image.constBits())


class _Canvas:
    """Places a premultiplied picture on the output canvas: scaled, centred, flattened."""

    def __init__(self, size: tuple[int, int], native: tuple[int, int], alpha: bool, bg: str):
        self.size = size
        self.rect = QRect(*fit_rect(native, size))
        self.alpha = alpha
        self.background = QColor(Qt.GlobalColor.transparent) if alpha else QColor(bg)

    def place(self, picture: QImage, opaque: bool) -> QImage:
        """``picture`` (premultiplied) as an output frame; ``opaque``: it has no transparency."""
        fills_canvas = picture.size().toTuple() == self.size
        if fills_canvas and opaque and picture.format() == _PREMULTIPLIED:
            return picture  # alpha is 255 everywhere: premultiplied and straight agree
        if fills_canvas and self.alpha:
            return picture.convertToFormat(_ARGB32)
        canvas = QImage(*self.size, _PREMULTIPLIED)
        canvas.fill(self.background)
        painter = QPainter(canvas)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(self.rect, picture)
        painter.end()
        return canvas.convertToFormat(_ARGB32) if self.alpha else canvas


class LottieSource:
    def __init__(self, path: Path, size: tuple[int, int], alpha: bool, background: str) -> None:
        from studio_render.compositions.lottie import LottieFile

        self.file = LottieFile(path)
        native = (self.file.width, self.file.height)
        self.canvas = _Canvas(size, native, alpha, background)
        self.draw_w, self.draw_h = self.canvas.rect.width(), self.canvas.rect.height()

    def frame(self, index: int) -> QImage:
        data = self.file.render_premultiplied(index, self.draw_w, self.draw_h)
        picture = QImage(data, self.draw_w, self.draw_h, self.draw_w * 4, _PREMULTIPLIED)
        return self.canvas.place(picture, opaque=False).copy()  # own its pixels

    def close(self) -> None:
        self.file.close()


class QmlSource:
    """A QML scene drawn at the size it takes on the output canvas (vector, not scaled)."""

    def __init__(
        self,
        info: CompositionInfo,
        size: tuple[int, int],
        alpha: bool,
        background: str,
        renderer: str = "auto",
    ) -> None:
        from studio_render.compositions.qml import QmlScene

        self.canvas = _Canvas(size, (info.width, info.height), alpha, background)
        draw = (self.canvas.rect.width(), self.canvas.rect.height())
        self.scene = QmlScene(info, self.canvas.background, draw, renderer)

    def frame(self, index: int) -> QImage:
        return self.canvas.place(self.scene.grab(index), opaque=not self.canvas.alpha)

    def close(self) -> None:
        self.scene.close()
