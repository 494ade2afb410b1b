"""Widgets built on their own are freed as soon as they are dropped, on the thread that drops them.

A widget kept alive by a reference cycle (a lambda connected to a signal and holding the widget, a
model holding the widget's method, a child holding its window) is freed later by the garbage
collector, on whichever thread happens to run it, and destroying widgets off the GUI thread
crashes. Each test below builds a widget with the collector off: whatever outlives `del` is held by
a cycle."""

from __future__ import annotations

import gc
import weakref
from contextlib import contextmanager

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QMainWindow, QTableView

from soundloom.desktop.audition import Audition
from soundloom.desktop.backups import BackupStore
from soundloom.desktop.backups_dialog import BackupsDialog
from soundloom.desktop.column_fit import ColumnFitter
from soundloom.desktop.detail import DetailPane, RegionFields
from soundloom.desktop.engine_link import EngineLink
from soundloom.desktop.events import Event, without_arguments
from soundloom.desktop.finetune_dock import FinetuneDock
from soundloom.desktop.generate_offer import GenerateOffer
from soundloom.desktop.peaks import PeakCache
from soundloom.desktop.regen_dock import RegenDock
from soundloom.desktop.results_model import ResultsTableModel
from soundloom.desktop.search_bar import SearchBar
from soundloom.desktop.spectrogram_view import SpectrogramView
from soundloom.desktop.tasks import LibraryService, TaskRunner
from soundloom.desktop.timeline import Timeline
from soundloom.desktop.waveform import WaveformView

from regen_helpers import clip_24bit_stereo


@contextmanager
def collector_off():
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def dropped_at_once(qtbot, make) -> bool:
    """Build a widget with `make()`, show it, let it settle, drop the only reference: is it gone?"""
    widget = make()
    widget.show()
    qtbot.wait(10)
    gone = weakref.ref(widget)
    del widget
    return gone() is None


def test_events_hold_methods_weakly_and_functions_strongly():
    class Listener:
        def __init__(self):
            self.heard = []

        def hear(self, value):
            self.heard.append(value)

    event, heard = Event(), []
    listener = Listener()
    event.connect(listener.hear)
    event.connect(lambda value: heard.append(value))  # nothing else holds a lambda: kept
    event.emit(1)
    assert listener.heard == [1] and heard == [1]
    gone = weakref.ref(listener)
    with collector_off():
        del listener
        assert gone() is None
    event.emit(2)  # the listener's connection went with it
    assert heard == [1, 2] and len(event._callbacks) == 1

    class Window:
        def __init__(self):
            self.closed = 0

        def close(self):
            self.closed += 1

    window = Window()
    close = without_arguments(window.close)
    close(True)  # a menu action's `checked` is not passed on
    assert window.closed == 1
    gone = weakref.ref(window)
    with collector_off():
        del window
        assert gone() is None  # the action does not hold its window
    close(False)  # and does nothing once it is gone


@pytest.mark.parametrize("make", [
    pytest.param(lambda tmp_path: BackupsDialog(BackupStore(tmp_path / "backups")), id="backups-dialog"),
    pytest.param(lambda tmp_path: GenerateOffer(), id="generate-offer"),
    pytest.param(lambda tmp_path: SearchBar(), id="search-bar"),
    pytest.param(lambda tmp_path: RegionFields(Timeline()), id="selection-fields"),
    pytest.param(lambda tmp_path: WaveformView(Timeline()), id="waveform"),
    pytest.param(lambda tmp_path: SpectrogramView(Timeline()), id="spectrogram"),
])
def test_a_widget_built_on_its_own_is_freed_when_dropped(qtbot, tmp_path, make):
    with collector_off():
        assert dropped_at_once(qtbot, lambda: make(tmp_path))


def fitted_table() -> QTableView:
    table = QTableView()
    table.setModel(ResultsTableModel())
    ColumnFitter(table).fit()  # held by the table alone, as its child
    return table


def test_the_detail_pane_and_a_fitted_table_are_freed_when_dropped(qtbot, tmp_path):
    runner = TaskRunner(1, "test-detail")
    timeline = Timeline()  # shared, as in the window: it must not hold the views alive
    try:
        with collector_off():
            assert dropped_at_once(qtbot, lambda: DetailPane(timeline, runner, PeakCache(tmp_path / "peaks")))
            assert dropped_at_once(qtbot, fitted_table)
        timeline.reset(2.0, 48000)  # nothing deleted is called
        timeline.select(0.5, 1.0)
    finally:
        runner.close()


def test_selection_fields_still_set_the_selection(qtbot):
    timeline = Timeline()
    timeline.reset(10.0, 48000)
    fields = RegionFields(timeline)
    qtbot.addWidget(fields)
    fields.show()
    start, length = fields.fields["start"], fields.fields["length"]
    qtbot.keyClicks(start, "2.5")
    qtbot.keyClick(start, Qt.Key.Key_Return)
    assert timeline.selection.start == pytest.approx(2.5)  # to the end
    length.setFocus()
    length.selectAll()
    qtbot.keyClicks(length, "1")
    qtbot.keyClick(length, Qt.Key.Key_Return)
    assert (timeline.selection.start, timeline.selection.length) == pytest.approx((2.5, 1.0))


class Host(QMainWindow):
    """What a window gives the Regenerate and Fine-tune docks: an engine link (never started here),
    the library, playback, a timeline and messages."""

    def __init__(self, tmp_path, output):
        super().__init__()
        self.link = EngineLink(tmp_path / "no-engine.json", start_engine=False)
        self.library = LibraryService(tmp_path / "library.sqlite3")
        self.timeline = Timeline()
        self.audition = Audition(output, self.timeline, self)
        self.messages = []

    def current_record(self):
        return None

    def selection(self):
        return None

    def show_message(self, text, timeout=0):
        self.messages.append(text)

    show_error = show_message


@pytest.fixture
def host(qtbot, tmp_path, fake_output):
    window = Host(tmp_path, fake_output)
    qtbot.addWidget(window)
    window.show()
    yield window
    window.library.close()


@pytest.mark.parametrize("make", [RegenDock, FinetuneDock], ids=["regenerate-dock", "finetune-dock"])
def test_a_dock_taken_off_its_window_is_freed_and_the_window_carries_on(qtbot, host, make):
    with collector_off():
        dock = make(host)
        host.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        qtbot.wait(10)
        qtbot.waitUntil(lambda: not host.library.pending)  # the dock's own requests answered
        host.removeDockWidget(dock)
        dock.setParent(None)
        if isinstance(dock, RegenDock):
            dock.shutdown()
        gone = weakref.ref(dock)
        del dock
        assert gone() is None
    # What the dock listened to goes on without reaching anything deleted (pytest-qt fails the
    # test on any exception raised in a slot).
    host.timeline.reset(1.0, 48000)
    host.timeline.select(0.2, 0.4)
    host.link.status_changed.emit(host.link.status)


def test_the_editor_window_is_freed_when_dropped(qtbot, tmp_path, fake_output):
    from soundloom.desktop.editor_window import EditorWindow

    clip = clip_24bit_stereo(tmp_path)
    link = EngineLink(tmp_path / "no-engine.json", start_engine=False)
    with collector_off():
        window = EditorWindow(clip, fake_output, link)
        window.show()
        qtbot.waitUntil(window.settled, timeout=10_000)
        window.loop_action.trigger()  # a menu action reaches its window
        assert window.audition.loop
        window.close()
        window.dock.shutdown()
        gone = weakref.ref(window)
        del window
        assert gone() is None
