"""The detail pane: the selected sound's waveform and spectrogram (switchable or stacked), its region
fields, and its metadata with an editable caption. A generated sound also shows where it came from:
prompt, seed, model, adapter, and for a regenerated take the file and regions it was made from.

Peaks and spectrograms are computed on worker threads; a result that arrives after another sound
was selected is dropped.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from PyQt6.QtCore import QSize, Qt, QTimer, pyqtSignal
from PyQt6.QtWidgets import (QButtonGroup, QFormLayout, QFrame, QHBoxLayout, QLabel, QLineEdit, QScrollBar,
                             QSizePolicy, QSplitter, QToolButton, QVBoxLayout, QWidget)

from soundloom.desktop.elided_label import ElidedLabel
from soundloom.desktop.flow_layout import FlowLayout
from soundloom.desktop.peaks import Cancelled, PeakCache
from soundloom.desktop.prompt_edit import PromptEdit
from soundloom.desktop.results import (display, format_channels, format_date, format_loudness, format_rate,
                                       format_rating, format_seconds)
from soundloom.desktop.selection import parse_seconds
from soundloom.desktop.spectrogram_view import SpectrogramView
from soundloom.desktop.spectrum import compute as compute_spectrogram
from soundloom.desktop.spectrum import to_rgb32
from soundloom.desktop.tasks import TaskRunner
from soundloom.desktop.timeline import Timeline
from soundloom.desktop.waveform import WaveformView

VIEWS = ("Waveform", "Spectrogram", "Both")
METADATA_SHARE = 0.4  # of the pane's width, at most, for the facts beside the waveform
SPECTROGRAM_PAUSE_MS = 120  # after zooming or scrolling stops, compute the new view's spectrogram
SUBTYPE_NAMES = {"PCM_16": "16-bit", "PCM_24": "24-bit", "PCM_32": "32-bit", "FLOAT": "32-bit float",
                 "DOUBLE": "64-bit float", "PCM_U8": "8-bit", "PCM_S8": "8-bit"}


class RegionFields(QWidget):
    """Start, end and length of the selected region in seconds, each editable by typing; each
    shows its unit (`1.250 s`), which may be typed or left out."""

    def __init__(self, timeline: Timeline, parent=None):
        super().__init__(parent)
        self.timeline = timeline
        # One row; on a narrow window the fields wrap, each with its name, rather than squeeze.
        layout = FlowLayout(self, spacing=8)
        self.fields = {}
        self._setters = {}
        for key, title, setter in (("start", "start", timeline.set_selection_start),
                                   ("end", "end", timeline.set_selection_end),
                                   ("length", "length", timeline.set_selection_length)):
            pair = QWidget()
            pair_layout = QHBoxLayout(pair)
            pair_layout.setContentsMargins(0, 0, 0, 0)
            pair_layout.setSpacing(4)
            if key == "start":
                label = QLabel("Selection")
                label.setObjectName("fieldName")
                pair_layout.addWidget(label)
            name = QLabel(title)
            name.setObjectName("dim")
            field = QLineEdit(placeholderText="–")
            field.setFixedWidth(field.fontMetrics().horizontalAdvance("0000.000 s") + 18)  # 16+ minutes
            field.setAlignment(Qt.AlignmentFlag.AlignRight)
            field.setToolTip(f"{title} in seconds: 1.25, 1.25s or 0:01.25; Enter applies")
            # A bound method, not a lambda holding the row: that would keep a dropped row alive
            # until the garbage collector frees it, on whichever thread it runs.
            field.editingFinished.connect(self._field_edited)
            pair_layout.addWidget(name)
            pair_layout.addWidget(field)
            layout.add(pair)
            self.fields[key] = field
            self._setters[key] = setter
        timeline.selection_changed.connect(self.refresh)
        self.refresh()

    def _field_edited(self) -> None:
        key = next((k for k, field in self.fields.items() if field is self.sender()), None)
        if key is not None:
            self._apply(self.fields[key], self._setters[key])

    def _apply(self, field: QLineEdit, setter) -> None:
        if not field.isModified() or self.timeline.duration <= 0:
            return
        field.setModified(False)
        try:
            setter(parse_seconds(field.text()))
            field.setStyleSheet("")
        except ValueError as exc:
            field.setStyleSheet("border-color: #c0504d;")
            field.setToolTip(str(exc))
        self.refresh()

    def refresh(self) -> None:
        region = self.timeline.selection
        values = {"start": None, "end": None, "length": None} if region is None else \
            {"start": region.start, "end": region.end, "length": region.length}
        for key, value in values.items():
            field = self.fields[key]
            if not field.hasFocus() or not field.isModified():
                field.setText("" if value is None else f"{value:.3f} s")


class MetadataPanel(QWidget):
    """Facts about the sound, and its caption (which edits the index, never the file)."""

    caption_edited = pyqtSignal(str, str)  # path, caption

    MIN_WIDTH, PREFERRED_WIDTH = 190, 270  # pixels: a format line ("48 kHz · 24-bit · stereo") whole when there is room

    ROWS = ("Length", "Format", "Loudness", "Peak", "Category", "Tags", "Rating", "Prompt", "Seed", "Model",
            "Adapter", "Made from", "Modified", "Folder")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMinimumWidth(self.MIN_WIDTH)  # the values wrap; narrower, the waveform keeps the room
        form = QFormLayout(self)
        form.setContentsMargins(8, 4, 8, 4)
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(3)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.caption = PromptEdit("caption", max_lines=3)  # a long caption wraps; Enter or leaving saves it
        self.caption.setToolTip("What this sound is, for search. Changes the library index only, never the file.")
        self.caption.editingFinished.connect(self._caption_done)
        self._path: str | None = None
        self._caption_text = ""
        form.addRow(self._name("Caption"), self.caption)
        self.values: dict[str, QLabel] = {}
        for row in self.ROWS:
            value = QLabel()
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            value.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            self.values[row] = value
            form.addRow(self._name(row), value)
        self.form = form

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(max(hint.width(), self.PREFERRED_WIDTH), hint.height())

    def _name(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName("fieldName")
        return label

    def show_record(self, record) -> None:
        self._path = record.path if record is not None else None
        self._caption_text = display(record.caption) if record is not None else ""
        self.caption.setText(self._caption_text)
        self.caption.setCursorPosition(0)
        self.caption.setEnabled(record is not None)
        facts = _facts(record) if record is not None else {}
        for row, label in self.values.items():
            text = facts.get(row) or ""
            label.setText(text)
            self.form.setRowVisible(label, bool(text) or row in ("Length", "Format", "Loudness"))

    def show_provenance(self, rows: dict[str, str]) -> None:
        """Fill the rows read from the file's own metadata (adapter, lineage)."""
        for row, text in rows.items():
            label = self.values.get(row)
            if label is not None and text:
                label.setText(text)
                label.setToolTip(text)
                self.form.setRowVisible(label, True)

    def _caption_done(self) -> None:
        text = " ".join(self.caption.text().split())  # one line in the index, however it was typed
        if self._path is not None and text != self._caption_text:
            self._caption_text = text
            self.caption_edited.emit(self._path, text)


