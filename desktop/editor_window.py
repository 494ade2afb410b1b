"""`soundloom desktop --edit FILE`: the external sample editor a DAW opens a clip's file in.

Logic, Studio One, Cubase, Pro Tools and REAPER can hand a clip's audio file to an external
editor. This window shows that one file (its waveform, a selection, the take being compared),
regenerates selections into takes with the same panel as the main window, and saves the chosen
take back over the file: same rate, channels, length and sample format, atomically, after a
backup, so the DAW reloads the edited clip and nothing is ever lost.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from PyQt6.QtCore import QEvent, Qt
from PyQt6.QtGui import QAction, QKeySequence, QUndoStack
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QMessageBox, QPushButton, QVBoxLayout, QWidget

from soundloom.desktop.audition import Audition
from soundloom.desktop.backups import BackupStore
from soundloom.desktop.backups_dialog import BackupsDialog
from soundloom.desktop.detail import SUBTYPE_NAMES, RegionFields
from soundloom.desktop.edit_session import EditError, EditSession, FileChangedError
from soundloom.desktop.events import without_arguments
from soundloom.desktop.output import AudioOutput
from soundloom.desktop.paths import peaks_dir
from soundloom.desktop.peaks import PeakCache
from soundloom.desktop.regen_dock import RegenDock
from soundloom.desktop.results import display, format_channels, format_rate, format_seconds
from soundloom.desktop.tasks import TaskRunner
from soundloom.desktop.timeline import Timeline
from soundloom.desktop.waveform import WaveformView


@dataclass(frozen=True)
class EditedFile:
    """The edited file as the regenerate panel sees "the current sound"."""

    path: str
    name: str
    seconds: float
    caption: str = ""
    prompt: str | None = None


class EditorWindow(QMainWindow):
    def __init__(self, path: Path, output: AudioOutput, link, backups: BackupStore | None = None):
        super().__init__()
        self.session = EditSession(Path(path), backups)  # EditError for a file it cannot write back
        self.link = link
        self.timeline = Timeline()
        self.audition = Audition(output, self.timeline, self)
        self.undo_stack = QUndoStack(self)
        self.workers = TaskRunner(1, "editor")
        self.peak_cache = PeakCache(peaks_dir())
        self.changed_box: QMessageBox | None = None
        self.backups_dialog: BackupsDialog | None = None
        self.peaks_loaded = False
        self._peaks_token = 0

        self.title = QLabel()
        self.title.setObjectName("title")
        self.facts = QLabel()
        self.facts.setObjectName("dim")
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.original_view = WaveformView(self.timeline)
        self.take_label = QLabel()
        self.take_label.setObjectName("fieldName")
        self.region_fields = RegionFields(self.timeline)
        self.save_button = QPushButton("Save Back")
        self.save_button.setToolTip("Write the selected take over the file (a backup is made first) — Ctrl+S")
        self.save_button.clicked.connect(self.save_back)
        backups_button = QPushButton("Backups…")
        backups_button.clicked.connect(self.show_backups)
        self.dock = RegenDock(self, allow_variations=False, show_take_view=False)
        self.panel = self.dock.panel
        self.panel.tabs.removeTab(2)  # extending changes the length, and a DAW clip's file keeps its length
        self.panel.keep_button.hide()  # here the chosen take is saved back, not added to a library
        self.panel.backups_button.hide()  # the editor lists this file's backups itself
        self.take_view = self.panel.take_view  # the B side, drawn under the original and aligned with it
        self.take_view.setVisible(True)
        self.take_view.setMaximumHeight(16777215)
        self.original_view.clicked.connect(self.audition.set_cue)
        self.take_view.clicked.connect(self.audition.set_cue)

        header = QHBoxLayout()
        names = QVBoxLayout()
        names.setSpacing(0)
        names.addWidget(self.title)
        names.addWidget(self.facts)
        header.addLayout(names, 1)
        header.addWidget(backups_button)
        header.addWidget(self.save_button)
        a_label = QLabel("A  original")
        a_label.setObjectName("fieldName")
        centre = QWidget()
        layout = QVBoxLayout(centre)
        layout.setContentsMargins(10, 8, 6, 8)
        layout.setSpacing(4)
        layout.addLayout(header)
        layout.addWidget(a_label)
        layout.addWidget(self.original_view, 1)
        layout.addWidget(self.take_label)
        layout.addWidget(self.take_view, 1)  # same height as A: levels compare by eye
        layout.addWidget(self.region_fields)
        self.setCentralWidget(centre)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.resizeDocks([self.dock], [380], Qt.Orientation.Horizontal)

        self._build_menus()
        self.panel.takes.selection_changed.connect(self._take_changed)
        self.audition.message.connect(self.show_message)
        self._show_file()
        self._take_changed()

    # ------------------------------------------------------------------ what the panel needs

    def current_record(self) -> EditedFile:
        fmt = self.session.format
        return EditedFile(os.fspath(self.session.path), self.session.path.name, fmt.frames / fmt.samplerate)

    def selection(self) -> tuple[float, float] | None:
        region = self.timeline.selection
        return (region.start, region.end) if region is not None else None

    def add_generated(self, paths, group_with=None) -> None:
        folder = Path(paths[0]).parent if paths else ""
        self.show_message(f"{len(paths)} new sound(s) in {display(os.fspath(folder))}")

    def show_message(self, text: str, timeout: int = 8000) -> None:
        self.statusBar().showMessage(display(text), timeout)

    def show_error(self, text: str) -> None:
        self.show_message(f"⚠ {text}", 12000)

    # ------------------------------------------------------------------ layout pieces

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self._add(file_menu, "Save Back", self.save_back, QKeySequence.StandardKey.Save)
        self._add(file_menu, "Reload from Disk", self.reload)
        self._add(file_menu, "Backups…", self.show_backups)
        file_menu.addSeparator()
        self._add(file_menu, "Close", self.close, QKeySequence.StandardKey.Close)
        edit = bar.addMenu("&Edit")
        undo = self.undo_stack.createUndoAction(self, "Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.undo_stack.createRedoAction(self, "Redo")
        redo.setShortcut(QKeySequence.StandardKey.Redo)
        edit.addAction(undo)
        edit.addAction(redo)
        self.addAction(undo)
        self.addAction(redo)
        edit.addSeparator()
        edit.addAction(self.panel.regen_action)
        self._add(edit, "Select All", self.select_all, "Ctrl+A")
        play = bar.addMenu("&Playback")
        self._add(play, "Play / Stop", self.toggle_play, "Space")
        play.addAction(self.panel.ab_action)
        self._add(play, "Stop and Clear Selection", self._stop_and_clear, "Escape")
        self.loop_action = self._add(play, "Loop", self._set_loop, "L", checkable=True)
        self.selection_only_action = self._add(play, "Play Selection Only", self._set_selection_only, "S",
                                               checkable=True)

    # Bound methods and weakly held ones, never lambdas holding the window: those would keep a
    # closed editor alive until the garbage collector frees it, on whichever thread it runs.

    def select_all(self) -> None:
        self.timeline.select(0, self.timeline.duration)

    def _set_loop(self, on: bool) -> None:
        self.audition.loop = on

    def _set_selection_only(self, on: bool) -> None:
        self.audition.selection_only = on

    def _add(self, menu, text, slot, shortcut=None, checkable=False) -> QAction:
        action = QAction(text, self, checkable=checkable)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        (action.toggled if checkable else action.triggered).connect(slot if checkable else without_arguments(slot))
        menu.addAction(action)
        self.addAction(action)
        return action

    def _show_file(self) -> None:
        fmt = self.session.format
        path = self.session.path
        self.setWindowTitle(f"{display(path.name)} — soundloom editor")
        self.title.setText(display(path.name))
        depth = SUBTYPE_NAMES.get(fmt.subtype, fmt.subtype)
        self.facts.setText(" · ".join((format_seconds(fmt.frames / fmt.samplerate), format_rate(fmt.samplerate),
                                       depth, format_channels(fmt.channels), display(os.fspath(path.parent)))))
        self.timeline.reset(fmt.frames / fmt.samplerate, fmt.samplerate)
        self.panel.ab.set_original(os.fspath(path))
        self._load_peaks()

    def _load_peaks(self) -> None:
        self._peaks_token += 1
        token, path = self._peaks_token, self.session.path
        self.peaks_loaded = False
        self.original_view.set_message("reading peaks…")

        def done(pyramid) -> None:
            if token == self._peaks_token:
                self.peaks_loaded = True
                self.original_view.set_pyramid(pyramid)

        def failed(error: str) -> None:
            if token == self._peaks_token:
                self.peaks_loaded = True
                self.original_view.set_message(f"cannot read this file: {error}")

        self.workers.submit(lambda: self.peak_cache.pyramid(path), done, failed)

    def _take_changed(self) -> None:
        take = self.panel.takes.selected_take()
        self.take_label.setText(f"B  {display(take.label())}" if take is not None else
                                "B  no take yet: select a region, type what should be there, Regenerate Selection")
        self.save_button.setEnabled(take is not None)

    # ------------------------------------------------------------------ playback

    def toggle_play(self) -> None:
        if self.audition.playing:
            self.audition.stop()
        else:
            self.panel.ab.play(self.panel.ab.side)

    def _stop_and_clear(self) -> None:
        self.audition.stop()
        self.timeline.clear_selection()

    # ------------------------------------------------------------------ saving back

    def save_back(self, overwrite_changed: bool = False) -> bool:
        """Write the selected take over the file. A file changed on disk meanwhile is not written
        over without asking: the question offers to reload it, to save anyway (the changed file is
        backed up first) or to cancel."""
        take = self.panel.takes.selected_take()
        if take is None:
            self.show_error("save back: no take — select a region, Regenerate Selection, then choose a take")
            return False
        self.audition.stop()  # the file being played is about to be replaced
        try:
            backup = self.session.save_back(take.path, take.regions, overwrite_changed=overwrite_changed)
        except FileChangedError as exc:
            self._ask_about_change(str(exc))
            return False
        except (EditError, OSError) as exc:
            self.show_error(str(exc))
            return False
        self.show_message(f"Saved {take.label().split(' · ')[0]} back to {display(self.session.path.name)} "
                          f"(the previous version is in Backups)")
        self.panel.sync_source()
        self._load_peaks()
        if self.backups_dialog is not None:
            self.backups_dialog.refresh()
        return bool(backup)

    def _ask_about_change(self, reason: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "File Changed on Disk", display(reason), parent=self)
        box.setInformativeText("Reload shows the file as it is now; takes made from the earlier version can then "
                               "no longer be saved back. Save Anyway backs up the changed file first, then writes "
                               "the take over it. Nothing is lost either way.")
        self.reload_button = box.addButton("Reload", QMessageBox.ButtonRole.AcceptRole)
        self.overwrite_button = box.addButton("Save Anyway", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(self._change_answered)
        self.changed_box = box
        self.show_error(reason)
        box.open()

    def _change_answered(self, button) -> None:
        if button is self.reload_button:
            self.reload()
        elif button is self.overwrite_button:
            self.save_back(overwrite_changed=True)

    def reload(self) -> None:
        try:
            self.session.reload()
        except (EditError, OSError) as exc:
            self.show_error(str(exc))
            return
        self.audition.stop()
        self._show_file()
        self.show_message(f"Reloaded {display(self.session.path.name)} as it is on disk now")

    def changeEvent(self, event) -> None:
        # Coming back from the DAW is when a change made there shows up: say so at once, before a save.
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            reason = self.session.change()
            if reason:
                self.show_error(f"{reason} — File ▸ Reload from Disk shows it")
        super().changeEvent(event)

    # ------------------------------------------------------------------ backups

    def show_backups(self) -> BackupsDialog:
        if self.backups_dialog is None:
            self.backups_dialog = BackupsDialog(self.session.backups, self.session.path, self._restore, self)
        self.backups_dialog.refresh()
        self.backups_dialog.open()
        return self.backups_dialog

    def _restore(self, backup):
        self.audition.stop()
        try:
            before = self.session.restore(backup)
        except OSError as exc:
            self.show_error(f"cannot restore {backup.label()}: {exc.strerror or exc}")
            return None
        self._show_file()
        self.show_message(f"Restored the backup of {backup.label()}; the version it replaced is backed up too")
        return before

    # ------------------------------------------------------------------ closing

    def settled(self) -> bool:
        return self.peaks_loaded and not self.workers.pending

    def closeEvent(self, event) -> None:
        self.audition.stop()
        self.dock.shutdown()
        self.workers.close()
        super().closeEvent(event)
