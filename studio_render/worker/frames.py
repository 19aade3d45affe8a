"""QML frames inside the worker (Qt): a scene to frames of BGRA bytes.

A frame is a QImage in ``Format_ARGB32`` memory layout (B, G, R, A bytes on little-endian
machines), which ffmpeg reads as ``RAW_PIX_FMT`` (bgra): straight alpha when transparency
is kept, else opaque. Opaque frames that come out of the renderer at the output size are
passed on without any conversion or copy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter

from studio_render.core.composition import CompositionInfo, fit_rect

if TYPE_CHECKING:
    from studio_render.compositions.qml import QmlScene

_ARGB32 = QImage.Format.Format_ARGB32
_PREMULTIPLIED = QImage.Format.Format_ARGB32_Premultiplied


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


class QmlSource:
    """A QML scene drawn at the size it takes on the output canvas (vector, not scaled)."""

    def __init__(
        self,
        info: CompositionInfo,
        size: tuple[int, int],
        alpha: bool,
        background: str,
        renderer: str = "auto",
        allow_network: bool = False,
    ) -> None:
        from studio_render.compositions.qml import QmlScene

        self.canvas = _Canvas(size, (info.width, info.height), alpha, background)
        draw = (self.canvas.rect.width(), self.canvas.rect.height())
        self.scene = QmlScene(info, self.canvas.background, draw, renderer, allow_network)

    def frame(self, index: int) -> QImage:
        return self.canvas.place(self.scene.grab(index), opaque=not self.canvas.alpha)

    def close(self) -> None:
        self.scene.close()


class QmlFrames:
    """A :class:`QmlSource` as a :class:`~studio_render.worker.source.FrameSource`: each
    frame's bytes, its image kept alive until the next frame."""

    def __init__(self, source: QmlSource) -> None:
        self.source = source
        self._image: QImage | None = None

    def frame(self, index: int) -> memoryview:
        self._image = self.source.frame(index)
        return frame_bytes(self._image)

    @property
    def scene(self) -> QmlScene:
        """The scene drawn (its frame ``at``, its ``on_warning``)."""
        return self.source.scene

    def close(self) -> None:
        self._image = None
        self.source.close()
