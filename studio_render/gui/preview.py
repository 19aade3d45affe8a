"""The composition preview: one frame at a time, drawn by a worker process, never the GUI thread.

:class:`StillRenderer` runs the worker's ``still`` command in a :class:`QProcess` and
keeps at most one frame in flight; while it is busy only the newest request waits, so
scrubbing a heavy scene skips frames instead of freezing the window.
"""

from __future__ import annotations

import functools
import itertools
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QProcess, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QPainter,
    QPaintEvent,
    QPalette,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from studio_render.compositions.info import CompositionInfo, fit_rect
from studio_render.core.procs import worker_command

#: Previews are never drawn larger than this, whatever the window size.
MAX_PREVIEW_SIDE = 1280


@dataclass(frozen=True)
class StillRequest:
    path: str
    frame: int
    width: int
    height: int


def _error_from(stdout: str, stderr: str, code: int) -> str:
    """The worker's own message ({"error": ...} on stdout), else its last stderr line."""
    for line in reversed(stdout.strip().splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict) and "error" in value:
            return str(value["error"])
    last = stderr.strip().splitlines()[-1:] or [f"exit code {code}"]
    return f"the preview could not be drawn ({last[0]})"


class StillRenderer(QObject):
    """Renders single frames to images in a worker process, newest request first."""

    ready = Signal(int, QImage)  # frame, image
    failed = Signal(str)  # message in plain words
    idle = Signal()  # no process is running any more

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._dir: Path | None = None
        self._serial = itertools.count()
        self._running: dict[QProcess, tuple[StillRequest, Path]] = {}
        self._current: QProcess | None = None
        self._pending: StillRequest | None = None
        self._last: StillRequest | None = None  # the newest request drawn or being drawn

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def request(self, req: StillRequest) -> None:
        """Draw ``req`` as soon as the frame in flight is done; replaces an older wait."""
        if req == self._last:
            self._pending = None  # already drawn, or being drawn
            return
        if self._current is not None:
            self._pending = req
        else:
            self._start(req)

    def clear(self) -> None:
        """Forget the pending request and stop the frame in flight (its answer is dropped)."""
        self._pending = None
        self._last = None
        if self._current is not None:
            self._current.kill()
            self._current = None

    def shutdown(self) -> None:
        """Stop everything; ``idle`` follows once the process is gone and files are removed."""
        self.clear()
        if not self._running:
            self._remove_dir()
            self.idle.emit()

    def _start(self, req: StillRequest) -> None:
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="studio-render-preview-"))
        out = self._dir / f"frame-{next(self._serial)}.png"
        argv = worker_command("still", req.path, str(req.frame), str(out),
                              str(req.width), str(req.height))  # fmt: skip
        self._last = req
        proc = QProcess(self)
        proc.finished.connect(lambda code, _status, p=proc: self._on_finished(p, code))
        proc.errorOccurred.connect(lambda error, p=proc: self._on_error(p, error))
        self._running[proc] = (req, out)
        self._current = proc
        proc.start(argv[0], argv[1:])

    def _on_error(self, proc: QProcess, error: QProcess.ProcessError) -> None:
        if error is QProcess.ProcessError.FailedToStart:
            self._on_finished(proc, -1)

    def _on_finished(self, proc: QProcess, code: int) -> None:
        entry = self._running.pop(proc, None)
        if entry is None or not shiboken6.isValid(proc) or not shiboken6.isValid(self):
            return  # a process destroyed with its owner (the window closing) says nothing
        req, out = entry
        current = proc is self._current
        if current:
            self._current = None
            image = QImage(str(out)) if code == 0 else QImage()
            if not image.isNull():
                self.ready.emit(req.frame, image)
            else:
                self._last = None
                stdout = bytes(proc.readAllStandardOutput().data()).decode(errors="replace")
                stderr = bytes(proc.readAllStandardError().data()).decode(errors="replace")
                self.failed.emit(_error_from(stdout, stderr, code))
        out.unlink(missing_ok=True)
        proc.deleteLater()
        if self._pending is not None and self._current is None:
            req, self._pending = self._pending, None
            self._start(req)
        elif not self._running:
            self._remove_dir()
            self.idle.emit()

    def _remove_dir(self) -> None:
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None


def _is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


@functools.cache
def _checkerboard(dark: bool, side: int = 10) -> QPixmap:
    """A 2 x 2 tile of the pattern drawn behind transparent parts of the preview."""
    light, shade = ("#3a3a3a", "#303030") if dark else ("#f0f0f0", "#d8d8d8")
    tile = QPixmap(2 * side, 2 * side)
    tile.fill(QColor(light))
    painter = QPainter(tile)
    painter.fillRect(side, 0, side, side, QColor(shade))
    painter.fillRect(0, side, side, side, QColor(shade))
    painter.end()
    return tile


