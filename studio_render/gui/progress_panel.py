"""The render's progress: one bar, a stage line, rates, the chunk strip, and the outcome."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio_render.core.job import RenderJob
from studio_render.core.progress import ProgressSnapshot
from studio_render.gui.chunk_strip import ChunkStrip
from studio_render.gui.formatting import (
    describe_rates,
    describe_stage,
    format_duration,
    format_size,
)
from studio_render.gui.render_queue import QueueItem, Status
from studio_render.qt.aggregator import BAR_MAXIMUM
from studio_render.qt.engine import ChunkState, RenderEngine


class ProgressPanel(QWidget):
    """Bound to an engine: its aggregator drives the bar, its chunk states the strip.

    After a render it says what happened, with Open / Show in Folder for a finished file
    and the worker's last lines plus Retry for a failure.
    """

    openRequested = Signal()
    showInFolderRequested = Signal()
    retryRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.snapshot: ProgressSnapshot | None = None
        self._clock = QElapsedTimer()
        self._tick = QTimer(self)
        self._tick.setInterval(500)
        self._tick.timeout.connect(self._update_rates)

        self.bar = QProgressBar()
        self.bar.setObjectName("progressBar")
        self.bar.setRange(0, BAR_MAXIMUM)
        self.bar.setValue(0)
        self.bar.setTextVisible(True)
        self.bar.setFormat("0%")
        self.bar.setToolTip("The whole render: rendering, joining chunks and adding audio")
        self.bar.valueChanged.connect(self._on_bar_value)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelButton")

        self.job_label = QLabel()
        self.job_label.setObjectName("jobLabel")
        self.job_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.job_label.setText("Nothing rendered yet")
        self.job_label.setEnabled(False)
        self.stage_label = QLabel("Ready")
        self.stage_label.setObjectName("stageLabel")
        self.stage_label.setToolTip("What the render is doing now, or what happened")
        self.stage_label.setWordWrap(True)
        self.stage_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.stage_label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.eta_label = QLabel()
        self.eta_label.setObjectName("etaLabel")
        self.eta_label.setToolTip("Time so far, estimated time left, and frames per second")
        self.eta_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.waiting_label = QLabel()
        self.waiting_label.setObjectName("waitingLabel")
        self.waiting_label.setToolTip(
            "A frame taking far longer than those before it: past the frame timeout its "
            "chunk is stopped and retried, and a frame that hangs twice fails the render"
        )
        self.waiting_label.setVisible(False)
        self._waiting_shown = QTimer(self)  # the engine says it twice a second while it waits
        self._waiting_shown.setSingleShot(True)
        self._waiting_shown.setInterval(1500)
        self._waiting_shown.timeout.connect(self.waiting_label.hide)
        self.warnings_label = QLabel()
        self.warnings_label.setObjectName("warningsLabel")
        self.warnings_label.setToolTip(
            "Problems the scene had while drawing these frames: files that failed to load, "
            "script errors (in Qt's words); Qt draws on without them, as it would on screen"
        )
        self.warnings_label.setTextFormat(Qt.TextFormat.PlainText)  # Qt's words may hold "<"
        self.warnings_label.setWordWrap(True)
        self.warnings_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warnings_label.setVisible(False)

        self.strip = ChunkStrip()

        self.open_button = QPushButton("Open Ou&tput")
        self.open_button.setObjectName("openOutputButton")
        self.open_button.setToolTip("Open the rendered file in its default application")
        self.open_button.clicked.connect(self.openRequested)
        self.folder_button = QPushButton("Show in Fol&der")
        self.folder_button.setObjectName("showInFolderButton")
        self.folder_button.setToolTip("Show the folder that holds the rendered file")
        self.folder_button.clicked.connect(self.showInFolderRequested)
        self.details_button = QToolButton()
        self.details_button.setObjectName("detailsButton")
        self.details_button.setText("Deta&ils")
        self.details_button.setCheckable(True)
        self.details_button.setArrowType(Qt.ArrowType.RightArrow)
        self.details_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.details_button.setToolTip("Show the worker's last lines")
        self.details_button.toggled.connect(self._toggle_details)
        self.retry_button = QPushButton("Retr&y")
        self.retry_button.setObjectName("retryButton")
        self.retry_button.setToolTip("Render the same settings again")
        self.retry_button.clicked.connect(self.retryRequested)
        self.details = QPlainTextEdit()
        self.details.setObjectName("failureDetails")
        self.details.setReadOnly(True)
        self.details.setToolTip("The last lines the worker wrote before the render failed")
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.setMaximumHeight(140)
        font = self.details.font()
        font.setStyleHint(font.StyleHint.Monospace)
        font.setFamily("monospace")
        self.details.setFont(font)
        self._result_widgets: list[QWidget] = [
            self.open_button, self.folder_button, self.details_button, self.retry_button,
        ]  # fmt: skip

        row_height = max(w.sizeHint().height() for w in self._result_widgets)
        self.stage_label.setMinimumHeight(row_height)
        bar_row = QHBoxLayout()
        bar_row.addWidget(self.bar, 1)
        bar_row.addWidget(self.cancel_button)
        stage_row = QHBoxLayout()
        stage_row.addWidget(self.stage_label, 1)
        stage_row.addWidget(self.eta_label)
        for widget in self._result_widgets:
            stage_row.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.job_label)
        layout.addLayout(bar_row)
        layout.addLayout(stage_row)
        layout.addWidget(self.waiting_label)
        layout.addWidget(self.warnings_label)
        layout.addWidget(self.strip)
        layout.addWidget(self.details)
        self._show_result_widgets()

    def bind(self, engine: RenderEngine) -> None:
        engine.aggregator.barValueChanged.connect(self.bar.setValue)
        engine.aggregator.snapshotChanged.connect(self._on_snapshot)
        engine.chunkStateChanged.connect(self._on_chunk_state)
        engine.frameWaiting.connect(self._on_frame_waiting)
        engine.warning.connect(self._on_warning)

    @property
    def percent(self) -> float:
        return 100 * self.bar.value() / BAR_MAXIMUM

    # -- a render -----------------------------------------------------------------------

    def begin(self, item: QueueItem, job: RenderJob) -> None:
        """Reset for a new render (before the engine emits its first value)."""
        self.snapshot = None
        self._hide_waiting()
        self._clear_warnings()
        self._clock.start()
        self._tick.start()
        self.bar.setValue(0)
        self._on_bar_value(0)
        self.strip.reset(len(job.chunks))
        self._show_job(item)
        self.stage_label.setText(f"Starting {len(job.chunks)} chunks…")
        self._update_rates()
        self._show_result_widgets()

    def preparing(self, item: QueueItem) -> None:
        self._show_result_widgets()
        self._clear_warnings()
        self.strip.reset(0)
        self.bar.setValue(0)
        self._show_job(item)
        self.stage_label.setText("Preparing: reading the composition…")
        self.eta_label.setText("")

    def _show_job(self, item: QueueItem) -> None:
        name = html.escape(Path(item.composition).name)
        self.job_label.setText(f"<b>{name}</b> → {html.escape(str(item.output))}")
        self.job_label.setEnabled(True)

    def _on_bar_value(self, value: int) -> None:
        self.bar.setFormat(f"{100 * value / BAR_MAXIMUM:.1f}%")

    def _on_snapshot(self, snap: ProgressSnapshot) -> None:
        if self._tick.isActive():
            self.snapshot = snap
            self._update_stage()
            self._update_rates()

    def _on_chunk_state(self, index: int, state: str, fraction: float) -> None:
        was = self.strip.count(ChunkState.RENDERING)
        self.strip.set_chunk_state(index, state, fraction)
        if self.strip.count(ChunkState.RENDERING) != was and self._tick.isActive():
            self._update_stage()

    def _on_frame_waiting(self, index: int, frame: int, seconds: float) -> None:
        if self._tick.isActive():
            self.waiting_label.setText(
                f"Frame {frame} is stuck: waiting {seconds:.0f} s so far (chunk {index + 1})"
            )
            self.waiting_label.show()
            self._waiting_shown.start()

    def _on_warning(self, message: str) -> None:
        lines = [*self.warnings_label.text().splitlines()[1:], message]
        self.warnings_label.setText("\n".join(["Warnings:", *lines]))
        self.warnings_label.show()

    def _clear_warnings(self) -> None:
        self.warnings_label.clear()
        self.warnings_label.hide()

    def _hide_waiting(self) -> None:
        self._waiting_shown.stop()
        self.waiting_label.hide()

    def _update_stage(self) -> None:
        if self.snapshot is not None:
            rendering = self.strip.count(ChunkState.RENDERING)
            self.stage_label.setText(describe_stage(self.snapshot, rendering))

    def _update_rates(self) -> None:
        self.eta_label.setText(describe_rates(self._clock.elapsed() / 1000, self.snapshot))

    # -- the outcome --------------------------------------------------------------------

    def end(self, item: QueueItem) -> None:
        """Say what happened to ``item``; offer what can be done next."""
        self._tick.stop()
        self._hide_waiting()
        took = format_duration(item.elapsed_s)
        self.eta_label.setText("")
        self.details.setPlainText(item.details)
        if item.status is Status.DONE:
            self.stage_label.setText(
                f"Done: {item.output.name}, {format_size(item.output_size)} in {took}"
            )
            self._show_result_widgets(self.open_button, self.folder_button)
        elif item.status is Status.FAILED:
            self.stage_label.setText(f"Failed: {item.message}")
            shown: list[QWidget] = [self.retry_button]
            if item.details:
                shown.insert(0, self.details_button)
            self._show_result_widgets(*shown)
        else:
            self.stage_label.setText(item.message or str(item.status).capitalize())
            self._show_result_widgets()

    def set_idle_text(self, text: str) -> None:
        self.stage_label.setText(text)

    def _show_result_widgets(self, *shown: QWidget) -> None:
        for widget in self._result_widgets:
            widget.setVisible(widget in shown)
        self.details_button.setChecked(False)
        self.details.setVisible(False)

    def _toggle_details(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.details_button.setArrowType(
            Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        )
