"""Where a QML scene's frames are drawn: an image (software scene graph) or an OpenGL
texture (Qt's RHI), both made once and reused for every frame. No window is ever shown.

Qt chooses the scene graph backend once per process, when the first ``QQuickWindow`` is
made: :func:`choose_backend` must run before that, and a process keeps its backend.
"""

from __future__ import annotations

import ctypes

from PySide6.QtCore import QSize
from PySide6.QtGui import QImage, QOffscreenSurface, QOpenGLContext, QSurfaceFormat
from PySide6.QtOpenGL import QOpenGLFramebufferObject
from PySide6.QtQuick import (
    QQuickGraphicsDevice,
    QQuickRenderControl,
    QQuickRenderTarget,
    QQuickWindow,
    QSGRendererInterface,
)

from studio_render.core.errors import StudioRenderError

_PREMULTIPLIED = QImage.Format.Format_ARGB32_Premultiplied
_GL_BGRA, _GL_UNSIGNED_BYTE = 0x80E1, 0x1401
_API = QSGRendererInterface.GraphicsApi
_chosen: list[str] = []  # the backend this process uses, once chosen


class NoOpenGL(StudioRenderError):
    """The scene needs OpenGL and none could be had here."""


def choose_backend(backend: str) -> None:
    """Use ``backend`` ("software" or "gpu") for every scene of this process."""
    if _chosen and _chosen[0] != backend:
        raise RuntimeError(f"this process renders with {_chosen[0]}, not {backend}")
    if not _chosen:
        api = _API.OpenGL if backend == "gpu" else _API.Software
        QQuickWindow.setGraphicsApi(api)
        _chosen.append(backend)


def chosen_backend() -> str | None:
    """The backend this process uses, once chosen."""
    return _chosen[0] if _chosen else None


class SoftwareTarget:
    """The software scene graph paints straight into one image, frame after frame."""

    def __init__(self, control: QQuickRenderControl, window: QQuickWindow, size: QSize,
                 scale: float) -> None:  # fmt: skip
        self.control = control
        self.image = QImage(size, _PREMULTIPLIED)
        self.image.setDevicePixelRatio(scale)
        # No control.initialize(): the software scene graph has no RHI to start.
        target = QQuickRenderTarget.fromPaintDevice(self.image)
        target.setDevicePixelRatio(scale)
        window.setRenderTarget(target)

    def sync(self) -> None:
        self.control.sync()

    def render(self) -> QImage:
        self.control.sync()
        self.control.render()
        picture = self.image.copy()  # the next frame paints over self.image
        picture.setDevicePixelRatio(1.0)
        return picture

    def close(self) -> None:
        pass


class GlTarget:
    """Qt's RHI on OpenGL draws into one framebuffer texture, read back each frame."""

    def __init__(self, control: QQuickRenderControl, window: QQuickWindow, size: QSize,
                 scale: float) -> None:  # fmt: skip
        self.control = control
        self.context = QOpenGLContext()
        surface_format = QSurfaceFormat()
        surface_format.setDepthBufferSize(24)
        surface_format.setStencilBufferSize(8)
        self.context.setFormat(surface_format)
        self.surface = QOffscreenSurface()
        if not self.context.create():
            raise NoOpenGL(
                "no OpenGL context could be made here (on Linux without a display, Mesa's "
                "EGL is needed: apt install libegl1 libegl-mesa0 libgl1-mesa-dri)"
            )
        self.surface.setFormat(self.context.format())
        self.surface.create()
        if not self.context.makeCurrent(self.surface):
            raise NoOpenGL("the OpenGL context cannot be made current on an offscreen surface")
        window.setGraphicsDevice(QQuickGraphicsDevice.fromOpenGLContext(self.context))
        if not control.initialize():
            raise NoOpenGL("Qt Quick could not start its OpenGL renderer")
        attachment = QOpenGLFramebufferObject.Attachment.CombinedDepthStencil
        self.fbo = QOpenGLFramebufferObject(size, attachment)
        target = QQuickRenderTarget.fromOpenGLTexture(self.fbo.texture(), size)
        target.setDevicePixelRatio(scale)
        # Desktop OpenGL reads back in the frames' own byte order (B, G, R, A), top row
        # first when the scene is drawn mirrored: no conversion, no flip. OpenGL ES lacks
        # that order; there the framebuffer object converts.
        self.direct = not self.context.isOpenGLES()
        target.setMirrorVertically(self.direct)
        window.setRenderTarget(target)
        self.frame = QImage(size, _PREMULTIPLIED)
        self._address = ctypes.addressof(ctypes.c_char.from_buffer(self.frame.bits()))

    def sync(self) -> None:
        """Bring the scene graph up to date without drawing (see QmlScene's pre-roll)."""
        self.context.makeCurrent(self.surface)
        self.control.beginFrame()
        self.control.sync()
        self.control.endFrame()

    def render(self) -> QImage:
        self.context.makeCurrent(self.surface)
        self.control.beginFrame()
        self.control.sync()
        self.control.render()
        self.control.endFrame()
        if not self.direct:
            return self.fbo.toImage().convertToFormat(_PREMULTIPLIED)
        self.fbo.bind()
        width, height = self.frame.width(), self.frame.height()
        self.context.functions().glReadPixels(
            0, 0, width, height, _GL_BGRA, _GL_UNSIGNED_BYTE, self._address
        )
        self.fbo.release()
        return self.frame.copy()  # the next frame is read into self.frame

    def close(self) -> None:
        self.context.makeCurrent(self.surface)
        del self.fbo
        self.context.doneCurrent()
