"""Frame sources inside the worker: any composition to straight-alpha RGBA bytes."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter

from studio_render.compositions.info import CompositionInfo, fit_rect


class FrameSource(Protocol):
    def rgba(self, frame: int) -> bytes:
        """Frame ``frame`` as width*height*4 bytes of RGBA, straight alpha."""

    def close(self) -> None: ...


class _Canvas:
    """Places a premultiplied picture on the output canvas: scaled, centred, flattened."""

    def __init__(self, size: tuple[int, int], native: tuple[int, int], alpha: bool, bg: str):
        self.size = size
        self.rect = QRect(*fit_rect(native, size))
        self.alpha = alpha
        self.background = QColor(Qt.GlobalColor.transparent) if alpha else QColor(bg)

    def to_rgba(self, picture: QImage) -> bytes:
        fills_canvas = picture.size().toTuple() == self.size
        if fills_canvas and (self.alpha or not picture.hasAlphaChannel()):
            out = picture.convertToFormat(QImage.Format.Format_RGBA8888)
        else:
            out = QImage(*self.size, QImage.Format.Format_RGBA8888_Premultiplied)
            out.fill(self.background)
            painter = QPainter(out)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(self.rect, picture)
            painter.end()
            out = out.convertToFormat(QImage.Format.Format_RGBA8888)
        return bytes(out.constBits())


class LottieSource:
    def __init__(self, path: Path, size: tuple[int, int], alpha: bool, background: str) -> None:
        from studio_render.compositions.lottie import LottieFile

        self.file = LottieFile(path)
        native = (self.file.width, self.file.height)
        self.canvas = _Canvas(size, native, alpha, background)
        self.draw_w, self.draw_h = self.canvas.rect.width(), self.canvas.rect.height()

    def rgba(self, frame: int) -> bytes:
        data = self.file.render_premultiplied(frame, self.draw_w, self.draw_h)
        picture = QImage(
            data, self.draw_w, self.draw_h, self.draw_w * 4,
            QImage.Format.Format_ARGB32_Premultiplied,
        )  # fmt: skip
        return self.canvas.to_rgba(picture)

    def close(self) -> None:
        self.file.close()


class QmlSource:
    def __init__(
        self, info: CompositionInfo, size: tuple[int, int], alpha: bool, background: str
    ) -> None:
        from studio_render.compositions.qml import QmlScene

        self.canvas = _Canvas(size, (info.width, info.height), alpha, background)
        self.scene = QmlScene(info, self.canvas.background)

    def rgba(self, frame: int) -> bytes:
        return self.canvas.to_rgba(self.scene.grab(frame))

    def close(self) -> None:
        self.scene.close()
