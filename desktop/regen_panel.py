"""Regenerate a selection, re-imagine, extend or vary a sound, and choose among the takes.

The panel works for any host window that offers: `link` (an EngineLink), `current_record()` (the
sound shown: `.path`, `.caption`, `.prompt`), `selection()` ((start, end) seconds or None),
`undo_stack`, `audition`, `show_message(text)`, `show_error(text)`, `add_generated(paths,
group_with=None)`, and optionally `timeline` (so the panel follows selection changes and the take's
waveform lines up with the sound's). The main window hosts it in a dock; the external editor hosts
it beside the file it edits.
"""

from __future__ import annotations

import os
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import soundfile as sf
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QAction, QKeySequence
from PyQt6.QtWidgets import (QDoubleSpinBox, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                             QPushButton, QSizePolicy, QSlider, QSpinBox, QTabWidget, QToolButton, QVBoxLayout,
                             QWidget)

from soundloom.desktop import take_files
from soundloom.desktop.ab_toggle import A, B, ABToggle
from soundloom.desktop.flow_layout import FlowLayout
from soundloom.desktop.paths import cache_dir, peaks_dir
from soundloom.desktop.peaks import PeakCache
from soundloom.desktop.prompt_edit import PromptEdit
from soundloom.desktop.regen_commands import DiscardTake, KeepTake
from soundloom.desktop.regen_input import (InputError, check_clip, check_extend, check_prompt, check_selection,
                                           check_strength)
from soundloom.desktop.results import display
from soundloom.desktop.takes_model import EXTEND, KEPT, REGENERATE, TRANSFER, Take, TakesModel
from soundloom.desktop.tasks import TaskRunner
from soundloom.desktop.timeline import Timeline
from soundloom.desktop.waveform import WaveformView

PREVIEW_SECONDS = 3.0          # a re-imagine preview renders only the start of the sound…
PREVIEW_STEP_FRACTION = 0.4    # …with fewer steps, so it is back in a few seconds
PREVIEW_AUTO_STEPS = 10        # what the fraction is taken of when the steps are the model's default
VARIATION_STRENGTH = 0.3       # "Variations of this": near the source, not a new sound
PRE_ROLL_SECONDS = 0.5         # a take plays from a little before its region, to hear the join
AB_KEYS = ("`", "B")           # backtick (under Esc on most keyboards), or B as in "B side"


@dataclass
class Job:
    """What a submitted engine job is for, to know what to do with its results."""

    kind: str                 # "regenerate", "transfer", "extend", "preview", "variations"
    source: Path
    prompt: str
    expected: int
    regions: tuple = ()
    strength: float | None = None
    received: int = 0
    written: list = field(default_factory=list)


