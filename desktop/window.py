"""The main window: sources on the left, search and results in the middle, the selected sound below.

The window wires the parts together; each part (models, views, audition, export, the engine link,
the prompt bar, the jobs panel, undo) is its own module. Above everything sits the prompt bar; the
jobs run in a dock; the engine's state is in the status bar.

Other parts of the app (docks) build on these, and they stay stable: `link` (EngineLink),
`current_record()`, `selection()`, `undo_stack`, `library` (LibraryService), `audition`,
`show_message(text)`, `show_error(text)`, `add_generated(paths, group_with=None)`.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

from PyQt6.QtCore import QByteArray, QSettings, Qt, QTimer
from PyQt6.QtGui import QUndoStack
from PyQt6.QtWidgets import (QAbstractItemView, QDockWidget, QFileDialog, QHeaderView, QInputDialog, QLabel,
                             QMainWindow, QMessageBox, QSlider, QSplitter, QTableView, QTreeView, QVBoxLayout, QWidget)

from soundloom.desktop.audition import Audition
from soundloom.desktop.column_fit import ColumnFitter
from soundloom.desktop.delivery import Delivery
from soundloom.desktop.detail import DetailPane
from soundloom.desktop.elided_label import ElidedLabel
from soundloom.desktop.engine_link import ENGINE_INSTALL_HINT, EngineLink, EngineStatus
from soundloom.desktop.engine_status import EngineStatusLabel
from soundloom.desktop.export import ExportFormat
from soundloom.desktop.generate_offer import GenerateOffer, nothing_good
from soundloom.desktop.generation import Generation
from soundloom.desktop.jobs_model import JobsModel
from soundloom.desktop.jobs_panel import JobsPanel
from soundloom.desktop.library_edits import Forgotten, index_files
from soundloom.desktop.menus import build_menus
from soundloom.desktop.output import AudioOutput, open_output
from soundloom.desktop.paths import exports_dir, peaks_dir
from soundloom.desktop.peaks import PeakCache
from soundloom.desktop.prompt_bar import PromptBar
from soundloom.desktop.query import FOLDER, Query, Scope
from soundloom.desktop.results import column_index, display
from soundloom.desktop.results_model import ResultsTableModel
from soundloom.desktop.search_bar import SearchBar
from soundloom.desktop.sources_model import SourcesDelegate, SourcesModel
from soundloom.desktop.tasks import LibraryService, Scanner, TaskRunner
from soundloom.desktop.timeline import Timeline
from soundloom.desktop.undo import ForgetCommand, RenameCommand

ORGANISATION, APPLICATION = "soundloom", "desktop"
REFRESH_DURING_SCAN_MS = 2000  # new sounds show up in the results while a scan runs
# How long status-bar messages stay (ms). Each is about something that just happened; what stays
# true (the engine, the search mode, the count, the output) has a label of its own at the right.
MESSAGE_MS = 6000
ERROR_MS = 10000
NOTEWORTHY_MS = 20000  # something to act on: files skipped, the index rebuilt


def scan_summary(report) -> str:
    """One status-bar line about a finished scan."""
    parts = [f"{n} {word}" for n, word in ((report.added, "added"), (report.changed, "changed"),
                                            (report.moved, "moved"), (report.removed, "removed")) if n]
    text = "Library up to date" if not parts else "Library indexed: " + ", ".join(parts)
    if report.skipped:
        text += f"; {len(report.skipped)} skipped (Library ▸ Skipped Files…)"
    if report.cancelled:
        text += " (stopped)"
    return text


class ResultsView(QTableView):
    """The results table; a drag hands over the rows' files (rendered first when they need it)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setSortingEnabled(True)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(22)
        self.horizontalHeader().setHighlightSections(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.horizontalHeader().setStretchLastSection(False)
        self.setTabKeyNavigation(False)

    def setModel(self, model) -> None:
        super().setModel(model)
        # The name takes whatever width the other columns leave.
        self.horizontalHeader().setSectionResizeMode(column_index("name"), QHeaderView.ResizeMode.Stretch)


class MainWindow(QMainWindow):
    def __init__(self, library: LibraryService, output: AudioOutput, settings: QSettings,
                 peak_cache: PeakCache | None = None, exports: Path | None = None, scan_on_start: bool = True,
                 link: EngineLink | None = None):
        """`link`: the engine connection to use; None makes one (started by `start_engine()`,
        stopped when the window closes)."""
        super().__init__()
        self.library = library
        self.link = link if link is not None else EngineLink(parent=self)
        self._owns_link = link is None
        self.undo_stack = QUndoStack(self)
        self.forgotten = Forgotten(Path(library.db_path).expanduser().parent if library.db_path else _data_dir())
        self._now_playing: str | None = None
        self._generated_shown_for_takes = False  # Generated was opened by new takes, not by the user
        self._keep_pending: str | None = None  # the sound the search under way is to select
        self.settings = settings
        self.scanner = Scanner(library)
        self.workers = TaskRunner(2, "analysis")
        self.timeline = Timeline()
        self.audition = Audition(output, self.timeline, self)
        self.query = Query()
        self.roots: list = []
        self.last_scan = None
        self._rescan_pending = False
        self._search_token = 0
        self.searching = False
        self._message_tooltip: tuple[str, str] | None = None  # (message, its details) while it shows

        self.setWindowTitle("soundloom")
        self.sources = SourcesModel(self)
        self.sources_view = QTreeView()
        self.sources_view.setModel(self.sources)
        self.sources_view.setHeaderHidden(True)
        self.sources_view.setUniformRowHeights(True)
        self.sources_view.setMinimumWidth(150)
        self.sources_view.setItemDelegate(SourcesDelegate(self.sources_view))
        self.search_bar = SearchBar()
        self.delivery = Delivery(self, Path(exports) if exports is not None else exports_dir())
        self.results = ResultsTableModel(self.delivery.mime_for_records, self)
        self.table = ResultsView()
        self.table.setModel(self.results)
        self.column_fit = ColumnFitter(self.table)
        self.detail = DetailPane(self.timeline, self.workers, peak_cache or PeakCache(peaks_dir()))
        self.prompt_bar = PromptBar(self.link)
        self.generate_offer = GenerateOffer()
        self.jobs_model = JobsModel(self.link, self)
        self.jobs_panel = JobsPanel(self.jobs_model)
        self.generation = Generation(self)

        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        centre_layout.setSpacing(0)
        centre_layout.addWidget(self.search_bar)
        centre_layout.addWidget(self.generate_offer)
        centre_layout.addWidget(self.table, 1)
        self.right = QSplitter(Qt.Orientation.Vertical)
        self.right.addWidget(centre)
        self.right.addWidget(self.detail)
        self.right.setStretchFactor(0, 1)
        self.right.setStretchFactor(1, 1)
        self.main_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.main_splitter.addWidget(self.sources_view)
        self.main_splitter.addWidget(self.right)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setSizes([210, 990])
        self.right.setSizes([330, 390])
        outer = QWidget()
        outer_layout = QVBoxLayout(outer)
        outer_layout.setContentsMargins(0, 0, 0, 0)
        outer_layout.setSpacing(0)
        outer_layout.addWidget(self.prompt_bar)
        outer_layout.addWidget(self.main_splitter, 1)
        self.setCentralWidget(outer)
        self.jobs_dock = QDockWidget("Jobs", self)
        self.jobs_dock.setObjectName("jobsDock")  # saveState() keys docks by name
        self.jobs_dock.setWidget(self.jobs_panel)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.jobs_dock)
        self.resizeDocks([self.jobs_dock], [300], Qt.Orientation.Horizontal)

        self._build_status_bar(output)
        self._add_tool_docks()
        build_menus(self)
        self._connect()
        self._restore_settings()

        self._refresh_timer = QTimer(self, interval=REFRESH_DURING_SCAN_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self.library.call(lambda index: index.notice, self._index_notice, self.show_error)
        self.refresh_sources()
        self.run_search()
        if scan_on_start:
            self.rescan()
        # What exists now (modules, Qt wrappers, the window) lives as long as the app: keep it out
        # of the garbage collector's full passes, which otherwise stall whichever thread runs them.
        gc.freeze()

    # ------------------------------------------------------------------ layout pieces

    def _add_tool_docks(self) -> None:
        """Regenerate and Fine-tune share the right dock area with Jobs, as tabs; Jobs shows first."""
        from soundloom.desktop.finetune_dock import FinetuneDock
        from soundloom.desktop.regen_dock import RegenDock

        self.regen_dock = RegenDock(self)
        self.finetune_dock = FinetuneDock(self)
        for dock in (self.regen_dock, self.finetune_dock):
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
            self.tabifyDockWidget(self.jobs_dock, dock)
        self.jobs_dock.raise_()

    def _build_status_bar(self, output: AudioOutput) -> None:
        status = self.statusBar()
        # A label, not a QProgressBar: its setValue repaints the window synchronously, inside the
        # handler, ten times a second during a scan.
        self.progress = QLabel()
        self.progress.setObjectName("dim")
        self.progress.hide()
        self.count_label = QLabel()
        # The labels give way ("…", whole in their tooltips) rather than keep the window wide.
        self.search_mode = ElidedLabel()  # whether meaning took part in the last search, and why not
        self.search_mode.setObjectName("dim")
        self.output_label = ElidedLabel()
        self.engine_status = EngineStatusLabel(self.link)
        self.volume = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=100)
        self.volume.setFixedWidth(90)
        self.volume.setToolTip("Volume (Ctrl+Up / Ctrl+Down)")
        status.addPermanentWidget(self.progress)
        status.addPermanentWidget(self.engine_status)
        status.addPermanentWidget(self.search_mode)
        status.addPermanentWidget(self.count_label)
        status.addPermanentWidget(self.volume)
        status.addPermanentWidget(self.output_label)
        self._show_output(output)

    def _show_output(self, output: AudioOutput) -> None:
        if output.available:
            self.output_label.setText(f"♪ {output.description}")
            self.output_label.setStyleSheet("")
            self.output_label.setToolTip("Sounds play through this device (Playback ▸ Output Device)")
        else:
            self.output_label.setText(output.description)
            self.output_label.setStyleSheet("color: #e0a534;")
            self.output_label.setToolTip("Nothing can be heard: choose a device in Playback ▸ Output Device")

    def _connect(self) -> None:
        self.sources_view.selectionModel().currentChanged.connect(self._source_changed)
        self.search_bar.query_changed.connect(self._facets_changed)
        self.search_bar.submitted.connect(self._search_submitted)
        self.search_bar.move_down.connect(self._focus_results)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.table.activated.connect(lambda _: self.audition_current())
        self.results.modelReset.connect(self._update_count)
        self.detail.caption_edited.connect(self.set_caption)
        self.detail.message.connect(self.show_error)
        self.detail.waveform.clicked.connect(self._cue)
        self.detail.spectrogram.clicked.connect(self._cue)
        self.detail.waveform.drag_requested.connect(self.delivery.drag_region)
        self.audition.message.connect(self._audition_message)
        self.statusBar().messageChanged.connect(self._message_changed)
        self.volume.valueChanged.connect(self._volume_changed)
        self.scanner.progress.connect(self._scan_progress)
        self.scanner.finished.connect(self._scan_finished)
        self.scanner.failed.connect(self._scan_failed)
        self.prompt_bar.generate_requested.connect(self.generation.generate)
        self.generate_offer.requested.connect(self.generate_query)
        self.jobs_panel.cancel_requested.connect(self.cancel_job)
        self.jobs_panel.activated.connect(self._job_activated)
        self.link.status_changed.connect(self._engine_status)
        self.link.job_failed.connect(lambda _id, reason: self.show_error(f"a job failed: {reason}"))
        self._engine_status(self.link.status)

    # ------------------------------------------------------------------ settings

    def _restore_settings(self) -> None:
        s = self.settings
        header = self.table.horizontalHeader()
        # Only the widths the user dragged are kept; every other column fits what it holds.
        self.column_fit.keep_user_widths(s.value("table/user_sized", [], type=list))
        for key, restore in (("window/geometry", self.restoreGeometry), ("window/state", self.restoreState),
                             ("splitters/main", self.main_splitter.restoreState),
                             ("splitters/right", self.right.restoreState),
                             ("splitters/views", self.detail.views.restoreState),
                             ("table/header", lambda state: self.column_fit.quietly(lambda: header.restoreState(state)))):
            value = s.value(key)
            if isinstance(value, QByteArray):
                restore(value)
        self.column_fit.fit()
        if header.sortIndicatorSection() >= 0 and s.contains("table/header"):
            self.results.sort_column, self.results.sort_order = header.sortIndicatorSection(), header.sortIndicatorOrder()
        else:
            header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # search rank until a column is clicked
        self.auto_play_action.setChecked(_bool(s.value("audition/auto_play", True)))
        self.loop_action.setChecked(_bool(s.value("audition/loop", False)))
        self.selection_only_action.setChecked(_bool(s.value("audition/selection_only", False)))
        self.volume.setValue(int(s.value("audition/volume", 80)))
        self._volume_changed(self.volume.value())
        self.detail.set_view(int(s.value("view/mode", 2)))
        rate, subtype = s.value("export/rate", None), s.value("export/subtype", None)
        try:
            self.delivery.export_format = ExportFormat(int(rate) if rate else None, subtype or None)
        except ValueError:  # a settings file from another version, or edited by hand
            self.delivery.export_format = ExportFormat()
        for action in self.delivery.format_group.actions():
            action.setChecked(action.data() == self.delivery.export_format)
        device = s.value("output/device", None)
        for action in self.device_group.actions():
            action.setChecked(action.text() == device if device else action.data() is None)

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("splitters/main", self.main_splitter.saveState())
        s.setValue("splitters/right", self.right.saveState())
        s.setValue("splitters/views", self.detail.views.saveState())
        s.setValue("table/header", self.table.horizontalHeader().saveState())
        s.setValue("table/user_sized", sorted(self.column_fit.user_sized))
        s.setValue("audition/auto_play", self.auto_play_action.isChecked())
        s.setValue("audition/loop", self.loop_action.isChecked())
        s.setValue("audition/selection_only", self.selection_only_action.isChecked())
        s.setValue("audition/volume", self.volume.value())
        s.setValue("view/mode", self.detail.view_mode)
        s.setValue("export/rate", self.delivery.export_format.rate or "")
        s.setValue("export/subtype", self.delivery.export_format.subtype or "")
        s.sync()

    def closeEvent(self, event) -> None:
        self.save_settings()
        self.generation.close()
        self.regen_dock.shutdown()
        self.finetune_dock.shutdown()
        if self._owns_link:
            self.link.stop()
        self.audition.stop()
        self.detail.cancel()
        self.scanner.cancel()
        self.scanner.wait(10)
        self.workers.close()
        super().closeEvent(event)

    # ------------------------------------------------------------------ sources and search

    def refresh_sources(self) -> None:
        def fetch(index):
            return index.roots(), index.collections(), index.categories()

        self.library.call(fetch, self._sources_ready, self.show_error)

    def _sources_ready(self, result) -> None:
        roots, collections, categories = result
        self.roots = roots
        current = self.query.scope
        self.sources.set_sources(roots, collections)
        for header in self.sources.headers():
            self.sources_view.expand(header)
        found = self.sources.index_of_scope(current)
        self.sources_view.selectionModel().blockSignals(True)
        self.sources_view.setCurrentIndex(found if found.isValid() else self.sources.index(0, 0))
        self.sources_view.selectionModel().blockSignals(False)
        self.search_bar.set_categories(categories)

    def _source_changed(self, current, _previous) -> None:
        scope = self.sources.data(current, SourcesModel.ScopeRole)
        if scope is not None and scope != self.query.scope:
            self._generated_shown_for_takes = False
            self.query = self.query.with_(scope=scope)
            self.run_search()

    def _facets_changed(self, query: Query) -> None:
        scope = self.query.scope
        if self._generated_shown_for_takes and query.text and query.text != self.query.text:
            # The Generated list was opened to show new takes, not picked: a new search covers everything.
            scope = Scope()
            self.sources_view.selectionModel().blockSignals(True)
            self.sources_view.setCurrentIndex(self.sources.index_of_scope(scope))
            self.sources_view.selectionModel().blockSignals(False)
        self._generated_shown_for_takes = False
        self.query = query.with_(scope=scope, limit=self.query.limit)
        self.run_search()

    def run_search(self, keep: str | None = None) -> None:
        """Run the current query on the library thread; the newest answer wins."""
        self._search_token += 1
        token, query = self._search_token, self.query
        # A sound asked to be selected by a search still under way (new takes) outranks the one shown.
        keep = keep or self._keep_pending or (self.detail.record.path if self.detail.record is not None else None)
        self._keep_pending = keep
        self.searching = True
        self.library.call(lambda index: query.run(index), lambda records: self._results_ready(token, records, keep),
                          self._search_failed)

    def refresh(self) -> None:
        """Search again with the same query, keeping the current sound selected."""
        self.run_search()

    def _results_ready(self, token: int, records, keep: str | None, drop_missing: bool = True) -> None:
        """Show `records`, keeping `keep` selected; if it is not among them the detail pane is
        cleared, unless `drop_missing` is False (the sound stays shown, e.g. as the reference of
        a similarity search)."""
        if token != self._search_token:
            return
        self.searching = False
        self._keep_pending = None
        notice = getattr(records, "notice", None)
        records = self.forgotten.filter(records)
        if self._showing_generated() and not self.query.text:
            records = sorted(records, key=lambda r: r.modified or 0.0, reverse=True)  # newest takes first
        self.results.set_records(records)
        if nothing_good(records, self.query.text):
            self.generate_offer.offer(self.query.text, bool(records))
        else:
            self.generate_offer.withdraw()
        row = self.results.row_of(keep) if keep else -1
        if row >= 0:
            self.table.selectionModel().blockSignals(True)
            self.table.selectRow(row)
            self.table.selectionModel().blockSignals(False)
            record = self.results.record(row)
            if self.detail.record is None or record.path != self.detail.record.path:
                self.detail.show_record(record)
            else:
                self.detail.record = record
                self.detail.metadata.show_record(record)
        elif self.detail.record is not None and keep and drop_missing:
            self.detail.show_record(None)
            self.audition.stop()
        if self.query.text:
            semantic = getattr(records, "semantic", False)
            self.search_mode.setText("search: words + meaning" if semantic else "search: words only")
            self.search_mode.setToolTip(notice or ("Ranked by words and by meaning" if semantic else
                                                   "Matched by words only: searching by meaning needs the engine"))
        else:
            self.search_mode.setText("")

    def _search_failed(self, error: str) -> None:
        self.searching = False
        self.show_error(error)

    def _update_count(self) -> None:
        count = len(self.results.records)
        limit = self.query.limit
        self.count_label.setText(f"{count:,}{'+' if count >= limit else ''} sound{'s' if count != 1 else ''}")

    def _search_submitted(self) -> None:
        self._focus_results()
        self.audition_current()

    def _focus_results(self) -> None:
        self.table.setFocus()
        if self.results.rowCount() and not self.table.currentIndex().isValid():
            self.table.selectRow(0)

    def select_first(self) -> None:
        if self.results.rowCount():
            self.table.selectRow(0)

    # ------------------------------------------------------------------ the current sound

    def current_record(self):
        return self.detail.record

    def _row_changed(self, current, _previous) -> None:
        record = self.results.record(current.row())
        if record is None or (self.detail.record is not None and record.path == self.detail.record.path):
            return
        if self.audition.playing and record.path == self._now_playing:
            self.detail.show_record(record)  # a new take already playing: show it, don't restart it
            return
        self.audition.stop()
        self.audition.cue = 0.0
        self.detail.show_record(record)
        if self.auto_play_action.isChecked():
            self.play(record.path)

    def play(self, path: str) -> bool:
        """Play a file from the cue point (False, with a message, when it cannot be played)."""
        self._now_playing = path
        return self.audition.play(path)

    def selection(self) -> tuple[float, float] | None:
        """The selected region of the current sound, (start_s, end_s), or None."""
        region = self.timeline.selection
        if region is None or self.current_record() is None:
            return None
        return (region.start, region.end)

    def is_generated(self, record) -> bool:
        generated = [r.path for r in self.roots if r.kind == "generated"]
        return bool(record.prompt) or any(record.path.startswith(g.rstrip(os.sep) + os.sep) for g in generated)

    def audition_current(self) -> None:
        record = self.current_record()
        if record is not None:
            self.play(record.path)

    def toggle_play(self) -> None:
        record = self.current_record()
        if record is not None and not self.audition.playing:
            self._now_playing = record.path
        self.audition.toggle(record.path if record is not None else None)

    def stop_and_clear(self) -> None:
        self.audition.stop()
        self.timeline.clear_selection()

    def _cue(self, seconds: float) -> None:
        self.audition.set_cue(seconds)
        if self.audition.playing and self.current_record() is not None:
            self.play(self.current_record().path)

    def _set_auto_play(self, on: bool) -> None:
        self.settings.setValue("audition/auto_play", on)

    def _set_loop(self, on: bool) -> None:
        self.audition.loop = on

    def _set_selection_only(self, on: bool) -> None:
        self.audition.selection_only = on

    def _volume_changed(self, value: int) -> None:
        # A square law follows loudness more evenly than a linear slider.
        self.audition.volume = (value / 100) ** 2

    def set_output_device(self, index, name: str) -> None:
        self.audition.stop()
        self.audition.output = open_output(index)
        self.settings.setValue("output/device", name if index is not None else "")
        self._show_output(self.audition.output)

    # ------------------------------------------------------------------ edits (the index only)

    def _edit(self, change, path: str, describe: str) -> None:
        def apply(index):
            change(index)
            return index.get(path)

        def done(record) -> None:
            if record is not None:
                self.results.update_record(record)
                if self.detail.record is not None and self.detail.record.path == record.path:
                    self.detail.record = record
                    self.detail.metadata.show_record(record)
            self.show_message(describe)

        self.library.call(apply, done, self.show_error)

    def toggle_favourite(self) -> None:
        record = self.current_record()
        if record is None:
            return
        on = not record.favourite
        self._edit(lambda index: index.set_favourite(record.path, on), record.path,
                   f"{'♥ Added to' if on else 'Removed from'} favourites: {display(record.name)}")

    def set_rating(self, stars: int) -> None:
        record = self.current_record()
        if record is not None:
            self._edit(lambda index: index.set_rating(record.path, stars), record.path,
                       f"Rated {display(record.name)}: {'★' * stars or 'no rating'}")

    def set_caption(self, path: str, text: str) -> None:
        self._edit(lambda index: index.set_caption(path, text), path, "Caption saved in the library index")

    def edit_caption(self) -> None:
        self.detail.metadata.caption.setFocus()
        self.detail.metadata.caption.selectAll()

    def find_similar(self) -> None:
        """List the sounds most like the current one, or like its selected region (Sononym's
        "more like this"); typing a search or picking a source goes back to searching."""
        record = self.current_record()
        if record is None:
            return
        region = self.timeline.selection
        self._search_token += 1
        token, path = self._search_token, record.path
        bounds = (region.start, region.end) if region is not None else None
        what = display(record.name) + (f" {region.start:.2f}-{region.end:.2f} s" if region is not None else "")
        self.searching = True
        finding = self.show_message(f"Finding sounds like {what}…", 0)

        def done(records) -> None:
            if token == self._search_token:
                self._results_ready(token, records, path, drop_missing=False)
                # The list stays "sounds like" until the next search: the label at the right says so.
                self.search_mode.setText("search: sounds like")
                self.search_mode.setToolTip(f"Sounds most like {what} first; type a search or pick a source "
                                            "to search again")
                self.show_message(f"Sounds like {what}: most alike first")
            else:
                self.clear_message(finding)  # a newer search took over: its progress is no longer true

        self.library.call(lambda index: index.similar(path, region=bounds, limit=self.query.limit), done,
                          self._search_failed)

    def add_to_collection(self) -> None:
        records = self.selected_records()
        if not records:
            return
        name, ok = QInputDialog.getText(self, "Add to Collection", "Collection name:")
        if ok and name.strip():
            paths = [r.path for r in records]
            self.library.call(lambda index: index.add_to_collection(name.strip(), paths),
                              lambda _: (self.refresh_sources(), self.show_message(
                                  f"Added {len(paths)} sound(s) to {name.strip()}")), self.show_error)

    def selected_records(self) -> list:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        records = [self.results.record(row) for row in rows]
        return [r for r in records if r is not None] or ([self.current_record()] if self.current_record() else [])

    # ------------------------------------------------------------------ libraries and scanning

    def add_library_folder(self, folder: str | None = None) -> None:
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, "Add Library Folder")
            if not folder:
                return

        def added(root) -> None:
            self.show_message(f"Added {display(root.name)}; indexing…")
            self.refresh_sources()
            self.rescan()

        self.library.call(lambda index: index.add_root(folder), added, self.show_error)

    def remove_library_folder(self) -> None:
        scope = self.query.scope
        root = next((r for r in self.roots if scope.kind == FOLDER and r.path == scope.value and r.kind == "library"),
                    None)
        if root is None:
            self.show_message("Select a library folder in the sources list first")
            return
        if QMessageBox.question(self, "Remove Library Folder",
                                f"Forget {display(root.path)}? Its files are not touched.") != \
                QMessageBox.StandardButton.Yes:
            return
        self.query = self.query.with_(scope=Scope())
        self.library.call(lambda index: index.remove_root(root.path),
                          lambda _: (self.refresh_sources(), self.run_search()), self.show_error)

    def rescan(self) -> None:
        """Scan every library folder in the background; asked during a scan, scan again after it."""
        if self.scanner.start():
            self.progress.setText("Indexing…")
            self.progress.show()
            self._refresh_timer.start()
        else:
            self._rescan_pending = True

    def _scan_progress(self, done: int, total: int, path: str) -> None:
        self.progress.setText(f"Indexing {done:,} of {total:,}")
        self.progress.setToolTip(display(path))

    def _scan_finished(self, report) -> None:
        self.last_scan = report
        if self._rescan_pending:  # a folder was added while scanning
            self._rescan_pending = False
            self.rescan()
            return
        self._refresh_timer.stop()
        self.progress.hide()
        # Skipped files are named in the line, with where to see them: long enough to get there.
        summary = self.show_message(scan_summary(report), NOTEWORTHY_MS if report.skipped else MESSAGE_MS)
        notices = list(getattr(report, "notices", []))
        if notices:  # the details (a folder missing, no engine to embed captions) while the summary shows
            self._message_tooltip = (summary, "\n".join(display(n) for n in notices))
            self.statusBar().setToolTip(self._message_tooltip[1])
        self.refresh_sources()
        self.run_search()

    def _scan_failed(self, error: str) -> None:
        self._refresh_timer.stop()
        self.progress.hide()
        self.show_error(f"indexing stopped: {error}")

    def show_skipped(self) -> None:
        skipped = self.last_scan.skipped if self.last_scan is not None else []
        box = QMessageBox(self)
        box.setWindowTitle("Skipped Files")
        if skipped:
            box.setText(f"{len(skipped)} file(s) or folder(s) were not indexed.")
            box.setDetailedText("\n".join(f"{display(path)}: {reason}" for path, reason in skipped))
        else:
            box.setText("Nothing was skipped in the last scan.")
        box.open()

    def _index_notice(self, notice) -> None:
        # A rebuilt index lost the user's ratings and collections: say so where it cannot be missed.
        if notice:
            self.show_message(notice, NOTEWORTHY_MS)
            box = QMessageBox(QMessageBox.Icon.Warning, "Library Index Rebuilt", display(notice),
                              QMessageBox.StandardButton.Ok, self)
            box.open()

    # ------------------------------------------------------------------ generating

    def start_engine(self) -> None:
        """Connect to the engine in the background (starting one when none runs)."""
        self.link.start()

    def _engine_status(self, status: EngineStatus) -> None:
        reason = "" if not status.engine_missing else \
            f"No engine: install it with {ENGINE_INSTALL_HINT}, or start one on this machine"
        self.prompt_bar.set_enabled_reason(reason)
        self.generate_offer.set_enabled_reason(reason)

    def generated_folder(self) -> Path:
        """Where new takes are saved: the index's Generated folder."""
        index = self.library.index
        if index is not None:
            return Path(index.generated)
        from soundloom.library.paths import generated_folder

        return generated_folder()

    def generate_query(self, text: str) -> None:
        """“Generate it”: generate the search text with the prompt bar's settings."""
        self.prompt_bar.set_prompt(text)
        self.prompt_bar.generate()

    def focus_prompt(self) -> None:
        self.prompt_bar.prompt.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.prompt_bar.prompt.selectAll()

    def cancel_job(self, job_id: str) -> None:
        self.jobs_model.mark_cancelling(job_id)
        self.link.cancel(job_id)

    def _job_activated(self, job_id: str) -> None:
        """A double-clicked job: show the takes it made (in the Generated list)."""
        paths = self.generation.paths_of.get(job_id)
        if paths:
            self.show_generated(keep=str(paths[0]))

    def _showing_generated(self) -> bool:
        scope = self.query.scope
        return scope.kind == FOLDER and any(r.kind == "generated" and r.path == scope.value for r in self.roots)

    def show_generated(self, keep: str | None = None) -> None:
        """List the Generated folder, newest first, selecting `keep`; search text and facets are
        cleared (a facet such as a category would hide the new takes)."""
        folder = next((r.path for r in self.roots if r.kind == "generated"), str(self.generated_folder()))
        self.search_bar.reset()
        self.query = self.search_bar.query().with_(scope=Scope(FOLDER, folder), limit=self.query.limit)
        found = self.sources.index_of_scope(self.query.scope)
        if found.isValid():
            self.sources_view.selectionModel().blockSignals(True)
            self.sources_view.setCurrentIndex(found)
            self.sources_view.selectionModel().blockSignals(False)
        self._generated_shown_for_takes = True
        self.run_search(keep=keep)

    def add_generated(self, paths: list, group_with: Path | None = None, *, select: bool = True) -> None:
        """Index new files (in Generated or a library folder) and show them: the Generated list,
        newest first, or with `group_with`, as a group beside that source sound. With `select`
        False (more takes of a request already being listened to) the list is only refreshed when
        it is showing, and the sound being heard stays selected."""
        paths = [os.fspath(p) for p in paths]
        if not paths:
            return

        def done(records) -> None:
            self.refresh_sources()
            if group_with is not None:
                self._show_group(os.fspath(group_with), [r for r in records if r is not None])
            elif select:
                self.show_generated(keep=paths[0])
            elif self._showing_generated() and not self.query.text:
                self.run_search()
            else:
                self.show_message(f"{len(paths)} more take{'s' if len(paths) != 1 else ''} in Generated")

        self.library.call(lambda index: index_files(index, paths), done, self.show_error)

    def _show_group(self, source: str, records: list) -> None:
        self._search_token += 1
        token = self._search_token

        def shown(found) -> None:
            group = ([found] if found is not None else []) + records
            self._results_ready(token, group, records[0].path if records else source, drop_missing=False)
            self.show_message(f"{len(records)} new take(s) of {display(os.path.basename(source))}")

        self.searching = True
        self.library.call(lambda index: index.get(source), shown, self._search_failed)

    # ------------------------------------------------------------------ forgetting and renaming (undoable)

    def forget_selected(self) -> None:
        """Leave the selected sounds out of the library (the files stay on disk); Edit ▸ Undo brings them back."""
        records = self.selected_records()
        if records:
            self.undo_stack.push(ForgetCommand(self, [r.path for r in records]))

    def rename_current(self) -> None:
        record = self.current_record()
        if record is None:
            return
        name, ok = QInputDialog.getText(self, "Rename Sound", "New file name (same folder):",
                                        text=os.path.basename(record.path))
        if ok:
            self.rename(record.path, name)

    def rename(self, path: str, name: str) -> bool:
        """Rename the file `path` to `name` (undoable); a bad or taken name is refused with a message."""
        try:
            command = RenameCommand.checked(self, path, name)
        except Exception as exc:  # noqa: BLE001 — LibraryError or an OS error: one line for the user
            self.show_error(str(exc))
            return False
        self.undo_stack.push(command)
        return True

    def renamed(self, old: str, record) -> None:
        """A rename finished: the row and the detail pane show the new name."""
        if record is None:
            self.refresh()
            return
        row = self.results.row_of(old)
        if row >= 0:
            self.results.records[row] = record
            self.results.update_record(record)
        if self.detail.record is not None and self.detail.record.path == old:
            self.detail.show_record(record)
        self.show_message(f"Renamed to {display(record.name)}")

    # ------------------------------------------------------------------ messages

    def show_message(self, text: str, timeout: int | None = None) -> str:
        """Show `text` in the status bar for `timeout` ms (default MESSAGE_MS; 0: until replaced or
        cleared, for progress that a later message ends); returns the text as shown, for clear_message."""
        shown = display(text)
        self.statusBar().showMessage(shown, MESSAGE_MS if timeout is None else timeout)
        return shown

    def clear_message(self, shown: str) -> None:
        """Take `shown` off the status bar, unless another message has replaced it already."""
        if self.statusBar().currentMessage() == shown:
            self.statusBar().clearMessage()

    def show_error(self, text: str) -> None:
        self.show_message(f"⚠ {text}", ERROR_MS)

    def _message_changed(self, text: str) -> None:
        # A tooltip with the details of a message goes with it.
        if self._message_tooltip is not None and text != self._message_tooltip[0]:
            self._message_tooltip = None
            self.statusBar().setToolTip("")

    def _audition_message(self, text: str) -> None:
        # Without a sound device the output label at the right of the status bar already says so,
        # in colour; the same words again as a message beside it would only repeat it.
        if not self.audition.output.available and text == self.audition.output.description:
            return
        self.show_message(text)

    def show_search_help(self) -> None:
        QMessageBox.information(self, "Search Syntax", (
            "door slam — both words\n"
            "door -metal — door, without metal\n"
            "\"door slam\" — the phrase\n"
            "slam* — words starting with slam\n\n"
            "Facets narrow by category, length (seconds), sample rate and channels; the list on the "
            "left narrows by folder, collection, favourites or recent."))

    # ------------------------------------------------------------------ for --screenshot and tests

    def settled(self) -> bool:
        """True once nothing is being indexed, searched or drawn."""
        detail = self.detail
        drawing = detail.record is not None and (
            not detail.peaks_loaded or (detail.spectrogram.isVisible() and not detail.spectrogram_loaded
                                        and detail.waveform.pyramid is not None and detail.waveform.pyramid.frames))
        return not (self.scanner.running or self.searching or self.library.pending or drawing)


def _data_dir() -> Path:
    from soundloom.library.paths import data_dir

    return data_dir()


def _bool(value) -> bool:
    return value in (True, "true", "1", 1)
