"""Fine-tuning from the browser: pick sounds, check what the engine would train on, train, listen.

The dock asks the engine for a preview of a folder (a library folder, any folder, or a collection),
shows every clip with its caption (editable) and every skipped file with the reason, then trains
an adapter, drawing the loss as it falls and listing each validation render with a play button.
Cancel keeps the last checkpoint; Resume continues it. A finished adapter shows up in the model
picker as `<base>+<name>`.

The user's folders are only read. A collection, or captions edited here, are handed to the engine as
a training folder of links and caption files in the app's data folder (see training_folder.py).
"""

from __future__ import annotations

import os
import re
import time
import weakref
from pathlib import Path

from PyQt6.QtCore import QRegularExpression, Qt, pyqtSignal
from PyQt6.QtGui import QRegularExpressionValidator
from PyQt6.QtWidgets import (QAbstractItemView, QComboBox, QDockWidget, QFileDialog, QFormLayout, QHBoxLayout,
                             QHeaderView, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton, QSpinBox,
                             QSplitter, QTableView, QToolButton, QVBoxLayout, QWidget)

from soundloom.desktop.dataset_model import CAPTION, FILE, LENGTH, DatasetModel
from soundloom.desktop.flow_layout import FlowLayout
from soundloom.desktop.loss_plot import LossPlot
from soundloom.desktop.prompt_edit import PromptEdit
from soundloom.desktop.tasks import TaskRunner
from soundloom.desktop.training_folder import (Member, members_for_files, training_folders_dir, validations_dir,
                                               write_training_folder)
from soundloom.protocol.errors import SoundloomError
from soundloom.protocol.messages import ADAPTER_NAME_PATTERN, FINETUNE_DEFAULTS, FINETUNE_RANGES

PICK_PROMPT = "Choose sounds to train on…"
FOLDER_ITEM, LIBRARY_ITEM, COLLECTION_ITEM = "folder", "library", "collection"


def adapter_name_for(label: str, taken: set[str]) -> str:
    """A valid adapter name from a folder or collection name, not one of `taken`."""
    base = re.sub(r"[^A-Za-z0-9_.-]+", "-", label).strip("-._")[:56] or "adapter"
    if not base[0].isalnum():
        base = "a" + base
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    return name


def _eta(seconds) -> str:
    if seconds is None or seconds <= 0:
        return ""
    if seconds < 60:
        return f" · about {seconds:.0f} s left"
    return f" · about {seconds / 60:.0f} min left"


