"""The main window: pick a composition, set the output, render, watch, cancel, queue.

Nothing here waits: probes and previews run in worker processes, renders in the engine's
thread pool, and every answer arrives as a signal. Message boxes are opened with
``open()`` (never ``exec()``), so the event loop keeps running and tests can answer them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from studio_render.core.composition import CompositionInfo
from studio_render.core.errors import BadInput
from studio_render.core.job import RenderJob, check_job
from studio_render.gui import dialogs
from studio_render.gui.actions import bind_button, make_action
from studio_render.gui.composition_panel import CompositionPanel, is_composition_file
from studio_render.gui.controller import RenderController
from studio_render.gui.notify import Notifier
from studio_render.gui.output_form import OutputForm
from studio_render.gui.progress_panel import ProgressPanel
from studio_render.gui.queue_model import QueueModel
from studio_render.gui.queue_panel import QueuePanel
from studio_render.gui.render_queue import FILE_NAME, QueueItem, RenderQueue, Status
from studio_render.gui.render_target import RenderTargetForm
from studio_render.gui.settings import AppSettings

APP_NAME = dialogs.APP_NAME


class MainWindow(QMainWindow):
    """The app's one window. ``settings`` and ``data_dir`` are injected (tests isolate them)."""

    closed = Signal()  # the window accepted its close: nothing of it is running any more
    compositionLoaded = Signal(object)  # CompositionInfo
    compositionFailed = Signal(str)  # the message shown

    def __init__(
        self, settings: AppSettings, data_dir: Path, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.last_item_id: str | None = None
        self.error_box: QMessageBox | None = None
        self.confirm_box: QMessageBox | None = None
        self.close_box: QMessageBox | None = None  # asked on closing during a render
        #: How closing treats a running render: None (ask), keep or discard its chunks.
        self._keep_finished: bool | None = None
        #: Renders running longer than this ask before they are cancelled.
        self.confirm_cancel_after_s = 60.0
        #: Opens files and folders; tests replace it to see what would be opened.
        self.open_url: Callable[[QUrl], object] = QDesktopServices.openUrl
        self._closing = False
        self._closed = False

        queue = RenderQueue(data_dir / FILE_NAME)
        queue.load()
        self.queue_model = QueueModel(queue, self)
        self.controller = RenderController(self.queue_model, self)
        self.notifier = Notifier(self, self.windowIcon())

        self.setObjectName("mainWindow")
        self.setAcceptDrops(True)
        self._build_actions()
        self._build_ui()
        self._build_menus()
        self._connect()
        self._restore_state()
        self._update_state()
        interrupted = sum(item.status is Status.INTERRUPTED for item in queue)
        if interrupted:
            self.statusBar().showMessage(
                f"{interrupted} render(s) were interrupted when the app last closed: "
                "select one in the queue and press Resume."
            )

    # -- construction -------------------------------------------------------------------

    def _build_actions(self) -> None:
        px = QStyle.StandardPixmap
        self.open_action = make_action(
            self, "&Open…", "Open a QML scene or Lottie file",
            QKeySequence(QKeySequence.StandardKey.Open), px.SP_DialogOpenButton,
        )  # fmt: skip
        self.render_action = make_action(
            self, "&Render", "Render with these settings now", "Ctrl+R", px.SP_MediaPlay
        )
        self.queue_action = make_action(
            self, "Add to Q&ueue", "Add a render with these settings to the queue", "Ctrl+Shift+R"
        )
        self.cancel_action = make_action(
            self, "&Cancel", "Stop the render at once", "Esc", px.SP_MediaStop
        )
        self.start_queue_action = make_action(
            self, "&Start Queue", "Render the waiting renders, one after another", "Ctrl+Shift+Q"
        )
        self.quit_action = make_action(
            self, "&Quit", "Close Studio Render", QKeySequence(QKeySequence.StandardKey.Quit)
        )
        self.about_action = make_action(self, "&About Studio Render", "Version and purpose")

    def _build_ui(self) -> None:
        self.composition = CompositionPanel(self.settings, self.open_action)
        self.preview = self.composition.preview

        self.form = OutputForm(self.settings.concurrency, self.settings.preset)
        self.form.save_dir = self.settings.save_dir
        self.target_form = RenderTargetForm(self)
        self.target_form.install(self.form.form, self.form.form.rowCount() - 1)  # above summary
        self.render_button = QPushButton()
        self.render_button.setObjectName("renderButton")
        bind_button(self.render_button, self.render_action)
        font = self.render_button.font()
        font.setBold(True)
        self.render_button.setFont(font)
        self.render_button.setMinimumWidth(120)
        self.queue_button = QPushButton()
        self.queue_button.setObjectName("addToQueueButton")
        bind_button(self.queue_button, self.queue_action)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.queue_button)
        buttons.addWidget(self.render_button)
        output_box = QGroupBox("Output")
        output_layout = QVBoxLayout(output_box)
        output_layout.addWidget(self.form)
        output_layout.addStretch(1)
        output_layout.addLayout(buttons)

        top = QWidget()
        top_layout = QHBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.composition, 3)
        top_layout.addWidget(output_box, 2)

        self.progress = ProgressPanel()
        self.progress.bind(self.controller.engine)
        bind_button(self.progress.cancel_button, self.cancel_action)
        progress_box = QGroupBox("Progress")
        QVBoxLayout(progress_box).addWidget(self.progress)
        progress_box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

        self.queue_panel = QueuePanel(self.queue_model)
        queue_box = QGroupBox("Queue")
        QVBoxLayout(queue_box).addWidget(self.queue_panel)

        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(progress_box)
        bottom_layout.addWidget(queue_box, 1)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(top)
        self.splitter.addWidget(bottom)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(10, 8, 10, 4)
        layout.addWidget(self.splitter)
        self.setCentralWidget(central)

    def _build_menus(self) -> None:
        menu = self.menuBar().addMenu("&File")
        menu.addAction(self.open_action)
        menu.addMenu(self.composition.recent_menu)
        menu.addSeparator()
        menu.addAction(self.quit_action)
        menu = self.menuBar().addMenu("Re&nder")
        for action in (self.render_action, self.queue_action, self.cancel_action):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.start_queue_action)
        self.menuBar().addMenu("&Help").addAction(self.about_action)

    def _connect(self) -> None:
        self.open_action.triggered.connect(self.composition.choose)
        self.render_action.triggered.connect(self.start_render)
        self.queue_action.triggered.connect(self.add_to_queue)
        self.cancel_action.triggered.connect(self.cancel_render)
        self.start_queue_action.triggered.connect(self.controller.start_queue)
        self.quit_action.triggered.connect(self.close)
        self.about_action.triggered.connect(lambda: dialogs.about_box(self).open())
        self.composition.loaded.connect(self._on_loaded)
        self.composition.failed.connect(self._on_load_failed)
        self.form.concurrencyChanged.connect(self.controller.engine.set_concurrency)
        self.form.lookChanged.connect(self._update_preview_look)
        self.preview.rangeMarked.connect(self.form.set_frames)
        self.target_form.targetChanged.connect(self._on_target_changed)

        c = self.controller
        c.itemStarted.connect(self._on_item_started)
        c.jobStarting.connect(self._on_job_starting)
        c.itemEnded.connect(self._on_item_ended)
        c.stateChanged.connect(self._update_state)
        self.progress.bar.valueChanged.connect(self._update_title)
        self.progress.openRequested.connect(lambda: self._open_output(self.last_item_id))
        self.progress.showInFolderRequested.connect(self._show_in_folder)
        self.progress.retryRequested.connect(self._retry)

        q = self.queue_panel
        q.startRequested.connect(c.start_queue)
        q.cancelRequested.connect(self._cancel_item)
        q.removeRequested.connect(c.remove)
        q.runAgainRequested.connect(c.run_again)
        q.openRequested.connect(self._open_output)
        self.queue_model.rowsInserted.connect(self._update_state)
        self.queue_model.rowsRemoved.connect(self._update_state)

        for signal in (c.settled, self.composition.loader.idle, self.preview.renderer.idle,
                       self.target_form.idle):  # fmt: skip
            signal.connect(self._continue_closing)

    def _restore_state(self) -> None:
        geometry = self.settings.geometry
        if geometry is None or not self.restoreGeometry(geometry):
            screen = self.screen().availableGeometry()
            self.resize(min(1180, screen.width() * 9 // 10), min(840, screen.height() * 9 // 10))
        splitter = self.settings.splitter_state
        if splitter is not None:
            self.splitter.restoreState(splitter)
        self.target_form.restore(self.settings.render_on, self.settings.cluster)
        self._on_target_changed()

    def _save_state(self) -> None:
        s = self.settings
        s.geometry = self.saveGeometry()
        s.splitter_state = self.splitter.saveState()
        s.concurrency = self.form.concurrency_spin.value()
        s.preset = self.form.preset.name
        if self.form.save_dir:
            s.save_dir = self.form.save_dir
        s.render_on, s.cluster = self.target_form.values()
        s.sync()

    # -- state --------------------------------------------------------------------------

    @property
    def info(self) -> CompositionInfo | None:
        """The loaded composition, if it loaded."""
        return self.composition.info

    def _update_state(self) -> None:
        busy = self.controller.busy
        ready = self.info is not None and not busy
        self.form.set_rendering(busy)
        self.composition.set_locked(busy)
        self.target_form.set_locked(busy)
        self.open_action.setEnabled(not busy)
        self.render_action.setEnabled(ready)
        self.queue_action.setEnabled(ready)
        self.cancel_action.setEnabled(busy)
        self.start_queue_action.setEnabled(not busy and self.queue_model.has_pending())
        self.queue_panel.set_state(self.controller.running_queue, self.controller.current_id)
        self._update_title()

    def _update_title(self) -> None:
        parts: list[str] = []
        if self.controller.current_id is not None:
            item = self.queue_model.get(self.controller.current_id)
            parts += [f"{self.progress.percent:.0f}%", Path(item.composition).name]
        elif self.composition.path is not None:
            parts.append(self.composition.path.name)
        self.setWindowTitle(" — ".join([*parts, APP_NAME]))

    def _on_target_changed(self) -> None:
        """Items started from now on render where the form says; a cluster brings its cores."""
        self.controller.target = self.target_form.target()
        self.form.concurrency_spin.setEnabled(self.controller.target is None)

    # -- the composition ----------------------------------------------------------------

    def load_composition(self, path: str | Path) -> None:
        """Open a composition (not during a render: its settings are locked then)."""
        if self.controller.busy:
            self.statusBar().showMessage("Another composition can be opened when the render ends.")
            return
        self.form.set_composition(None)
        self.composition.load(path)
        self._update_state()

    def _on_loaded(self, info: CompositionInfo) -> None:
        self.form.set_composition(info)
        self._update_preview_look()
        self.statusBar().showMessage(f"Loaded {Path(info.path).name}", 5000)
        self._update_state()
        self.compositionLoaded.emit(info)

    def _update_preview_look(self) -> None:
        """The preview draws with the render's network choice."""
        self.preview.set_allow_network(self.form.network_check.isChecked())

    def _on_load_failed(self, message: str) -> None:
        self.statusBar().showMessage("The composition could not be loaded.", 5000)
        self._update_state()
        self.compositionFailed.emit(message)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if (not self.controller.busy and urls and urls[0].isLocalFile()
                and is_composition_file(urls[0].toLocalFile())):  # fmt: skip
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            event.acceptProposedAction()
            self.load_composition(urls[0].toLocalFile())

    # -- rendering ----------------------------------------------------------------------

    def start_render(self) -> None:
        """Queue a render with the form's settings and start the queue."""
        item = self._new_item()
        if item is not None:
            self.queue_model.add(item)
            self.queue_panel.select(item.id)
            self.controller.start_queue()

    def add_to_queue(self) -> None:
        item = self._new_item()
        if item is not None:
            self.queue_model.add(item)
            self.statusBar().showMessage(
                f"Added {item.output.name} to the queue; Start Queue renders it.", 5000
            )

    def _new_item(self) -> QueueItem | None:
        """A queue item from the form, or None after telling the user what is wrong."""
        if self.info is None:
            return None
        try:
            if self.target_form.on_cluster and not self.target_form.cluster_target().address:
                raise BadInput("enter the cluster's address first (tcp://HOST:8786)")
            settings = self.form.settings()
            checked = check_job(self.info, settings)  # every check the engine makes
        except BadInput as exc:
            self.error_box = dialogs.settings_error_box(self, str(exc))
            self.error_box.open()
            return None
        self.settings.preset = settings.preset
        self.form.save_dir = str(checked.output.parent)
        return QueueItem(composition=self.info.path, settings=settings)

    def cancel_render(self) -> None:
        """Cancel at once; a render running longer than a minute asks first."""
        if not self.controller.busy:
            return
        elapsed = self.controller.elapsed_s()
        if elapsed <= self.confirm_cancel_after_s:
            self.controller.cancel_current()
        elif self.confirm_box is None:
            box = dialogs.confirm_cancel_box(self, elapsed)
            box.buttonClicked.connect(lambda button: self._on_confirm(box.standardButton(button)))
            self.confirm_box = box
            box.open()

    def _on_confirm(self, answer: QMessageBox.StandardButton) -> None:
        self.confirm_box = None
        if answer == QMessageBox.StandardButton.Yes:
            self.controller.cancel_current()

    def _cancel_item(self, item_id: str) -> None:
        if item_id == self.controller.current_id:
            self.cancel_render()
        else:
            self.controller.cancel_item(item_id)

    def _retry(self) -> None:
        if self.last_item_id is not None:
            self.controller.run_again(self.last_item_id)

    def _on_item_started(self, item_id: str) -> None:
        self.progress.preparing(self.queue_model.get(item_id))
        self.queue_panel.select(item_id)
        self._update_state()

    def _on_job_starting(self, item_id: str, job: RenderJob) -> None:
        self.progress.begin(self.queue_model.get(item_id), job)

    def _on_item_ended(self, item_id: str) -> None:
        item = self.queue_model.get(item_id)
        self.last_item_id = item_id
        if self.confirm_box is not None:
            self.confirm_box.close()
            self.confirm_box = None
        self.progress.end(item)
        self._update_state()
        if not self.isActiveWindow():
            if item.status is Status.DONE:
                self.notifier.notify("Render finished", f"{item.output.name} is ready.")
            elif item.status is Status.FAILED:
                self.notifier.notify("Render failed", item.message, error=True)

    # -- after a render -----------------------------------------------------------------

    def _open_output(self, item_id: str | None) -> None:
        if item_id is not None:
            output = self.queue_model.get(item_id).output
            if output.exists():
                self.open_url(QUrl.fromLocalFile(str(output)))

    def _show_in_folder(self) -> None:
        if self.last_item_id is not None:
            folder = self.queue_model.get(self.last_item_id).output.parent
            self.open_url(QUrl.fromLocalFile(str(folder)))

    # -- closing ------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop everything first; the window closes once nothing of it runs any more.

        During a render it asks first (:func:`dialogs.close_during_render_box`): a render
        whose finished chunks are kept is stored as interrupted (Resume renders the rest),
        a discarded one as cancelled.
        """
        if not self._closing:
            if self.controller.busy and self._keep_finished is None:
                self._ask_before_closing()
                event.ignore()
                return
            self._closing = True
            self._save_state()
            if self.controller.busy:
                self.progress.set_idle_text("Closing: stopping the render…")
            self.controller.shutdown(keep_finished=self._keep_finished is not False)
            self.preview.renderer.shutdown()
            self.splitter.setEnabled(False)
            self.menuBar().setEnabled(False)
        if self.controller.is_settled and not self.composition.busy and not self.target_form.busy:
            self.notifier.close()
            self.queue_model.queue.save()
            event.accept()
            self._closed = True
            self.closed.emit()
        else:
            event.ignore()

    def close_now(self, keep_finished: bool) -> None:
        """Close without asking; a running render keeps its finished chunks or not."""
        self._keep_finished = keep_finished
        self.close()

    def _ask_before_closing(self) -> None:
        if self.close_box is not None:
            self.close_box.raise_()
            return
        box = dialogs.close_during_render_box(self, self.controller.elapsed_s())
        box.buttonClicked.connect(lambda button: self._on_close_answer(button.objectName()))
        self.close_box = box
        box.open()

    def _on_close_answer(self, answer: str) -> None:
        self.close_box = None
        if answer != dialogs.DONT_CLOSE:
            self.close_now(keep_finished=answer == dialogs.KEEP)

    def _continue_closing(self) -> None:
        if self._closing and not self._closed:
            self.close()