class RegenPanel(QWidget):
    take_added = pyqtSignal(object)   # Take, once its file is written
    kept = pyqtSignal(object)         # Take, once kept
    preview_ready = pyqtSignal(str)   # path of the preview render, which starts playing
    variations_ready = pyqtSignal(list)  # paths of new sounds near the source, added to the library

    def __init__(self, host, *, allow_variations: bool = True, show_take_view: bool = True, parent=None):
        super().__init__(parent)
        self._host = weakref.ref(host)  # see `host`
        self.link = host.link
        self.takes = TakesModel()
        self.ab = ABToggle(host.audition, self)
        self.writer = TaskRunner(1, "takes")
        self.peak_cache = PeakCache(peaks_dir())
        self.jobs: dict[str, Job] = {}
        self.status = getattr(self.link, "status", None)
        self.last_error = ""
        self._peaks_token = 0
        self._build(allow_variations, show_take_view)
        self._connect()
        self.sync_source()

    @property
    def host(self):
        """The window the panel serves. Held weakly: the window holds the panel, and the panel
        holding it back would make a cycle only the garbage collector frees, on whichever thread
        it runs, where destroying widgets crashes."""
        return self._host()

    # ------------------------------------------------------------------ layout

    def _build(self, allow_variations: bool, show_take_view: bool) -> None:
        self.prompt = PromptEdit("what should be there, e.g. glass shatter, small shards")  # wraps; Enter runs
        self.prompt.setClearButtonEnabled(True)
        self.prompt.returnPressed.connect(self._run_current_tab)
        self.count = _spin(1, 8, 3, "Takes (candidates) per request")
        self.steps = _spin(0, 200, 0, "Denoising steps: more is slower and cleaner; auto uses the model's own default")
        self.steps.setSpecialValueText("auto")
        self.seed = QLineEdit(placeholderText="random")
        self.seed.setFixedWidth(self.seed.fontMetrics().horizontalAdvance("4294967295") + 18)  # ten digits
        self.seed.setToolTip("Seed 0–4294967295; empty for a new one each time. Take k uses seed + k − 1.")
        # Rows of controls wrap when the dock is narrow, a field staying with its name.
        options = FlowLayout(spacing=10)
        for text, widget in (("takes", self.count), ("steps", self.steps), ("seed", self.seed)):
            options.add(_pair(_dim(text), widget))

        self.selection_label = QLabel()
        self.selection_label.setObjectName("dim")
        self.selection_label.setWordWrap(True)  # sentences wrap, so the dock can be narrow
        self.regen_button = QPushButton("Regenerate Selection")
        self.regen_button.setToolTip("Replace only the selected region with what the prompt says (Ctrl+Shift+R)")
        self.regen_button.clicked.connect(self.regenerate)
        regen_page = _page(self.selection_label, self.regen_button)

        self.strength = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=100, value=50)
        self.strength.setToolTip("0 keeps the sound, 1 ignores it and follows only the prompt")
        self.strength_label = QLabel()
        self.strength_label.setFixedWidth(34)
        # Here and below, bound methods rather than lambdas that hold the panel: a connection to
        # such a lambda keeps the panel in a cycle that only the garbage collector frees, on
        # whichever thread it runs, where destroying widgets crashes.
        self.strength.valueChanged.connect(self._show_strength)
        self._show_strength(self.strength.value())
        strength_row = QHBoxLayout()
        strength_row.addWidget(_dim("strength"))
        strength_row.addWidget(self.strength, 1)
        strength_row.addWidget(self.strength_label)
        self.preview_button = QPushButton("Preview")
        self.preview_button.setToolTip(f"Render the first {PREVIEW_SECONDS:g} s with fewer steps and play it")
        self.preview_button.clicked.connect(self.preview_transfer)
        self.transfer_button = QPushButton("Re-imagine")
        self.transfer_button.setToolTip("Render the whole sound at this strength, as takes to compare with A/B")
        self.transfer_button.clicked.connect(self.transfer)
        self.variations_button = QPushButton("Variations of This")
        self.variations_button.setToolTip(f"New sounds near this one (strength {VARIATION_STRENGTH:g}, one per "
                                          "seed), added to the library beside it")
        self.variations_button.clicked.connect(self.variations)
        self.variations_button.setVisible(allow_variations)
        buttons = FlowLayout()
        for button in (self.preview_button, self.transfer_button, self.variations_button):
            buttons.add(button)
        transfer_page = _page(strength_row, buttons)

        self.extend_seconds = QDoubleSpinBox(minimum=0.5, maximum=60.0, value=2.0, singleStep=0.5, suffix=" s")
        self.extend_seconds.setToolTip("How much to add after the end")
        self.extend_button = QPushButton("Extend")
        self.extend_button.clicked.connect(self.extend)
        extend_row = QHBoxLayout()
        extend_row.addWidget(_dim("add"))
        extend_row.addWidget(self.extend_seconds)
        extend_row.addWidget(self.extend_button, 1)
        extend_hint = _dim("Continue the sound past its end; the original part stays as it is.")
        extend_hint.setWordWrap(True)
        extend_page = _page(extend_hint, extend_row)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(regen_page, "Selection")
        self.tabs.addTab(transfer_page, "Re-imagine")
        self.tabs.addTab(extend_page, "Extend")

        self.engine_label = QLabel()
        self.engine_label.setObjectName("dim")
        self.engine_label.setWordWrap(True)
        self.progress_label = QLabel()
        self.progress_label.setWordWrap(True)
        self.cancel_button = QToolButton(text="Cancel")
        self.cancel_button.clicked.connect(self.cancel_jobs)
        self.cancel_button.hide()
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress_label, 1)
        progress_row.addWidget(self.cancel_button)

        self.list = QListWidget()
        self.list.setMinimumHeight(90)
        self.list.setAlternatingRowColors(True)
        self.list.currentItemChanged.connect(self._item_changed)
        self.list.itemActivated.connect(self.play_b)
        self.take_view = WaveformView(getattr(self.host, "timeline", None) or Timeline())
        self.take_view.setMinimumHeight(70)
        self.take_view.setMaximumHeight(110)
        self.take_view.setVisible(show_take_view and hasattr(self.host, "timeline"))
        self.take_view.set_message("no take yet")

        self.a_button = QToolButton(text="A  original", checkable=True)
        self.b_button = QToolButton(text="B  take", checkable=True)
        self.a_button.clicked.connect(self.play_a)
        self.b_button.clicked.connect(self.play_b)
        self.a_button.setToolTip("Play the original")
        self.b_button.setToolTip("Play the selected take")
        self.ab_action = QAction("Toggle A/B", self)
        self.ab_action.setShortcuts([QKeySequence(k) for k in AB_KEYS])
        self.ab_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.ab_action.triggered.connect(self.toggle_ab)
        self.regen_action = QAction("Regenerate Selection", self, shortcut=QKeySequence("Ctrl+Shift+R"))
        self.regen_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.regen_action.triggered.connect(self.regenerate)
        # On the host window, so the keys work while the panel sits behind another dock's tab.
        shortcut_owner = self.host if isinstance(self.host, QWidget) else self
        shortcut_owner.addAction(self.ab_action)
        shortcut_owner.addAction(self.regen_action)
        ab_hint = _dim(f"{AB_KEYS[0]} or {AB_KEYS[1]} switches while playing")
        ab_hint.setWordWrap(True)
        self.keep_button = QPushButton("Keep")
        self.keep_button.setToolTip("Add the selected take to the library as a new sound; the original stays as it is")
        self.keep_button.clicked.connect(self.keep_selected)
        self.discard_button = QPushButton("Discard")
        self.discard_button.setToolTip("Take the selected take off the list (its file stays on disk; undo brings it back)")
        self.discard_button.clicked.connect(self.discard_selected)
        ab_row = QHBoxLayout()
        ab_row.setSpacing(4)
        ab_row.addWidget(self.a_button)
        ab_row.addWidget(self.b_button)
        ab_row.addWidget(ab_hint, 1)
        self.backups_button = QToolButton(text="Backups…")
        self.backups_button.setToolTip("Files saved back by the editor, as they were before: restore any of them")
        self.backups_button.clicked.connect(self.show_backups)
        choose_row = FlowLayout()
        choose_row.add(self.backups_button)
        choose_row.add(QWidget(), 1)  # Discard and Keep sit at the right
        choose_row.add(self.discard_button)
        choose_row.add(self.keep_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(5)
        layout.addWidget(self.prompt)
        layout.addLayout(options)
        layout.addWidget(self.tabs)
        layout.addLayout(progress_row)
        layout.addWidget(self.engine_label)
        self.list_title = _heading("Takes")
        self.list_title.setWordWrap(True)
        layout.addWidget(self.list_title)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.take_view)
        layout.addLayout(ab_row)
        layout.addLayout(choose_row)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)

    def _connect(self) -> None:
        link = self.link
        link.status_changed.connect(self._status_changed)
        link.job_progress.connect(self._job_progress)
        link.job_result.connect(self._job_result)
        link.job_failed.connect(self._job_failed)
        link.job_cancelled.connect(self._job_cancelled)
        self.takes.changed.connect(self._refresh_list)
        self.takes.selection_changed.connect(self._take_selected)
        self.ab.side_changed.connect(self._show_side)
        timeline = getattr(self.host, "timeline", None)
        if timeline is not None:
            timeline.selection_changed.connect(self.sync_source)
        self._status_changed(self.status)
        self._show_side(self.ab.side)

    def _show_strength(self, value: int) -> None:
        self.strength_label.setText(f"{value / 100:.2f}")

    def close_panel(self) -> None:
        """Stop background work (the host is closing)."""
        self.writer.close()

    # ------------------------------------------------------------------ the sound shown

    def sync_source(self) -> None:
        """Follow the host's current sound and selection (called on every selection change)."""
        record = self.host.current_record()
        source = Path(record.path) if record is not None else None
        if source != self.takes.source:
            self.takes.set_source(source)
            self.ab.set_original(os.fspath(source) if source is not None else None)
        selection = self.host.selection() if record is not None else None
        if record is None:
            self.selection_label.setText("Pick a sound, then drag across its waveform to select a region.")
        elif selection is None:
            self.selection_label.setText("Drag across the waveform to select what to regenerate.")
        else:
            start, end = sorted(selection)
            self.selection_label.setText(f"Selection {start:.2f}–{end:.2f} s ({end - start:.2f} s)")

    # ------------------------------------------------------------------ engine status and jobs

    def _status_changed(self, status) -> None:
        self.status = status
        if status is None:
            self.engine_label.setText("Engine: connecting…")
        else:
            self.engine_label.setText(status.text())

    def engine_problem(self) -> str:
        """Why a request cannot go to the engine now ("" when it can)."""
        status = self.status
        if status is None:
            return "engine: still connecting — try again in a moment"
        if not getattr(status, "connected", False):
            return f"engine: not available — {getattr(status, 'message', '') or 'not connected'}"
        return ""

    def _submit(self, kind: str, title: str, job: Job, **params) -> str:
        job_id = self.link.submit(kind, title, **params)
        self.jobs[job_id] = job
        self.progress_label.setText(f"{title}: waiting for the engine…")
        self.cancel_button.show()
        return job_id

    def _job_progress(self, job_id: str, step: int, total: int, eta) -> None:
        if job_id not in self.jobs:
            return
        left = f" · about {eta:.0f} s left" if eta else ""
        self.progress_label.setText(f"{_doing(self.jobs[job_id])}: step {step} of {total}{left}")

    def _job_result(self, job_id: str, audios) -> None:
        job = self.jobs.get(job_id)
        if job is None:
            return  # another part of the app asked for this
        audios = list(audios) if isinstance(audios, (list, tuple)) else [audios]
        for audio in audios:
            job.received += 1
            self.writer.submit(lambda a=audio: self._write(job, a), lambda path, a=audio: self._written(job, a, path),
                               self._write_failed)
        if job.received >= job.expected:
            del self.jobs[job_id]
            self._jobs_changed()

    def _job_failed(self, job_id: str, reason: str) -> None:
        job = self.jobs.pop(job_id, None)
        if job is not None:
            self._jobs_changed()
            self.report_error(f"{_doing(job).lower()} failed: {reason}")

    def _job_cancelled(self, job_id: str) -> None:
        if self.jobs.pop(job_id, None) is not None:
            self._jobs_changed()
            self.host.show_message("Cancelled")

    def _jobs_changed(self) -> None:
        if not self.jobs:
            self.cancel_button.hide()
            self.progress_label.setText("")

    def cancel_jobs(self) -> None:
        for job_id in list(self.jobs):
            self.link.cancel(job_id)

    # ------------------------------------------------------------------ writing results (takes thread)

    def _write(self, job: Job, audio) -> Path:
        meta = dict(audio.metadata or {})
        meta.setdefault("prompt", job.prompt)
        if job.kind == REGENERATE:
            return take_files.write_region_take(job.source, audio.samples, audio.sample_rate, job.regions, meta)
        if job.kind == "preview":
            from soundloom.sdk.audio_file import write_audio

            folder = cache_dir() / "previews"
            folder.mkdir(parents=True, exist_ok=True)
            return Path(write_audio(folder / "re-imagine-preview.wav", audio.samples, audio.sample_rate, meta))
        if job.kind == "variations":
            return take_files.write_whole_take(job.source, audio.samples, audio.sample_rate, meta, "variation",
                                               folder=take_files.generated_dir())
        if job.kind == TRANSFER:
            return take_files.write_transfer_take(job.source, audio.samples, audio.sample_rate, meta)
        return take_files.write_whole_take(job.source, audio.samples, audio.sample_rate, meta, "extended")

    def _written(self, job: Job, audio, path: Path) -> None:
        meta = audio.metadata or {}
        if job.kind == "preview":
            self.host.show_message(f"Preview at strength {job.strength:.2f}: the first {PREVIEW_SECONDS:g} s")
            audition = self.host.audition
            cue, only = audition.cue, audition.selection_only
            audition.cue, audition.selection_only = 0.0, False  # the preview is the sound's start, heard whole
            try:
                audition.play(os.fspath(path))
            finally:
                audition.cue, audition.selection_only = cue, only
            self.preview_ready.emit(os.fspath(path))
            return
        if job.kind == "variations":
            job.written.append(path)
            if len(job.written) == job.expected:
                self.host.add_generated(list(job.written), group_with=os.fspath(job.source))
                self.host.show_message(f"{len(job.written)} variations of {display(job.source.name)} added beside it")
                self.variations_ready.emit(list(job.written))
            return
        take = self.takes.add(Take(path=Path(path), source=job.source, kind=job.kind, prompt=job.prompt,
                                   seed=meta.get("seed"), regions=job.regions, strength=job.strength, metadata=meta))
        if take.source == self.takes.source and self.takes.selected == take.path and len(self.takes.takes) == 1:
            self.host.show_message(f"{take.label()} ready — press ` to compare with the original")
        self.take_added.emit(take)

    def _write_failed(self, error: str) -> None:
        self.report_error(f"cannot write the take: {error}")

    # ------------------------------------------------------------------ requests

    def _common(self) -> dict:
        params = {"variations": self.count.value()}
        if self.steps.value():  # 0 is "auto": the model's own default
            params["steps"] = self.steps.value()
        text = self.seed.text().strip()
        if text:
            if not text.isdigit() or int(text) > 2**32 - 1:
                raise InputError(f"seed: {text!r}; a whole number 0–4294967295, or empty for a new one")
            params["seed"] = int(text)
        return params

    def _source(self, regions: bool = False) -> tuple[object, Path, float]:
        record = self.host.current_record()
        if record is None:
            raise InputError("sound: none selected — pick a sound first")
        path = Path(record.path)
        try:
            info = sf.info(os.fsencode(path))
        except (sf.LibsndfileError, RuntimeError, OSError) as exc:
            raise InputError(f"sound: cannot read {display(path.name)}: {exc}") from exc
        duration = info.frames / info.samplerate
        check_clip(duration, regions, self.count.value())
        return record, path, duration

    def _guarded(self, build) -> str | None:
        """Run a request builder; bad input or an engine that is not there becomes one clear message."""
        self.sync_source()
        try:
            problem = self.engine_problem()
            if problem:
                raise InputError(problem)
            return build()
        except InputError as exc:
            self.report_error(str(exc))
            return None

    def regenerate(self) -> str | None:
        """Regenerate the selected region after the prompt: N takes, written in the takes folder."""
        def build():
            record, path, duration = self._source(regions=True)
            region, note = check_selection(self.host.selection(), duration)
            prompt = check_prompt(self.prompt.text())
            params = self._common()
            job = Job(REGENERATE, path, prompt, params["variations"], regions=(region,))
            if note:
                self.host.show_message(note)
            return self._submit("inpaint", f"Regenerate {region[0]:.2f}–{region[1]:.2f} s of {display(path.name)}",
                                job, audio=os.fspath(path), prompt=prompt, regions=[region], **params)
        return self._guarded(build)

    def transfer(self) -> str | None:
        """Re-imagine the whole sound at the slider's strength: N takes to compare with A/B."""
        def build():
            record, path, _ = self._source()
            prompt = check_prompt(self.prompt.text())
            strength = check_strength(self.strength.value() / 100)
            params = self._common()
            job = Job(TRANSFER, path, prompt, params["variations"], strength=strength)
            return self._submit("transfer", f"Re-imagine {display(path.name)} at {strength:.2f}", job,
                                audio=os.fspath(path), prompt=prompt, strength=strength, **params)
        return self._guarded(build)

    def preview_transfer(self) -> str | None:
        """A quick render of the sound's first seconds at the slider's strength, played when done."""
        def build():
            record, path, duration = self._source()
            prompt = check_prompt(self.prompt.text())
            strength = check_strength(self.strength.value() / 100)
            params = self._common()
            params["variations"] = 1
            params["steps"] = max(2, round(params.get("steps", PREVIEW_AUTO_STEPS) * PREVIEW_STEP_FRACTION))
            with sf.SoundFile(os.fsencode(path)) as f:
                excerpt = f.read(int(min(duration, PREVIEW_SECONDS) * f.samplerate), dtype="float32", always_2d=True)
                rate = f.samplerate
            job = Job("preview", path, prompt, 1, strength=strength)
            return self._submit("transfer", f"Preview {display(path.name)} at {strength:.2f}", job,
                                audio=(excerpt.T.copy(), rate), prompt=prompt, strength=strength, **params)
        return self._guarded(build)

    def variations(self) -> str | None:
        """New sounds near this one: low-strength re-imaginings, one per seed, added to the library
        as a group beside it. Without a prompt, the sound's own caption describes it."""
        def build():
            record, path, _ = self._source()
            text = self.prompt.text().strip() or getattr(record, "prompt", None) or getattr(record, "caption", "") \
                or path.stem.replace("_", " ")
            prompt = check_prompt(text)
            params = self._common()
            job = Job("variations", path, prompt, params["variations"], strength=VARIATION_STRENGTH)
            return self._submit("transfer", f"Variations of {display(path.name)}", job, audio=os.fspath(path),
                                prompt=prompt, strength=VARIATION_STRENGTH, **params)
        return self._guarded(build)

    def extend(self) -> str | None:
        """Continue the sound past its end by the chosen seconds: N takes."""
        def build():
            record, path, duration = self._source()
            prompt = check_prompt(self.prompt.text())
            seconds = check_extend(self.extend_seconds.value(), duration)
            params = self._common()
            job = Job(EXTEND, path, prompt, params["variations"], regions=((duration, duration + seconds),))
            return self._submit("extend", f"Extend {display(path.name)} by {seconds:g} s", job,
                                audio=os.fspath(path), prompt=prompt, seconds=seconds, **params)
        return self._guarded(build)

    def _run_current_tab(self) -> None:
        (self.regenerate, self.transfer, self.extend)[self.tabs.currentIndex()]()

    # ------------------------------------------------------------------ the takes list

    def _refresh_list(self) -> None:
        self._title_list()
        self.list.blockSignals(True)
        self.list.clear()
        for take in self.takes.takes:
            item = QListWidgetItem(take.label())
            item.setData(Qt.ItemDataRole.UserRole, os.fspath(take.path))
            item.setToolTip(f"{display(take.prompt)}\n{display(os.fspath(take.path))}"
                            + (f"\nkept as {display(os.fspath(take.kept))}" if take.kept else ""))
            if take.state == KEPT:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            self.list.addItem(item)
            if take.path == self.takes.selected:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        self._update_buttons()

    def _title_list(self) -> None:
        source = self.takes.source
        if source is None:
            self.list_title.setText("Takes")
            return
        name = display(source.name)
        if self.takes.takes:
            self.list_title.setText(f"Takes of {name}")
            return
        kept = self.takes.kept_as(source)
        if kept is not None:
            self.list_title.setText(f"This is {kept.label().split(' · ')[0]} of {display(kept.source.name)}, kept. "
                                    f"Select {display(kept.source.name)} to see its other takes.")
        else:
            self.list_title.setText(f"Takes of {name}: none yet")

    def _item_changed(self, current, _previous) -> None:
        if current is None:
            return
        path = Path(current.data(Qt.ItemDataRole.UserRole))
        if path != self.takes.selected:
            self.takes.select(path)
            self.play_side(B)  # choosing a take is asking to hear it

    def _take_selected(self) -> None:
        take = self.takes.selected_take()
        self.ab.set_take(os.fspath(take.path) if take is not None else None)
        for row in range(self.list.count()):
            item = self.list.item(row)
            if take is not None and item.data(Qt.ItemDataRole.UserRole) == os.fspath(take.path):
                self.list.blockSignals(True)
                self.list.setCurrentItem(item)
                self.list.blockSignals(False)
        self._load_take_peaks(take)
        self._update_buttons()

    def _update_buttons(self) -> None:
        take = self.takes.selected_take()
        self.keep_button.setEnabled(take is not None and take.state != KEPT)
        self.discard_button.setEnabled(take is not None and take.state != KEPT)
        self.b_button.setEnabled(take is not None)
        self.b_button.setText(f"B  {take.label().split(' · ')[0].lower()}" if take is not None else "B  take")

    def _load_take_peaks(self, take: Take | None) -> None:
        self._peaks_token += 1
        token = self._peaks_token
        if take is None:
            self.take_view.set_message("no take yet")
            return
        self.take_view.set_message("reading peaks…")
        self.writer.submit(lambda: self.peak_cache.pyramid(take.path),
                           lambda pyramid: token == self._peaks_token and self.take_view.set_pyramid(pyramid),
                           lambda error: token == self._peaks_token and self.take_view.set_message(error))

    # ------------------------------------------------------------------ A/B

    def toggle_ab(self) -> None:
        if not self.ab.toggle():
            self.host.show_message("Nothing to compare yet: regenerate a selection first")

    def play_side(self, side: str) -> None:
        """Play one side from just before the take's region (or the cue point when there is none)."""
        take = self.takes.selected_take()
        start = None
        if take is not None and take.regions:
            start = max(0.0, take.regions[0][0] - PRE_ROLL_SECONDS)
        if side == B and take is None:
            self.host.show_message("No take selected")
            return
        self.ab.play(side, start)

    def play_a(self, *_args) -> None:
        self.play_side(A)

    def play_b(self, *_args) -> None:
        self.play_side(B)

    def _show_side(self, side: str) -> None:
        self.a_button.setChecked(side == A)
        self.b_button.setChecked(side == B)

    # ------------------------------------------------------------------ keep and discard

    def keep_selected(self) -> Path | None:
        """Keep the selected take: checked once more for bit-identity outside its regions, then
        added to the library as a new file; refused, with the reason, when the check fails."""
        take = self.takes.selected_take()
        if take is None:
            self.host.show_message("No take selected")
            return None
        if take.state == KEPT:
            self.host.show_message(f"{take.label()} is already kept")
            return None
        try:
            kept = take_files.keep(take)
        except Exception as exc:  # noqa: BLE001 — a mismatch, a missing or unreadable file: refuse and say why
            self.report_error(f"not kept: {_reason(exc)}")
            return None
        self.host.undo_stack.push(KeepTake(self, take.path, kept))
        return kept

    def announce_kept(self, take: Take) -> None:
        self.host.add_generated([os.fspath(take.kept)], group_with=os.fspath(take.source))
        self.host.show_message(f"Kept {take.label().split(' · ')[0]} as {display(take.kept.name)}; "
                               f"{display(take.source.name)} is unchanged")
        self.kept.emit(take)

    def announce_unkept(self, take: Take) -> None:
        forget = getattr(self.host, "forget_generated", None)
        if forget is not None and take.kept is not None:
            forget([os.fspath(take.kept)])
        self.host.show_message(f"{take.label().split(' · ')[0]} is a candidate again; its kept copy was removed")

    def discard_selected(self) -> None:
        take = self.takes.selected_take()
        if take is None:
            return
        if take.state == KEPT:
            self.report_error(f"{take.label()} is kept: undo the keep first (Ctrl+Z)")
            return
        self.host.undo_stack.push(DiscardTake(self, take.path))
        self.host.show_message(f"Discarded {take.label().split(' · ')[0]} (the file stays in {take.path.parent}; "
                               "Ctrl+Z brings it back)")

    def show_backups(self):
        """Every backup the editor made by saving back, each with Restore."""
        from soundloom.desktop.backups import BackupStore
        from soundloom.desktop.backups_dialog import BackupsDialog

        dialog = BackupsDialog(BackupStore(), parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # a new list each time: a closed one goes
        dialog.restored.connect(self._backup_restored)
        dialog.open()
        return dialog

    def _backup_restored(self, backup, _before) -> None:
        self.host.show_message(f"Restored {display(backup.original.name)} from {backup.label()}; "
                               "the version it replaced is backed up too")

    def report_error(self, text: str) -> None:
        self.last_error = text
        self.host.show_error(text)


def _reason(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


def _doing(job: Job) -> str:
    return {REGENERATE: "Regenerating", TRANSFER: "Re-imagining", EXTEND: "Extending", "preview": "Previewing",
            "variations": "Making variations"}.get(job.kind, "Working")


def _spin(low: int, high: int, value: int, tip: str) -> QSpinBox:
    spin = QSpinBox(minimum=low, maximum=high, value=value)
    spin.setToolTip(tip)
    return spin


def _dim(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("dim")
    return label


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("fieldName")
    return label


def _pair(label: QLabel, widget: QWidget) -> QWidget:
    pair = QWidget()
    row = QHBoxLayout(pair)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(4)
    row.addWidget(label)
    row.addWidget(widget)
    return pair


def _page(*rows) -> QWidget:
    page = QWidget()
    layout = QVBoxLayout(page)
    layout.setContentsMargins(0, 6, 0, 2)
    layout.setSpacing(5)
    for row in rows:
        if isinstance(row, QWidget):
            layout.addWidget(row)
        else:
            layout.addLayout(row)
    layout.addStretch(1)
    return page

