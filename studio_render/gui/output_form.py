"""The output settings: file, preset, quality, frame range, size, frame rate, chunk
length, workers."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from studio_render.core.composition import MAX_FPS, CompositionInfo, fit_size, parse_size
from studio_render.core.errors import BadInput
from studio_render.core.job import MAX_CONCURRENCY, RenderSettings
from studio_render.core.plan import plan_render
from studio_render.core.presets import PRESETS, Join, Preset

NATIVE_SIZE = "Native size"
SIZE_CHOICES = (NATIVE_SIZE, "3840x", "1920x", "1280x", "x1080", "x720", "x480")


def default_output(composition: Path, preset: Preset) -> Path:
    """``name.mp4`` next to ``name.qml``; a folder ``name-frames`` for image sequences."""
    if preset.join is Join.NONE:
        return composition.with_name(f"{composition.stem}-frames")
    return composition.with_suffix(preset.extension)


def with_preset_suffix(path: Path, preset: Preset) -> Path:
    """``path`` renamed for ``preset``: its extension, or no extension for a folder."""
    if preset.join is Join.NONE:
        return path.with_suffix("") if path.suffix else path
    return path if path.suffix.lower() == preset.extension else path.with_suffix(preset.extension)


class OutputForm(QWidget):
    """Edits everything about the output; :meth:`settings` turns it into RenderSettings."""

    concurrencyChanged = Signal(int)
    #: The renderer or the network choice changed: what the preview draws with.
    lookChanged = Signal()

    def __init__(self, concurrency: int, preset: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info: CompositionInfo | None = None
        self.save_dir = ""

        self.output_edit = QLineEdit()
        self.output_edit.setObjectName("outputPathEdit")
        self.output_edit.setPlaceholderText("Where the video goes")
        self.output_edit.setToolTip("The output file (a folder for PNG image sequences)")
        self.output_edit.setClearButtonEnabled(True)
        self.output_edit.textChanged.connect(self._update_hint)
        self.save_as_button = QPushButton("Save &As…")
        self.save_as_button.setObjectName("saveAsButton")
        self.save_as_button.setToolTip("Choose the output file (Ctrl+Shift+S)")
        self.save_as_button.setShortcut("Ctrl+Shift+S")
        self.save_as_button.clicked.connect(self.choose_output)
        self.hint = QLabel()
        self.hint.setObjectName("outputHint")
        self.hint.setEnabled(False)  # drawn in the palette's quieter, disabled text colour

        self.preset_combo = QComboBox()
        self.preset_combo.setObjectName("presetCombo")
        for p in PRESETS.values():
            self.preset_combo.addItem(f"{p.name.upper()}: {p.description}", p.name)
        self.preset_combo.setToolTip("Output format")
        self.preset_combo.setCurrentIndex(max(0, self.preset_combo.findData(preset)))
        self.preset_combo.currentIndexChanged.connect(self._on_preset_changed)

        self.quality_spin = QSpinBox()
        self.quality_spin.setObjectName("qualitySpinBox")
        self.quality_spin.setToolTip("Quality as a CRF value: lower is better and larger")

        self.first_frame = QSpinBox()
        self.first_frame.setObjectName("firstFrameSpinBox")
        self.first_frame.setToolTip("First frame to render")
        self.last_frame = QSpinBox()
        self.last_frame.setObjectName("lastFrameSpinBox")
        self.last_frame.setToolTip("Last frame to render (included)")
        self.all_frames_button = QPushButton("All")
        self.all_frames_button.setObjectName("allFramesButton")
        self.all_frames_button.setToolTip("Render every frame of the composition")
        self.all_frames_button.clicked.connect(self._all_frames)
        self.first_frame.valueChanged.connect(lambda v: self.last_frame.setMinimum(v))

        self.size_combo = QComboBox()
        self.size_combo.setObjectName("sizeCombo")
        self.size_combo.setEditable(True)
        self.size_combo.addItems(SIZE_CHOICES)
        self.size_combo.setToolTip(
            "Output size as WIDTHxHEIGHT; 1280x or x720 keep the composition's aspect ratio"
        )

        self.fps_spin = QDoubleSpinBox()
        self.fps_spin.setObjectName("fpsSpinBox")
        self.fps_spin.setRange(0, MAX_FPS)
        self.fps_spin.setDecimals(3)
        self.fps_spin.setSpecialValueText("Native")
        self.fps_spin.setSuffix(" fps")
        self.fps_spin.setToolTip(
            "Output frame rate (Lottie): frames in between are drawn at their own times; "
            "Native keeps the animation's rate"
        )
        self.fps_spin.valueChanged.connect(self._on_fps_changed)

        self.chunk_spin = QSpinBox()
        self.chunk_spin.setObjectName("chunkFramesSpinBox")
        self.chunk_spin.setRange(0, 100_000)
        self.chunk_spin.setSpecialValueText("Automatic")
        self.chunk_spin.setSuffix(" frames")
        self.chunk_spin.setToolTip("Frames per chunk; Automatic gives each worker several chunks")

        self.concurrency_spin = QSpinBox()
        self.concurrency_spin.setObjectName("concurrencySpinBox")
        self.concurrency_spin.setRange(1, MAX_CONCURRENCY)
        self.concurrency_spin.setValue(concurrency)
        self.concurrency_spin.setToolTip(
            "Worker processes rendering chunks side by side (default: one per core). "
            "Can be changed during a render."
        )
        self.concurrency_spin.valueChanged.connect(self.concurrencyChanged)

        output_row = QHBoxLayout()
        output_row.addWidget(self.output_edit, 1)
        output_row.addWidget(self.save_as_button)
        frames_row = QHBoxLayout()
        frames_row.addWidget(self.first_frame, 1)
        frames_row.addWidget(QLabel("to"))
        frames_row.addWidget(self.last_frame, 1)
        frames_row.addWidget(self.all_frames_button)

        self.network_check = QCheckBox("Let QML scenes &go online (http/https)")
        self.network_check.setObjectName("allowNetworkCheck")
        self.network_check.setToolTip(
            "Off: a scene reads local files only, and a render it asks the network of fails "
            "naming the URL. On: images, components, fonts and XMLHttpRequest may fetch."
        )
        self.network_check.toggled.connect(self.lookChanged)

        self.summary = QLabel()
        self.summary.setObjectName("outputSummary")
        self.summary.setToolTip("What these settings will render")
        self.summary.setWordWrap(True)

        self.form = form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        rows: list[tuple[str, QWidget, QWidget | QHBoxLayout]] = [
            ("Fi&le:", self.output_edit, output_row),
            ("&Preset:", self.preset_combo, self.preset_combo),
            ("&Quality:", self.quality_spin, self.quality_spin),
            ("Fra&mes:", self.first_frame, frames_row),
            ("Si&ze:", self.size_combo, self.size_combo),
            ("Frame rate:", self.fps_spin, self.fps_spin),  # every fitting letter is taken
            ("Chun&ks:", self.chunk_spin, self.chunk_spin),
            ("&Workers:", self.concurrency_spin, self.concurrency_spin),
        ]
        for text, buddy, field in rows:
            label = QLabel(text)
            label.setBuddy(buddy)
            form.addRow(label, field)
            if buddy is self.output_edit:
                form.addRow("", self.hint)
        form.addRow("", self.network_check)
        form.addRow("", self.summary)
        for signal in (
            self.first_frame.valueChanged, self.last_frame.valueChanged,
            self.chunk_spin.valueChanged, self.concurrency_spin.valueChanged,
            self.size_combo.currentTextChanged, self.preset_combo.currentIndexChanged,
        ):  # fmt: skip
            signal.connect(self._update_summary)
        self._locked: list[QWidget] = [
            self.output_edit, self.save_as_button, self.preset_combo, self.quality_spin,
            self.first_frame, self.last_frame, self.all_frames_button, self.size_combo,
            self.fps_spin, self.chunk_spin,
        ]  # fmt: skip
        self._on_preset_changed()
        self.set_composition(None)
        self._update_hint()

    # -- state --------------------------------------------------------------------------

    @property
    def preset(self) -> Preset:
        return PRESETS[str(self.preset_combo.currentData())]

    def set_rendering(self, rendering: bool) -> None:
        """Lock what cannot change during a render (workers stay adjustable)."""
        for widget in self._locked:
            widget.setEnabled(not rendering)
        if not rendering:
            self.quality_spin.setEnabled(self.preset.crf is not None)
            self._set_frames_enabled(self.info is not None)
            self._set_fps_enabled()

    def _set_frames_enabled(self, enabled: bool) -> None:
        for widget in (self.first_frame, self.last_frame, self.all_frames_button):
            widget.setEnabled(enabled)

    def set_composition(self, info: CompositionInfo | None) -> None:
        """Frame range and a default output name for a newly loaded composition."""
        self.info = info
        self.fps_spin.setValue(0)
        self._set_fps_enabled()
        self._set_frame_range()
        self._set_frames_enabled(info is not None)
        if info is not None:
            self.output_edit.setText(str(default_output(Path(info.path), self.preset)))
        self._update_summary()

    def _set_fps_enabled(self) -> None:
        """The output frame rate: for Lottie only."""
        self.fps_spin.setEnabled(self.info is not None and self.info.kind == "lottie")

    def _fps(self) -> float | None:
        """The output frame rate asked for; None: the composition's own."""
        return self.fps_spin.value() or None

    def _frame_count(self) -> int:
        return self.info.frame_count_at(self._fps()) if self.info else 0

    def _set_frame_range(self) -> None:
        """All frames at the output rate (frame numbers count output frames)."""
        last = max(self._frame_count() - 1, 0)
        for spin in (self.first_frame, self.last_frame):
            spin.setRange(0, last)
        self.first_frame.setValue(0)
        self.last_frame.setValue(last)

    def _on_fps_changed(self) -> None:
        self._set_frame_range()
        self._update_summary()

    def set_frames(self, first: int, last: int) -> None:
        """The frame range from composition frames ``first``-``last`` (inclusive), counted
        at the output rate."""
        info = self.info
        if info is None:
            return
        scale = (self._fps() or info.fps) / info.fps
        self.first_frame.setValue(round(first * scale))
        self.last_frame.setValue(round(last * scale))

    def _all_frames(self) -> None:
        self.first_frame.setValue(0)
        self.last_frame.setValue(self.last_frame.maximum())

    def _on_preset_changed(self) -> None:
        preset = self.preset
        if preset.crf is not None:
            default, low, high = preset.crf
            self.quality_spin.setRange(low, high)
            self.quality_spin.setValue(default)
            self.quality_spin.setEnabled(True)
        else:
            self.quality_spin.setEnabled(False)
        text = self.output_edit.text().strip()
        if text:
            self.output_edit.setText(str(with_preset_suffix(Path(text), preset)))

    def _update_summary(self) -> None:
        self.summary.setText(self.describe())

    def describe(self) -> str:
        """One line about the render these settings make: size, frames, chunks."""
        info = self.info
        if info is None:
            return ""
        first, last = self.first_frame.value(), self.last_frame.value() + 1
        try:
            width, height = fit_size((info.width, info.height), self._size())
        except BadInput as exc:
            return str(exc)[:1].upper() + str(exc)[1:]
        count = last - first
        workers = self.concurrency_spin.value()
        chunks = plan_render(first, last, workers, self.chunk_spin.value() or None)
        sizes = sorted({c.frame_count for c in chunks})
        about = f"{sizes[0]}" if len(sizes) == 1 else f"{sizes[0]} to {sizes[-1]}"
        fps = self._fps()
        rate = f" at {fps:g} fps (the animation: {info.fps:g} fps)" if fps else ""
        return (
            f"{width} × {height}, {count} frames{rate} ({count / (fps or info.fps):.2f} s), "
            f"{len(chunks)} chunk{'s' if len(chunks) != 1 else ''} of {about} frames"
        )

    def _update_hint(self) -> None:
        text = self.output_edit.text().strip()
        path = Path(text).expanduser() if text else None
        if path is not None and path.exists():
            self.hint.setText("An existing file will be replaced.")
        elif path is not None and not path.parent.is_dir():
            self.hint.setText("This folder does not exist.")
        else:
            self.hint.setText("")
        self.form.setRowVisible(self.hint, bool(self.hint.text()))

    # -- the Save As dialog -------------------------------------------------------------

    def choose_output(self) -> None:
        """Open a (non-modal) Save As dialog; its answer fills the output field."""
        preset = self.preset
        current = self.output_edit.text().strip()
        dialog = QFileDialog(self, "Save Render As", current or self.save_dir)
        dialog.setObjectName("saveAsDialog")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        if preset.join is Join.NONE:
            dialog.setFileMode(QFileDialog.FileMode.Directory)
        else:
            dialog.setNameFilter(f"{preset.name.upper()} files (*{preset.extension})")
            dialog.setDefaultSuffix(preset.extension.lstrip("."))
        dialog.fileSelected.connect(self._on_output_chosen)
        dialog.open()

    def _on_output_chosen(self, path: str) -> None:
        if path:
            self.output_edit.setText(str(with_preset_suffix(Path(path), self.preset)))
            self.save_dir = str(Path(path).parent)

    # -- the result ---------------------------------------------------------------------

    def _size(self) -> tuple[int | None, int | None] | None:
        text = self.size_combo.currentText().strip()
        return None if text in ("", NATIVE_SIZE) else parse_size(text)

    def settings(self) -> RenderSettings:
        """The settings as entered; :class:`BadInput` for what cannot even be read."""
        text = self.output_edit.text().strip()
        if not text:
            raise BadInput("choose an output file first (Save As…)")
        size = self._size()
        preset = self.preset
        frames = None
        if self.info is not None:
            first, last = self.first_frame.value(), self.last_frame.value()
            if (first, last) != (0, self._frame_count() - 1):
                frames = (first, last + 1)
        return RenderSettings(
            output=Path(text).expanduser(),
            preset=preset.name,
            concurrency=self.concurrency_spin.value(),
            frames=frames,
            chunk_frames=self.chunk_spin.value() or None,
            size=size,
            crf=self.quality_spin.value() if preset.crf is not None else None,
            fps=self._fps(),
            allow_network=self.network_check.isChecked(),
        )