class ValidationRow(QWidget):
    """One validation render: a play button, the step and the prompt."""

    play_requested = pyqtSignal(str)  # path of the render

    def __init__(self, step: int, prompt: str, path: str, parent=None):
        super().__init__(parent)
        self.path = path
        self.play_button = QToolButton(text="▶")
        self.play_button.setToolTip(f"Play {os.path.basename(path)}")
        self.play_button.clicked.connect(self._play_clicked)
        label = QLabel(f"<span style='color:#8a9099'>step {step:,}</span>&nbsp;&nbsp;{_html(prompt)}")
        label.setToolTip(path)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 1, 4, 1)
        layout.addWidget(self.play_button)
        layout.addWidget(label, 1)

    def _play_clicked(self) -> None:
        self.play_requested.emit(self.path)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class FinetuneDock(QDockWidget):
    """The fine-tuning view. `window` provides link (EngineLink), library (LibraryService),
    audition (Audition), show_message(text) and show_error(text)."""

    def __init__(self, window, parent=None):
        super().__init__("Fine-tune", parent or window)
        self.setObjectName("finetuneDock")
        self._window = weakref.ref(window)  # see `window_`
        self.link = window.link
        self.files = TaskRunner(1, "finetune-files")  # training folders and renders: disk work off the UI thread
        self.dataset = DatasetModel(self)
        self.source: tuple[str, str] | None = None  # (kind, folder path or collection name) previewed
        self.preview_folder_path: str | None = None  # the folder the engine previewed
        self.job_id: str | None = None
        self.job_name = ""          # the adapter being trained
        self.job_folder = ""        # the folder handed to the engine for it (resume uses it again)
        self.last_step = 0
        self.total_steps = 0
        self.finished_result: dict | None = None
        self.renders: list[str] = []  # paths of the saved validation renders, in arrival order
        self._preview_token = 0
        self._suggested_name = ""
        self._render_count = 0
        self._running_ui = False  # from Train until the job ends (includes making a training folder)
        self._build()
        self._connect()
        self._update_buttons()

    @property
    def window_(self):
        """The window the dock serves. Held weakly: the window holds the dock, and the dock
        holding it back would make a cycle only the garbage collector frees, on whichever thread
        it runs, where destroying widgets crashes."""
        return self._window()

    # ------------------------------------------------------------------ layout

    def _build(self) -> None:
        body = QWidget()
        self.source_box = QComboBox()
        self.source_box.setMinimumContentsLength(12)  # narrow docks too; the list opens wide
        self.source_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.source_box.setToolTip("A library folder or a collection to train on")
        self.folder_button = QPushButton("Folder…")
        self.folder_button.setToolTip("Train on any folder of sounds (it is only read)")
        source_row = QHBoxLayout()
        source_row.addWidget(self.source_box, 1)
        source_row.addWidget(self.folder_button)
        self.summary = QLabel("Choose a library folder, a collection or any folder to see what would be trained on.")
        self.summary.setObjectName("dim")
        self.summary.setWordWrap(True)
        self.table = QTableView()
        self.table.setModel(self.dataset)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(FILE, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(LENGTH, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(CAPTION, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(FILE, 210)

        dataset_part = QWidget()
        dataset_layout = QVBoxLayout(dataset_part)
        dataset_layout.setContentsMargins(0, 0, 0, 0)
        dataset_layout.addLayout(source_row)
        dataset_layout.addWidget(self.summary)
        dataset_layout.addWidget(self.table, 1)

        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("adapter name")
        self.name_edit.setValidator(QRegularExpressionValidator(QRegularExpression(ADAPTER_NAME_PATTERN), self))
        self.name_edit.setToolTip("The adapter's name: 1–64 letters, digits, _ . - (the model becomes <base>+<name>)")
        self.steps_box = QSpinBox()
        low, high = FINETUNE_RANGES["steps"]
        # 0 reads "auto": the engine scales the steps with the library's size (1,000–5,000).
        self.steps_box.setRange(0, int(high))
        self.steps_box.setSpecialValueText("auto")
        self.steps_box.setValue(FINETUNE_DEFAULTS["steps"] or 0)
        self.steps_box.setSingleStep(100)
        self.steps_box.setToolTip(f"Optimiser steps in all, {int(low)}–{int(high):,}, or auto: scaled by the "
                                  "library's size; when resuming, the total to reach")
        self.validate_box = QSpinBox()
        low, high = FINETUNE_RANGES["validate_every"]
        self.validate_box.setRange(int(low), int(high))
        self.validate_box.setValue(FINETUNE_DEFAULTS["validate_every"])
        self.validate_box.setSingleStep(50)
        self.validate_box.setSuffix(" steps")
        self.validate_box.setToolTip("How often a test sound is rendered with the adapter so far")
        self.prompt_edit = PromptEdit("two captions from the sounds", max_lines=4)
        self.prompt_edit.setClearButtonEnabled(True)
        self.prompt_edit.setToolTip("What the test renders ask for; several prompts separated by ';' or on lines "
                                    "of their own (Shift+Enter), up to 8")
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for box in (self.steps_box, self.validate_box):  # numbers read best in compact fields
            box.setMinimumWidth(80)
            box.setMaximumWidth(130)
        form.addRow("Name", self.name_edit)
        form.addRow("Steps", self.steps_box)
        # A row of its own, so the dock (tabbed with Jobs) can be as narrow as the Jobs list needs.
        form.addRow("Render a test every", self.validate_box)
        form.addRow("Test prompt", self.prompt_edit)

        self.train_button = QPushButton("Train")
        self.train_button.setDefault(True)
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Continue this adapter from its last checkpoint, up to Steps")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop after the current step; the last checkpoint is kept for Resume")
        buttons = FlowLayout()  # wraps in a narrow dock
        buttons.add(self.train_button)
        buttons.add(self.resume_button)
        buttons.add(self.cancel_button)
        self.state_label = QLabel("")
        self.state_label.setWordWrap(True)
        self.plot = LossPlot()
        renders_label = QLabel("Test renders")  # the word the steps row uses
        renders_label.setObjectName("dim")
        self.renders_list = QListWidget()
        self.renders_list.setMinimumHeight(64)
        self.renders_list.itemActivated.connect(self._render_activated)

        training_part = QWidget()
        training_layout = QVBoxLayout(training_part)
        training_layout.setContentsMargins(0, 0, 0, 0)
        training_layout.addLayout(form)
        training_layout.addLayout(buttons)
        training_layout.addWidget(self.state_label)
        training_layout.addWidget(self.plot, 2)
        training_layout.addWidget(renders_label)
        training_layout.addWidget(self.renders_list, 1)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(dataset_part)
        self.splitter.addWidget(training_part)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)
        self.setWidget(body)
        self._fill_sources([], [])

    def _connect(self) -> None:
        self.folder_button.clicked.connect(self.choose_folder)
        self.source_box.activated.connect(self._source_chosen)
        self.train_button.clicked.connect(self.train)
        self.resume_button.clicked.connect(self.resume)
        self.cancel_button.clicked.connect(self.cancel)
        self.name_edit.textChanged.connect(self._update_buttons)
        # Bound methods only, no lambdas that hold the dock: a connection to a lambda keeps the dock
        # in a cycle that only the garbage collector frees, on whichever thread it runs, where
        # destroying widgets crashes.
        self.dataset.captions_edited.connect(self._captions_edited)
        self.link.job_progress.connect(self._on_progress)
        self.link.loss.connect(self._on_loss)
        self.link.validation.connect(self._on_validation)
        self.link.finetune_result.connect(self._on_done)
        self.link.job_failed.connect(self._on_failed)
        self.link.job_cancelled.connect(self._on_cancelled)
        self.visibilityChanged.connect(self._visibility_changed)

    def _captions_edited(self) -> None:
        self.summary.setText(self._summary_text())

    def _visibility_changed(self, visible: bool) -> None:
        if visible:
            self.refresh_sources()

    # ------------------------------------------------------------------ choosing sounds

    def refresh_sources(self) -> None:
        """List the library's folders and collections in the picker."""
        self.window_.library.call(lambda index: ([(r.path, r.name) for r in index.roots()], index.collections()),
                                  lambda found: self._fill_sources(*found), self.window_.show_error)

    def _fill_sources(self, roots: list, collections: list) -> None:
        current = self.source_box.currentData()
        self.source_box.clear()
        self.source_box.addItem(PICK_PROMPT, None)
        for path, name in roots:
            self.source_box.addItem(f"Folder: {name}", (LIBRARY_ITEM, path))
            self.source_box.setItemData(self.source_box.count() - 1, path, Qt.ItemDataRole.ToolTipRole)
        for name in collections:
            self.source_box.addItem(f"Collection: {name}", (COLLECTION_ITEM, name))
        if self.source is not None and self.source[0] == FOLDER_ITEM and not self._row_of(self.source):
            self.source_box.addItem(f"Folder: {os.path.basename(self.source[1]) or self.source[1]}", self.source)
        self.source_box.setCurrentIndex(self._row_of(current or self.source))

    def _row_of(self, data) -> int:
        """The picker row holding `data` (a (kind, value) pair), 0 (the prompt) when none does;
        compared in Python: Qt's findData does not compare Python tuples by value."""
        return next((row for row in range(1, self.source_box.count()) if self.source_box.itemData(row) == data), 0)

    def _source_chosen(self, row: int) -> None:
        data = self.source_box.itemData(row)
        if data is None:
            return
        kind, value = data
        if kind == COLLECTION_ITEM:
            self.preview_collection(value)
        else:
            self.preview_folder(value, kind)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Train on the sounds in", self.source[1] if self.source else "")
        if folder:
            self.preview_folder(folder)

    def preview_folder(self, folder: str, kind: str = FOLDER_ITEM) -> None:
        """Ask the engine what training on `folder` would use; the table fills when it answers."""
        folder = str(Path(folder).expanduser().absolute())
        self.source = (kind, folder)
        if kind == FOLDER_ITEM and not self._row_of(self.source):
            self.source_box.addItem(f"Folder: {os.path.basename(folder) or folder}", self.source)
        self.source_box.setCurrentIndex(self._row_of(self.source))
        self._ask_preview(folder, os.path.basename(folder.rstrip(os.sep)), origins=None)

    def preview_collection(self, name: str) -> None:
        """Preview a collection: its sounds are linked into a training folder first (they may live
        in many folders, and the engine trains on one)."""
        self.source = (COLLECTION_ITEM, name)
        self._preview_token += 1
        token = self._preview_token
        self.summary.setText(f"Gathering collection “{name}”…")
        folder = training_folders_dir() / f"collection-{adapter_name_for(name, set())}"

        def link_sounds(index) -> tuple:
            return [(record.path, record.caption) for record in index.collection(name)]

        def build(entries) -> None:
            if token != self._preview_token:
                return
            if not entries:
                self._preview_failed(token, f"collection “{name}” has no sounds")
                return
            members = members_for_files(entries)
            origins = {member.name: member.source for member in members}
            self.files.submit(lambda: write_training_folder(folder, members),
                              lambda built: token == self._preview_token and self._ask_preview(
                                  str(built), name, origins, token),
                              lambda error: self._preview_failed(token, f"cannot link the collection's sounds: {error}"))

        self.window_.library.call(link_sounds, build, lambda error: self._preview_failed(token, str(error)))

    def _ask_preview(self, folder: str, label: str, origins: dict | None, token: int | None = None) -> None:
        if token is None:
            self._preview_token += 1
            token = self._preview_token
        self.summary.setText(f"Asking the engine what {label or folder} holds…")
        self.dataset.clear()
        self.link.library_preview(folder, lambda reply: self._on_preview(token, folder, label, origins, reply))

    def _on_preview(self, token: int, folder: str, label: str, origins: dict | None, reply) -> None:
        if token != self._preview_token:
            return  # the user chose other sounds meanwhile
        if isinstance(reply, SoundloomError) or isinstance(reply, Exception):
            self._preview_failed(token, _reason(reply))
            return
        self.preview_folder_path = folder
        self.dataset.set_preview(reply, origins)
        self._fit_file_column()
        self.summary.setText(self._summary_text())
        if not self.name_edit.text() or self.name_edit.text() == self._suggested_name:
            self._suggested_name = adapter_name_for(label, self._adapter_names())
            self.name_edit.setText(self._suggested_name)
        self._update_buttons()

    def _fit_file_column(self) -> None:
        """File names in full where they fit, but never more than 45 % of the table: captions matter more."""
        self.table.resizeColumnToContents(FILE)
        limit = int(self.table.viewport().width() * 0.45)
        if self.table.columnWidth(FILE) > limit > 80:
            self.table.setColumnWidth(FILE, limit)

    def _preview_failed(self, token: int, reason: str) -> None:
        if token != self._preview_token:
            return
        self.dataset.clear()
        self.preview_folder_path = None
        self.summary.setText(f"Cannot preview: {reason}")
        self.window_.show_error(f"Fine-tune: {reason}")
        self._update_buttons()

    def _summary_text(self) -> str:
        text = self.dataset.summary()
        if self.source is not None and self.source[0] == COLLECTION_ITEM:
            text += f" — collection “{self.source[1]}”, linked, not copied"
        if self.dataset.clips:
            text += ". Double-click a caption to change what the model learns for that sound."
        return text

    def _adapter_names(self) -> set[str]:
        return {str(m.get("adapter") or "") for m in self.link.models if m.get("kind") == "adapter"} - {""}

    # ------------------------------------------------------------------ training

    def train(self) -> None:
        self._start(resume=False)

    def resume(self) -> None:
        self._start(resume=True)

    def _start(self, resume: bool) -> None:
        if self.job_id is not None:
            return
        name = self.name_edit.text().strip()
        if not re.fullmatch(ADAPTER_NAME_PATTERN, name):
            self.window_.show_error("name: use 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit")
            return
        if not resume and name in self._adapter_names():
            self.window_.show_error(f"name: an adapter named {name!r} exists; choose another name, or Resume it")
            return
        if not resume and not self.dataset.clips:
            self.window_.show_error("Fine-tune: nothing to train on; choose a folder or collection with usable sounds")
            return
        prompts = [" ".join(p.split()) for p in self.prompt_edit.text().replace("\n", ";").split(";") if p.strip()]
        if len(prompts) > 8:
            self.window_.show_error(f"Test prompt: {len(prompts)} prompts given; allowed 0 to 8, separated by ';'")
            return
        params = {"name": name, "validate_every": self.validate_box.value(), "resume": resume}
        if self.steps_box.value():
            params["steps"] = self.steps_box.value()
        if prompts:
            params["validation_prompts"] = prompts
        if not self.dataset.clips:  # resuming with nothing previewed: the folder of the last run
            self._set_running(True, "Preparing…")
            self._submit(self.job_folder if name == self.job_name else "", params, resume)
            return
        self._set_running(True, "Preparing…")
        if self._needs_training_folder():
            folder, members = training_folders_dir() / name, self._members()
            self.files.submit(lambda: write_training_folder(folder, members),
                              lambda built: self._submit(str(built), params, resume),
                              lambda error: self._start_failed(f"cannot make the training folder: {error}"))
        else:
            self._submit(self.preview_folder_path or "", params, resume)

    def _needs_training_folder(self) -> bool:
        """Edited captions or a collection: the engine cannot be handed the user's folder as is."""
        return bool(self.dataset.edited) or (self.source is not None and self.source[0] == COLLECTION_ITEM)

    def _members(self) -> list[Member]:
        return [Member(clip.path, self.dataset.source_path(clip), self.dataset.caption(clip)) for clip in self.dataset.clips]

    def _submit(self, folder: str, params: dict, resume: bool) -> None:
        if not folder:
            self._start_failed("nothing to train on; choose a folder or collection first")
            return
        if not self.link.can_generate:
            self._start_failed(self.link.status.message or "no engine can be started")
            return
        if not resume or params["name"] != self.job_name:
            self.last_step = 0
        if not resume:
            self.renders_list.clear()
            self.renders = []
        self.job_name, self.job_folder = params["name"], folder
        self.plot.reset(params["steps"], first_step=self.last_step)
        self.finished_result = None
        self.total_steps = params["steps"]
        title = f"{'Resume' if resume else 'Fine-tune'} {params['name']}"
        self.job_id = self.link.finetune(title, folder=folder, **params)
        self._update_buttons()
        self._set_state(f"{'Resuming' if resume else 'Starting'} {params['name']}: the engine loads the model "
                            "and reads the sounds…")

    def _start_failed(self, reason: str) -> None:
        self._set_running(False, f"Not started: {reason}")
        self.window_.show_error(f"Fine-tune: {reason}")

    def cancel(self) -> None:
        if self.job_id is not None:
            self.link.cancel(self.job_id)
            self._set_state(f"Cancelling {self.job_name} after the current step…")
            self.cancel_button.setEnabled(False)

    # ------------------------------------------------------------------ engine events

    def _on_progress(self, job_id: str, step: int, total: int, eta_s) -> None:
        if job_id != self.job_id:
            return
        self.last_step, self.total_steps = step, total
        self.plot.total = max(self.plot.total, total)
        # The loss of this step arrives just after its progress: the plot's title shows it.
        self._set_state(f"Training {self.job_name}: step {step:,} of {total:,}{_eta(eta_s)}")

    def _on_loss(self, job_id: str, step: int, loss: float) -> None:
        if job_id == self.job_id:
            self.plot.add_point(step, loss)

    def _on_validation(self, job_id: str, step: int, prompt: str, audio) -> None:
        if job_id != self.job_id:
            return
        self.plot.mark_validation(step)
        folder = validations_dir(self.job_name)
        self._render_count += 1  # keeps two renders of one prompt at one step apart
        path = folder / f"step{step:06d}-{self._render_count:03d}-{_slug(prompt)}.wav"

        def save() -> str:
            folder.mkdir(parents=True, exist_ok=True)
            return str(audio.save(path))

        self.files.submit(save, lambda saved: self._add_render(step, prompt, saved),
                          lambda error: self.window_.show_error(f"Fine-tune: validation render not saved: {error}"))

    def _add_render(self, step: int, prompt: str, path: str) -> None:
        self.renders.append(path)
        item = QListWidgetItem()
        item.setData(Qt.ItemDataRole.UserRole, path)
        row = ValidationRow(step, prompt, path)
        row.play_requested.connect(self.play_render)
        item.setSizeHint(row.sizeHint())
        self.renders_list.addItem(item)
        self.renders_list.setItemWidget(item, row)
        self.renders_list.scrollToBottom()

    def _render_activated(self, item: QListWidgetItem) -> None:
        self.play_render(item.data(Qt.ItemDataRole.UserRole))

    def play_render(self, path: str) -> None:
        if path:
            self.window_.audition.play(path)

    def _on_done(self, job_id: str, result) -> None:
        if job_id != self.job_id:
            return
        self.finished_result = dict(result) if isinstance(result, dict) else {}
        model = self.finished_result.get("model", f"+{self.job_name}")
        loss = self.finished_result.get("loss")
        self.last_step = int(self.finished_result.get("steps") or self.last_step)
        self.job_id = None
        text = f"Adapter {self.job_name} is ready: pick {model} in the model list"
        if isinstance(loss, (int, float)):
            text += f" (final loss {loss:.4g})"
        self._set_running(False, text)
        self.link.refresh_models()
        self.window_.show_message(text)

    def _on_failed(self, job_id: str, reason: str) -> None:
        if job_id != self.job_id:
            return
        self.job_id = None
        self._set_running(False, f"Training {self.job_name} failed: {reason}")
        self.window_.show_error(f"Fine-tune {self.job_name}: {reason}")
        self.link.refresh_models()  # a partial adapter may be listed now

    def _on_cancelled(self, job_id: str) -> None:
        if job_id != self.job_id:
            return
        self.job_id = None
        self._set_running(False, f"Cancelled {self.job_name} at step {self.last_step:,}; Resume continues from its "
                                 "last checkpoint")
        self.link.refresh_models()

    def shutdown(self) -> None:
        """When the app closes: finish writing a render or training folder, then stop the file thread."""
        self.files.close()

    # ------------------------------------------------------------------ state

    @property
    def running(self) -> bool:
        """From Train (making a training folder included) until the run ends."""
        return self._running_ui

    def _set_running(self, running: bool, text: str) -> None:
        self._running_ui = running
        self._set_state(text)
        self._update_buttons()

    def _set_state(self, text: str) -> None:
        self.state_label.setText(text)

    def _update_buttons(self) -> None:
        busy = self._running_ui
        named = bool(re.fullmatch(ADAPTER_NAME_PATTERN, self.name_edit.text().strip()))
        self.train_button.setEnabled(not busy and named and bool(self.dataset.clips))
        self.resume_button.setEnabled(not busy and named and bool(self.job_folder or self.dataset.clips))
        self.cancel_button.setEnabled(busy and self.job_id is not None)
        for widget in (self.source_box, self.folder_button, self.name_edit):
            widget.setEnabled(not busy)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers if busy else
                                   QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed)


def _slug(text: str, limit: int = 40) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit] or "prompt"


def _reason(error) -> str:
    if isinstance(error, SoundloomError):
        return error.message if not error.field else f"{error.field}: {error.message}"
    return str(error) or type(error).__name__
