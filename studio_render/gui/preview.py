"""The composition preview: it scrubs and plays, drawn by a warm worker process (never the
GUI thread) exactly as the render draws the same frames.

:class:`PreviewPanel` holds the picture (``previewView``), the play button
(``playButton``), the scrub slider (``previewSlider``, with the in and out points) and the
rate achieved; frames come from a :class:`~studio_render.gui.preview_worker.PreviewWorker`.
Keys: Space plays and pauses, Left/Right step, Home/End jump, I and O mark the render's
frame range.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from PySide6.QtCore import QElapsedTimer, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QKeyEvent,
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
    QStyle,
    QStyleOptionSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio_render.core.composition import CompositionInfo, fit_rect
from studio_render.gui.playback import PlaybackClock, RateMeter
from studio_render.gui.preview_worker import PreviewLook, PreviewWorker

#: Previews are never drawn larger than this, whatever the window size.
MAX_PREVIEW_SIDE = 1280


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
        self.setObjectName("previewView")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # click it, then Space plays
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


class MarkedSlider(QSlider):
    """The scrub slider, with the in and out points drawn as a band over its groove."""

    def __init__(self) -> None:
        super().__init__(Qt.Orientation.Horizontal)
        self.marks: tuple[int, int] | None = None  # in and out point, inclusive

    def set_marks(self, marks: tuple[int, int] | None) -> None:
        self.marks = marks
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.marks is None:
            return
        option = QStyleOptionSlider()
        self.initStyleOption(option)
        style = self.style()
        groove = style.subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                      QStyle.SubControl.SC_SliderGroove, self)  # fmt: skip
        handle = style.subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                      QStyle.SubControl.SC_SliderHandle, self)  # fmt: skip
        span = groove.width() - handle.width()

        def x(value: int) -> int:
            at = QStyle.sliderPositionFromValue(self.minimum(), self.maximum(), value, span)
            return groove.left() + handle.width() // 2 + at

        left, right = x(self.marks[0]), x(self.marks[1])
        colour = self.palette().color(QPalette.ColorRole.Highlight)
        painter = QPainter(self)
        band = QColor(colour)
        band.setAlpha(90)
        painter.fillRect(QRect(left, groove.top(), max(1, right - left), groove.height()), band)
        for edge in (left, right):
            painter.fillRect(QRect(edge - 1, 0, 2, self.height()), colour)
        painter.end()


class PreviewPanel(QWidget):
    """The preview, its play button, scrub slider and frame number, or a message."""

    #: The in and out points marked (I and O keys): the render's first and last frame.
    rangeMarked = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info: CompositionInfo | None = None
        self.allow_network = False
        self.renderer = PreviewWorker(self)
        self.renderer.ready.connect(self._on_ready)
        self.renderer.failed.connect(self._on_failed)
        self.marks: tuple[int, int] | None = None
        self.shown: int | None = None  # the frame on screen
        self._clock: PlaybackClock | None = None  # while playing
        self._elapsed = QElapsedTimer()
        self._elapsed.start()
        self.meter = RateMeter()
        self._tick = QTimer(self)
        self._tick.setTimerType(Qt.TimerType.PreciseTimer)
        self._tick.timeout.connect(self._on_tick)

        self.canvas = PreviewCanvas()
        self.canvas.setToolTip("The composition at the chosen frame, drawn by a worker process "
                               "as the render draws it")  # fmt: skip
        self.message = QLabel()
        self.message.setObjectName("previewMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setMargin(24)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.canvas)
        self.stack.addWidget(self.message)

        self.play_button = QToolButton()
        self.play_button.setObjectName("playButton")
        self.play_button.setEnabled(False)
        self.play_button.clicked.connect(self.toggle_playing)
        self.slider = MarkedSlider()
        self.slider.setObjectName("previewSlider")
        self.slider.setToolTip("Scrub through the composition (arrow keys step one frame; "
                               "I and O mark the frames to render)")  # fmt: skip
        self.slider.setEnabled(False)
        self.slider.valueChanged.connect(self._on_frame_changed)
        self.frame_label = QLabel("Frame –")
        self.frame_label.setObjectName("previewFrameLabel")
        self.frame_label.setToolTip("The frame shown, and the last frame")
        widest = self.fontMetrics().horizontalAdvance("Frame 00000 / 00000")
        self.frame_label.setMinimumWidth(widest)
        self.frame_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.rate_label = QLabel()
        self.rate_label.setObjectName("previewRateLabel")
        self.rate_label.setToolTip("Frames per second shown while playing, and the "
                                   "composition's rate")  # fmt: skip
        self._show_paused()

        self._resize_timer = QTimer(self)
        self._resize_timer.setSingleShot(True)
        self._resize_timer.setInterval(150)
        self._resize_timer.timeout.connect(self._request)
        self.canvas.resized.connect(self._resize_timer.start)

        row = QHBoxLayout()
        row.addWidget(self.play_button)
        row.addWidget(self.slider, 1)
        row.addWidget(self.frame_label)
        row.addWidget(self.rate_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack, 1)
        layout.addLayout(row)
        self.show_message("Open a composition (Ctrl+O) or drop a file on the window.")

    @property
    def frame(self) -> int:
        return self.slider.value()

    @property
    def playing(self) -> bool:
        return self._clock is not None

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
        self._set_info(None)
        self.show_message(f"Loading {name}…")

    def show_error(self, message: str) -> None:
        """A composition that cannot be used: say why, in plain words."""
        self._set_info(None)
        self.frame_label.setText("Frame –")
        self.show_message(f"This composition cannot be rendered:\n\n{message}", error=True)

    def set_composition(self, info: CompositionInfo) -> None:
        self._set_info(info)
        self.canvas.native = QSize(info.width, info.height)
        self.canvas.set_image(QImage())
        self.stack.setCurrentWidget(self.canvas)
        self.slider.blockSignals(True)
        self.slider.setRange(0, info.frame_count - 1)
        self.slider.setValue(0)
        self.slider.setPageStep(max(1, round(info.fps)))
        self.slider.blockSignals(False)
        self._on_frame_changed(0)

    def set_allow_network(self, allow_network: bool) -> None:
        """Draw as a render with this network choice would (a new worker)."""
        self.allow_network = allow_network
        self._update_look()
        self._request()

    def _set_info(self, info: CompositionInfo | None) -> None:
        self.pause()
        self.info = info
        self.shown = None
        self.marks = None
        self.slider.set_marks(None)
        self.slider.setEnabled(info is not None)
        self.play_button.setEnabled(info is not None)
        self._update_look()

    def _update_look(self) -> None:
        info = self.info
        look = None
        if info is not None:
            look = PreviewLook(info.path, info.kind, (info.width, info.height),
                               self.allow_network)  # fmt: skip
        self.renderer.set_look(look)

    # -- scrubbing ----------------------------------------------------------------------

    def _on_frame_changed(self, frame: int) -> None:
        if self.info is not None:
            self.frame_label.setText(f"Frame {frame} / {self.info.frame_count - 1}")
            if self._clock is not None:  # scrubbed while playing: play on from here
                self._clock.start(frame, self._now())
            self._request()

    def preview_size(self) -> tuple[int, int]:
        """The size frames are drawn at: the picture's on screen, in device pixels."""
        assert self.info is not None
        info = self.info
        ratio = self.devicePixelRatioF()
        box = self.canvas.picture_rect()
        width = min(info.width, MAX_PREVIEW_SIDE, max(16, round(box.width() * ratio)))
        return width, max(1, round(width * info.height / info.width))

    def _request(self, frame: int | None = None) -> None:
        if self.info is not None:
            self.renderer.request(self.frame if frame is None else frame, *self.preview_size())

    def _on_ready(self, frame: int, image: QImage) -> None:
        if self.info is None:
            return
        self.canvas.set_image(image)
        self.shown = frame
        self.message.setProperty("error", False)  # a frame again, after a worker failed
        self.stack.setCurrentWidget(self.canvas)
        if self._clock is not None:
            self.meter.shown(self._now())
            rate = self.meter.rate()
            if rate is not None:
                self.rate_label.setText(f"{rate:.1f} / {self.info.fps:g} fps")
            if frame != self.frame:  # the slider follows the frame shown
                self.slider.blockSignals(True)
                self.slider.setValue(frame)
                self.slider.blockSignals(False)
                self.frame_label.setText(f"Frame {frame} / {self.info.frame_count - 1}")

    def _on_failed(self, message: str) -> None:
        if self.info is not None:
            self.pause()
            self.show_message(message, error=True)

    # -- playback -----------------------------------------------------------------------

    @property
    def achieved_fps(self) -> float | None:
        """Frames shown per second over the last second of playback."""
        return self.meter.rate()

    def _now(self) -> float:
        return self._elapsed.nsecsElapsed() / 1e9

    def toggle_playing(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def play(self) -> None:
        """Play at the composition's rate, looping between the in and out points (or over
        everything); frames the worker cannot draw in time are skipped."""
        info = self.info
        if info is None or self.playing:
            return
        first, last = self.marks or (0, info.frame_count - 1)
        self._clock = PlaybackClock(info.fps, first, last)
        start = self.frame if first <= self.frame < last else first
        self._clock.start(start, self._now())
        self.meter.reset()
        self.rate_label.setText(f"– / {info.fps:g} fps")
        self._tick.start(max(1, round(250 / info.fps)))  # four looks a frame
        self.play_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPause))
        self.play_button.setToolTip("Pause (Space)")

    def pause(self) -> None:
        if self._clock is not None:
            self._clock = None
            self._tick.stop()
            self._show_paused()
            if self.info is not None and self.renderer.busy:
                self._request()  # the frame the slider shows, once the one in flight is in

    def _show_paused(self) -> None:
        self.play_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.play_button.setToolTip("Play (Space)")
        self.rate_label.setText("")

    def _on_tick(self) -> None:
        if self._clock is not None and self.canvas.isVisible():
            self._request(self._clock.due(self._now()))

    # -- keys ---------------------------------------------------------------------------

    def step(self, frames: int) -> None:
        self.pause()
        self.slider.setValue(self.frame + frames)

    def mark(self, which: str) -> None:
        """Mark the frame shown as the in ("in") or out ("out") point of the render."""
        info = self.info
        if info is None:
            return
        first, last = self.marks or (0, info.frame_count - 1)
        if which == "in":
            first, last = self.frame, max(last, self.frame)
        else:
            first, last = min(first, self.frame), self.frame
        self.marks = (first, last)
        self.slider.set_marks(self.marks)
        self.rangeMarked.emit(first, last)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = Qt.Key(event.key())
        actions: dict[Qt.Key, Callable[[], None]] = {
            Qt.Key.Key_Space: self.toggle_playing,
            Qt.Key.Key_Left: lambda: self.step(-1),
            Qt.Key.Key_Right: lambda: self.step(1),
            Qt.Key.Key_Home: lambda: self.step(-self.frame),
            Qt.Key.Key_End: lambda: self.step(self.slider.maximum() - self.frame),
            Qt.Key.Key_I: lambda: self.mark("in"),
            Qt.Key.Key_O: lambda: self.mark("out"),
        }
        action = actions.get(key)
        if (
            action is None
            or self.info is None
            or event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ):
            super().keyPressEvent(event)
            return
        action()
        event.accept()