class PreviewCanvas(QWidget):
    """Draws the preview image scaled into the widget, over a checkerboard for transparency."""

    resized = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image = QImage()
        self.native = QSize(16, 9)
        self.setMinimumSize(240, 135)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(560, 315)

    def set_image(self, image: QImage) -> None:
        self.image = image
        self.update()

    def picture_rect(self) -> QRect:
        x, y, w, h = fit_rect((self.native.width(), self.native.height()),
                              (max(1, self.width()), max(1, self.height())))  # fmt: skip
        return QRect(x, y, w, h)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.resized.emit()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        dark = _is_dark(self.palette())
        window = self.palette().color(QPalette.ColorRole.Window)
        painter.fillRect(self.rect(), window.lighter(115) if dark else window.darker(106))
        rect = self.picture_rect()
        painter.setBrushOrigin(rect.topLeft())
        painter.fillRect(rect, QBrush(_checkerboard(dark)))
        if not self.image.isNull():
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(rect, self.image)
        painter.setPen(self.palette().color(QPalette.ColorRole.Mid))
        painter.drawRect(rect.adjusted(0, 0, -1, -1))
        painter.end()


class PreviewPanel(QWidget):
    """The preview, its scrub slider and frame number, or a message (loading, errors)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info: CompositionInfo | None = None
        self.renderer = StillRenderer(self)
        self.renderer.ready.connect(self._on_ready)
        self.renderer.failed.connect(self._on_failed)

        self.canvas = PreviewCanvas()
        self.canvas.setToolTip("The composition at the chosen frame, drawn by a worker process")
        self.message = QLabel()
        self.message.setObjectName("previewMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setMargin(24)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.canvas)
        self.stack.addWidget(self.message)

        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("previewSlider")
        self.slider.setToolTip("Scrub through the composition (arrow keys step one frame)")
        self.slider.setEnabled(False)
        self.slider.valueChanged.connect(self._on_frame_changed)
        self.frame_label = QLabel("Frame –")
        self.frame_label.setObjectName("previewFrameLabel")
        self.frame_label.setToolTip("The frame shown, and the last frame")
        widest = self.fontMetrics().horizontalAdvance("Frame 00000 / 00000")
        self.frame_label.setMinimumWidth(widest)
        self.frame_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        self._resize_timer = QTimer(self)
        self._resize_timer.setSingleShot(True)
        self._resize_timer.setInterval(150)
        self._resize_timer.timeout.connect(self._request)
        self.canvas.resized.connect(self._resize_timer.start)

        row = QHBoxLayout()
        row.addWidget(self.slider, 1)
        row.addWidget(self.frame_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack, 1)
        layout.addLayout(row)
        self.show_message("Open a composition (Ctrl+O) or drop a file on the window.")

    @property
    def frame(self) -> int:
        return self.slider.value()

    @property
    def error(self) -> str | None:
        """The error shown, if the panel shows one."""
        return self.message.text() if self.message.property("error") else None

    def show_message(self, text: str, error: bool = False) -> None:
        self.message.setProperty("error", error)
        self.message.setText(text)
        dark = _is_dark(self.palette())
        colour = ("#ff7b72" if dark else "#b3261e") if error else ""
        self.message.setStyleSheet(f"color: {colour};" if colour else "")
        self.stack.setCurrentWidget(self.message)

    def show_loading(self, name: str) -> None:
        self.renderer.clear()
        self.info = None
        self.slider.setEnabled(False)
        self.show_message(f"Loading {name}…")

    def show_error(self, message: str) -> None:
        """A composition that cannot be used: say why, in plain words."""
        self.renderer.clear()
        self.info = None
        self.slider.setEnabled(False)
        self.frame_label.setText("Frame –")
        self.show_message(f"This composition cannot be rendered:\n\n{message}", error=True)

    def set_composition(self, info: CompositionInfo) -> None:
        self.renderer.clear()
        self.info = info
        self.canvas.native = QSize(info.width, info.height)
        self.canvas.set_image(QImage())
        self.stack.setCurrentWidget(self.canvas)
        self.slider.blockSignals(True)
        self.slider.setRange(0, info.frame_count - 1)
        self.slider.setValue(0)
        self.slider.setPageStep(max(1, round(info.fps)))
        self.slider.blockSignals(False)
        self.slider.setEnabled(True)
        self._on_frame_changed(0)

    def _on_frame_changed(self, frame: int) -> None:
        if self.info is not None:
            self.frame_label.setText(f"Frame {frame} / {self.info.frame_count - 1}")
            self._request()

    def _request(self) -> None:
        info = self.info
        if info is None:
            return
        ratio = self.devicePixelRatioF()
        box = self.canvas.picture_rect()
        width = min(info.width, MAX_PREVIEW_SIDE, max(16, round(box.width() * ratio)))
        height = max(1, round(width * info.height / info.width))
        self.renderer.request(StillRequest(info.path, self.frame, width, height))

    def _on_ready(self, frame: int, image: QImage) -> None:
        if self.info is not None:
            self.canvas.set_image(image)
            self.stack.setCurrentWidget(self.canvas)

    def _on_failed(self, message: str) -> None:
        if self.info is not None:
            self.show_error(message)