def _facts(record) -> dict[str, str]:
    depth = SUBTYPE_NAMES.get(record.subtype, record.subtype or "")
    return {
        "Length": format_seconds(record.seconds),
        "Format": " · ".join(p for p in (format_rate(record.sample_rate), depth, format_channels(record.channels)) if p),
        "Loudness": format_loudness(record.loudness_lufs),
        "Peak": f"{record.peak_dbfs:.1f} dBFS" if record.peak_dbfs is not None else "",
        "Category": " / ".join(display(p) for p in (record.category, record.subcategory) if p),
        "Tags": ", ".join(display(t) for t in record.tags or []),
        "Rating": format_rating(record.rating),
        "Prompt": display(record.prompt),
        "Seed": "" if record.seed is None else str(record.seed),
        "Model": display(record.model),
        "Modified": format_date(record.modified),
        "Folder": display(record.folder),
    }


class DetailPane(QWidget):
    caption_edited = pyqtSignal(str, str)
    message = pyqtSignal(str)

    def __init__(self, timeline: Timeline, runner: TaskRunner, peak_cache: PeakCache, parent=None):
        super().__init__(parent)
        self.timeline, self.runner, self.peak_cache = timeline, runner, peak_cache
        self.record = None
        self._token = 0
        self._cancel = threading.Event()
        self.peaks_loaded = False
        self.spectrogram_loaded = False

        # A long name or folder is shortened ("…", whole in the tooltip) rather than widening the window.
        self.title = ElidedLabel()
        self.title.setObjectName("title")
        self.subtitle = ElidedLabel(mode=Qt.TextElideMode.ElideMiddle)
        self.subtitle.setObjectName("dim")
        # The folder can be selected and copied, whole even where "…" stands for part of it.
        self.subtitle.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.view_buttons = QButtonGroup(self)
        header = QHBoxLayout()
        header.setContentsMargins(8, 6, 8, 0)
        names = QVBoxLayout()
        names.setSpacing(0)
        names.addWidget(self.title)
        names.addWidget(self.subtitle)
        header.addLayout(names, 1)
        for i, name in enumerate(VIEWS):
            button = QToolButton(text=name, checkable=True)
            self.view_buttons.addButton(button, i)
            header.addWidget(button)
        self.view_buttons.idClicked.connect(self.set_view)

        self.waveform = WaveformView(timeline)
        self.spectrogram = SpectrogramView(timeline)
        self.views = QSplitter(Qt.Orientation.Vertical)
        self.views.addWidget(self.waveform)
        self.views.addWidget(self.spectrogram)
        self.views.setChildrenCollapsible(False)
        self.views.setSizes([300, 200])
        self.scrollbar = QScrollBar(Qt.Orientation.Horizontal)
        self.scrollbar.valueChanged.connect(self._scrolled)
        self.region_fields = RegionFields(timeline)
        self.metadata = MetadataPanel()
        self.metadata.caption_edited.connect(self.caption_edited)

        left = QVBoxLayout()
        left.setContentsMargins(8, 4, 0, 6)
        left.setSpacing(4)
        left.addWidget(self.views, 1)
        left.addWidget(self.scrollbar)
        left.addWidget(self.region_fields)
        line = QFrame(frameShape=QFrame.Shape.VLine)
        line.setStyleSheet("color: #2c3036;")
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.addLayout(left, 1)
        body.addWidget(line)
        body.addWidget(self.metadata)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        outer.addLayout(header)
        outer.addLayout(body, 1)

        self._spectrogram_timer = QTimer(self, singleShot=True, interval=SPECTROGRAM_PAUSE_MS)
        self._spectrogram_timer.timeout.connect(self._compute_spectrogram)
        timeline.view_changed.connect(self._view_changed)
        self.set_view(2)
        self.show_record(None)

    # view mode

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        # The waveform matters most: when the pane is narrow the facts give way first.
        self.metadata.setMaximumWidth(max(self.metadata.minimumWidth(), int(event.size().width() * METADATA_SHARE)))

    def set_view(self, mode: int) -> None:
        """0 waveform, 1 spectrogram, 2 both stacked."""
        self.view_buttons.button(mode).setChecked(True)
        self.waveform.setVisible(mode in (0, 2))
        self.spectrogram.setVisible(mode in (1, 2))
        if self.spectrogram.isVisible():
            self._spectrogram_timer.start()

    @property
    def view_mode(self) -> int:
        return self.view_buttons.checkedId()

    # the selected sound

    def cancel(self) -> None:
        """Stop computing peaks and spectrograms for the sound shown (the window is closing)."""
        self._cancel.set()

    def show_record(self, record) -> None:
        """Show `record` (a SoundRecord, or None for nothing) and start computing its peaks."""
        self._cancel.set()
        self._cancel = threading.Event()
        self._token += 1
        self.record = record
        self.peaks_loaded = self.spectrogram_loaded = False
        self.metadata.show_record(record)
        if record is None:
            self.title.setText("No sound selected")
            self.subtitle.setText("")
            self.timeline.reset(0.0, 0)
            self.waveform.set_message("")
            self.spectrogram.set_spectrogram(None)
            return
        self.title.setText(display(record.name))
        self.subtitle.setText(display(record.folder))
        self.subtitle.setToolTip(display(record.path))
        self.timeline.reset(record.seconds or 0.0, record.sample_rate or 0)
        self.waveform.set_message("reading peaks…")
        self.spectrogram.set_spectrogram(None, "")
        token, cancel, path = self._token, self._cancel, record.path
        if record.prompt or record.parent or record.model:
            self.runner.submit(lambda: provenance_rows(path),
                               lambda rows: self.metadata.show_provenance(rows) if token == self._token else None)
        self.runner.submit(lambda: _peaks_or_none(self.peak_cache, path, cancel),
                           lambda pyramid: self._peaks_ready(token, pyramid),
                           lambda error: self._peaks_failed(token, error))

    def _peaks_ready(self, token: int, pyramid) -> None:
        if token != self._token or pyramid is None:
            return
        if pyramid.seconds and abs(pyramid.seconds - self.timeline.duration) > 1e-3:
            # The index's duration is from the header; the peaks know what could really be read.
            self.timeline.reset(pyramid.seconds, pyramid.rate)
        elif not self.timeline.rate:
            self.timeline.reset(pyramid.seconds, pyramid.rate)
        self.peaks_loaded = True
        self.waveform.set_pyramid(pyramid, "" if pyramid.frames else "empty file")
        self._sync_scrollbar()
        if self.spectrogram.isVisible():
            self._compute_spectrogram()

    def _peaks_failed(self, token: int, error: str) -> None:
        if token != self._token:
            return
        self.peaks_loaded = True
        self.waveform.set_message(f"cannot read this file: {error}")
        self.spectrogram.set_spectrogram(None, "")
        self.message.emit(f"cannot read {error}")

    def _view_changed(self) -> None:
        self._sync_scrollbar()
        if self.record is not None and self.spectrogram.isVisible():
            self._spectrogram_timer.start()

    def _compute_spectrogram(self) -> None:
        if self.record is None or self.timeline.span <= 0 or not self.peaks_loaded:
            return
        token, cancel, path = self._token, self._cancel, self.record.path
        start, end = self.timeline.start, self.timeline.end
        columns = max(64, min(self.spectrogram.width(), 2400))
        rows = max(32, min(self.spectrogram.height(), 600))
        self.runner.submit(lambda: _spectrogram_and_pixels(path, start, end, columns, rows, cancel),
                           lambda result: self._spectrogram_ready(token, result),
                           lambda error: None if token != self._token else self.spectrogram.set_spectrogram(None, error))

    def _spectrogram_ready(self, token: int, result) -> None:
        if token == self._token and result is not None:
            self.spectrogram_loaded = True
            self.spectrogram.set_spectrogram(*result)

    # scrolling

    SCROLL_STEPS = 10_000

    def _sync_scrollbar(self) -> None:
        timeline = self.timeline
        self.scrollbar.blockSignals(True)
        if timeline.duration <= 0 or timeline.span >= timeline.duration:
            self.scrollbar.setRange(0, 0)
        else:
            page = int(self.SCROLL_STEPS * timeline.span / timeline.duration)
            self.scrollbar.setRange(0, self.SCROLL_STEPS - page)
            self.scrollbar.setPageStep(max(page, 1))
            self.scrollbar.setSingleStep(max(page // 10, 1))
            self.scrollbar.setValue(int(self.SCROLL_STEPS * timeline.start / timeline.duration))
        self.scrollbar.blockSignals(False)

    def _scrolled(self, value: int) -> None:
        timeline = self.timeline
        timeline.set_view(value / self.SCROLL_STEPS * timeline.duration, timeline.span)


def _spectrogram_and_pixels(path: str, start: float, end: float, columns: int, rows: int, cancel: threading.Event):
    spectrogram = compute_spectrogram(path, start, end, columns=columns, rows=rows, cancel=cancel.is_set)
    return None if spectrogram is None else (spectrogram, "", to_rgb32(spectrogram))


def _peaks_or_none(cache: PeakCache, path: str, cancel: threading.Event):
    try:
        return cache.pyramid(path, cancel.is_set)
    except Cancelled:
        return None  # another sound was selected meanwhile


def _regions_text(regions) -> str:
    try:
        return ", ".join(f"{float(start):.2f}–{float(end):.2f} s" for start, end in regions or [])
    except (TypeError, ValueError):
        return ""


def provenance_rows(path: str) -> dict[str, str]:
    """"Adapter" and "Made from" of a generated file, from its own metadata and its parents':
    e.g. {"Adapter": "my-kicks ×0.8", "Made from": "take.wav 1.20–2.45 s ← door.wav"}. Runs on a worker."""
    from soundloom.sdk.audio_file import read_metadata

    try:
        metadata = read_metadata(path)
    except Exception:  # noqa: BLE001 — no readable settings: nothing to show
        metadata = {}
    rows: dict[str, str] = {}
    model = str(metadata.get("model") or "")
    adapter = metadata.get("adapter") or (model.split("+", 1)[1] if "+" in model else None)
    if adapter:
        scale = metadata.get("adapter_scale")
        rows["Adapter"] = str(adapter) + (f" ×{float(scale):g}" if isinstance(scale, (int, float)) else "")
    try:
        from soundloom.bridge.provenance import lineage
    except ImportError:  # an install without the bridge: the file's own parent only
        lineage = None
    steps = []
    if lineage is not None:
        try:
            chain = lineage(path)
        except Exception:  # noqa: BLE001 — damaged metadata ends the chain
            chain = []
        for child, parent in zip(chain, chain[1:]):
            steps.append(f"{Path(parent['path']).name} {_regions_text(child.get('regions'))}".strip())
    elif metadata.get("parent"):
        steps.append(f"{os.path.basename(str(metadata['parent']))} {_regions_text(metadata.get('regions'))}".strip())
    if steps:
        rows["Made from"] = " ← ".join(steps)
    return rows
