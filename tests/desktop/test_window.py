"""The main window over a real index: search, facets, sources, keyboard audition, the waveform's
region, export, clipboard, settings, and what happens without a sound card."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtWidgets import QApplication, QLabel

from soundloom.desktop.output import NoOutput
from soundloom.desktop.query import FAVOURITES, Scope
from soundloom.desktop.selection import parse_seconds


def names(window) -> list[str]:
    return [r.name for r in window.results.records]


def settle(qtbot, window, timeout=60_000):
    qtbot.waitUntil(window.settled, timeout=timeout)


def focus_table(qtbot, window):
    window.activateWindow()
    window.table.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.table)


def test_opens_indexes_and_lists_every_sound(make_window, small_library):
    window = make_window(small_library)
    assert len(window.results.records) == 10
    assert window.count_label.text() == "10 sounds"
    assert "10 added" in window.statusBar().currentMessage()
    roots = [r for r in window.roots if r.kind == "library"]
    assert [r.path for r in roots] == [str(small_library)]
    # The Jobs dock, before any job, says how to start one rather than standing empty.
    panel = window.jobs_panel
    assert panel.stack.currentWidget() is panel.empty_hint and "Ctrl+G" in panel.empty_hint.text()
    assert not panel.clear_button.isEnabled()
    window.jobs_model.add("a", "generate", "rain · 2 s · take 1 of 1", 10)
    assert panel.stack.currentWidget() is panel.view and not panel.clear_button.isEnabled()
    window.jobs_model.finish("a", "saved")
    assert panel.clear_button.isEnabled()
    panel.clear_button.click()
    assert panel.stack.currentWidget() is panel.empty_hint and not panel.clear_button.isEnabled()


def test_search_text_and_facets(qtbot, make_window, sound_library):
    window = make_window(sound_library)
    bar = window.search_bar
    qtbot.keyClicks(bar.text, "door -metal")
    qtbot.waitUntil(lambda: sorted(names(window)) == ["DOORWood_Close Soft Latch_SL_Foley.wav",
                                                      "DOORWood_Slam Heavy Oak_SL_Foley.wav"], timeout=10_000)
    # No engine here: the status bar says the search matched words, not meaning, and why.
    assert window.search_mode.text() == "search: words only" and "engine" in window.search_mode.toolTip()
    bar.text.clear()
    qtbot.waitUntil(lambda: len(names(window)) == 30, timeout=10_000)
    bar.category.setCurrentIndex(bar.category.findData("AMBIENCE"))
    qtbot.waitUntil(lambda: names(window) and all(n.startswith("AMB") for n in names(window)), timeout=10_000)
    bar.category.setCurrentIndex(0)
    bar.max_seconds.setValue(1.0)
    qtbot.waitUntil(lambda: names(window) and all(r.seconds <= 1.0 for r in window.results.records), timeout=10_000)
    bar.max_seconds.setValue(0)
    bar.rate.setCurrentIndex(bar.rate.findData(96000))
    qtbot.waitUntil(lambda: len(names(window)) == 3, timeout=10_000)
    bar.channels.setCurrentIndex(bar.channels.findData(1))
    qtbot.waitUntil(lambda: len(names(window)) == 0, timeout=10_000)
    assert window.count_label.text() == "0 sounds"


def test_sources_narrow_the_results(qtbot, make_window, sound_library):
    window = make_window(sound_library)
    view, model = window.sources_view, window.sources
    library = model.index(0, 0, model.index(2, 0))
    view.expand(library)
    qtbot.waitUntil(lambda: model.rowCount(library) == 8)  # one folder per source: Design, Field, Foley…
    music = next(model.index(r, 0, library) for r in range(8) if model.index(r, 0, library).data() == "Music")
    view.setCurrentIndex(music)
    qtbot.waitUntil(lambda: sorted(n[:4] for n in names(window)) == ["MUSC"] * 3, timeout=10_000)
    view.setCurrentIndex(model.index(0, 0))
    qtbot.waitUntil(lambda: len(names(window)) == 30, timeout=10_000)


def test_keyboard_audition_favourite_and_search_focus(qtbot, make_window, small_library, fake_output):
    window = make_window(small_library)
    focus_table(qtbot, window)
    window.table.selectRow(0)
    first = window.current_record()
    assert first is not None and window.auto_play_action.isChecked()
    assert fake_output.starts == 1 and window.audition.playing  # auto-play on select

    qtbot.keyClick(window.table, Qt.Key.Key_Down)
    assert window.current_record().path == window.results.record(1).path
    assert fake_output.starts == 2  # arrow keys audition as they go

    qtbot.keyClick(window.table, Qt.Key.Key_Space)
    assert not window.audition.playing
    qtbot.keyClick(window.table, Qt.Key.Key_Space)
    assert window.audition.playing and fake_output.starts == 3
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    assert fake_output.starts == 4

    path = window.current_record().path
    qtbot.keyClick(window.table, Qt.Key.Key_F)
    qtbot.waitUntil(lambda: window.results.record(1).favourite, timeout=10_000)
    qtbot.keyClick(window.table, Qt.Key.Key_4)
    qtbot.waitUntil(lambda: window.results.record(1).rating == 4, timeout=10_000)
    assert window.results.record(1).path == path and window.results.index(1, 0).data().startswith("♥")

    qtbot.keyClick(window.table, Qt.Key.Key_Slash)
    assert QApplication.focusWidget() is window.search_bar.text
    qtbot.keyClicks(window.search_bar.text, "f ")  # typing keys that are shortcuts elsewhere
    assert window.search_bar.text.text() == "f " and window.results.record(1).favourite

    window.search_bar.text.clear()
    view, model = window.sources_view, window.sources
    view.setCurrentIndex(model.index_of_scope(Scope(FAVOURITES)))
    qtbot.waitUntil(lambda: [r.path for r in window.results.records] == [path], timeout=10_000)


def test_playhead_follows_playback_and_loops_the_selection(qtbot, make_window, small_library, fake_output):
    window = make_window(small_library)
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.detail.peaks_loaded)
    fake_output.advance(0.3)
    qtbot.waitUntil(lambda: window.timeline.playhead == pytest.approx(0.3, abs=0.01))

    window.selection_only_action.setChecked(True)
    window.loop_action.setChecked(True)
    window.timeline.select(0.2, 0.4)
    window.audition_current()
    rate = fake_output.rate
    for _ in range(5):
        fake_output.advance(0.1)
    import soundfile as sf

    source = sf.read(window.current_record().path, dtype="float32", always_2d=True)[0]
    region = source[int(0.2 * rate) : int(0.4 * rate)]
    volume = window.audition.volume
    assert np.allclose(fake_output.audio(), np.concatenate([region, region, region])[: int(0.5 * rate)] * volume,
                       atol=1e-6)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.audition.playing and window.timeline.selection is None


def test_waveform_drag_selects_a_region_and_the_fields_edit_it(qtbot, make_window, small_library):
    window = make_window(small_library)
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.detail.peaks_loaded)
    waveform, timeline = window.detail.waveform, window.timeline
    width, y = waveform.width(), waveform.height() // 2
    qtbot.mousePress(waveform, Qt.MouseButton.LeftButton, pos=QPoint(width // 4, y))
    qtbot.mouseMove(waveform, QPoint(width // 2, y))
    qtbot.mouseRelease(waveform, Qt.MouseButton.LeftButton, pos=QPoint(width // 2, y))
    region = timeline.selection
    assert region is not None
    assert region.start == pytest.approx(timeline.duration / 4, rel=0.05)
    assert region.end == pytest.approx(timeline.duration / 2, rel=0.05)
    fields = window.detail.region_fields.fields
    assert fields["length"].text().endswith(" s")  # seconds, said
    assert parse_seconds(fields["length"].text()) == pytest.approx(region.length, abs=1e-3)

    fields["start"].setFocus()
    fields["start"].selectAll()
    qtbot.keyClicks(fields["start"], "0.1")
    qtbot.keyClick(fields["start"], Qt.Key.Key_Return)
    fields["length"].setFocus()
    fields["length"].selectAll()
    qtbot.keyClicks(fields["length"], "0.25s")
    qtbot.keyClick(fields["length"], Qt.Key.Key_Return)
    assert (timeline.selection.start, timeline.selection.end) == (0.1, pytest.approx(0.35))
    fields["end"].setFocus()
    fields["end"].selectAll()
    qtbot.keyClicks(fields["end"], "soon")
    qtbot.keyClick(fields["end"], Qt.Key.Key_Return)
    assert timeline.selection.end == pytest.approx(0.35) and "border" in fields["end"].styleSheet()

    # A click without a drag clears the region and moves the cue point.
    qtbot.mouseClick(waveform, Qt.MouseButton.LeftButton, pos=QPoint(width * 3 // 4, y))
    assert timeline.selection is None
    assert window.audition.cue == pytest.approx(timeline.duration * 0.75, rel=0.05)

    timeline.zoom(4.0, anchor=0.0)
    assert window.detail.scrollbar.maximum() > 0
    window.detail.scrollbar.setValue(window.detail.scrollbar.maximum())
    assert timeline.end == pytest.approx(timeline.duration, rel=1e-3)


def test_export_copy_and_the_waveform_drag_file(qtbot, make_window, small_library):
    window = make_window(small_library)
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.detail.peaks_loaded)
    record = window.current_record()
    window.timeline.select(0.25, 0.75)
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    stem = os.path.splitext(record.name)[0]
    exported = window.delivery.exports / f"{stem}_0.25-0.75s.wav"
    qtbot.waitUntil(lambda: window.delivery.last_export == exported, timeout=30_000)
    assert exported.is_file() and "Exported" in window.statusBar().currentMessage()

    window.delivery.copy_file()
    qtbot.waitUntil(lambda: "Copied file" in window.statusBar().currentMessage(), timeout=30_000)
    mime = QApplication.clipboard().mimeData()
    assert [url.toLocalFile() for url in mime.urls()] == [str(exported)]
    window.delivery.copy_path()
    assert QApplication.clipboard().text() == record.path

    # Dragging from the table hands over the library file itself, in place.
    mime = window.results.mimeData([window.results.index(0, 0)])
    assert [url.toLocalFile() for url in mime.urls()] == [record.path]
    window.delivery.set_export_format(window.delivery.format_group.actions()[-1].data())
    mime = window.results.mimeData([window.results.index(0, 0)])
    rendered = mime.urls()[0].toLocalFile()
    assert rendered.startswith(str(window.delivery.exports)) and os.path.isfile(rendered)


def test_the_caption_edits_the_index_only(qtbot, make_window, small_library):
    from soundloom.library import LibraryIndex

    window = make_window(small_library)
    window.table.selectRow(0)
    record = window.current_record()
    before = open(record.path, "rb").read()
    caption = window.detail.metadata.caption
    caption.setFocus()
    caption.selectAll()
    qtbot.keyClicks(caption, "heavy oak slam, close mic")
    qtbot.keyClick(caption, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.results.record(0).caption == "heavy oak slam, close mic", timeout=10_000)
    with LibraryIndex.open(window.library.db_path) as index:
        stored = index.get(record.path)
    assert (stored.caption, stored.caption_source) == ("heavy oak slam, close mic", "user")
    assert open(record.path, "rb").read() == before


def test_find_similar_sounds(qtbot, make_window, sound_library):
    window = make_window(sound_library)
    row = next(i for i, r in enumerate(window.results.records) if r.name.startswith("DOORWood_Slam"))
    window.table.selectRow(row)
    qtbot.keyClick(window, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "Sounds like" in window.statusBar().currentMessage(), timeout=30_000)
    scores = [r.score for r in window.results.records]
    assert len(scores) == 29 and scores == sorted(scores, reverse=True)  # itself left out, most alike first
    assert window.current_record().name.startswith("DOORWood_Slam")  # still selected, though not listed
    window.timeline.select(0.0, 0.5)
    window.find_similar()  # like a region: the sound itself may be listed
    qtbot.waitUntil(lambda: "0.00-0.50 s" in window.statusBar().currentMessage(), timeout=30_000)
    assert window.results.records


def test_every_action_is_in_a_menu(make_window, small_library):
    window = make_window(small_library, wait=False)
    in_menus = set()
    stack = [menu for menu in window.menuBar().actions()]
    while stack:
        action = stack.pop()
        if action.menu() is not None:
            stack.extend(action.menu().actions())
        else:
            in_menus.add(action)
    keyboard = {a.shortcut().toString() for a in in_menus if not a.shortcut().isEmpty()}
    assert {"Space", "Return", "F", "/", "Ctrl+E", "Ctrl+C", "Ctrl+Shift+C", "Ctrl+R"} <= keyboard
    shortcuts = window.actions() + window.table.actions() + window.detail.waveform.actions()
    assert all(action in in_menus for action in shortcuts)


def test_layout_and_choices_persist(qtbot, make_window, small_library, settings):
    window = make_window(small_library)
    window.resize(760, 640)  # inside the offscreen screen (800 × 800): restoring keeps a window on screen
    window.main_splitter.setSizes([200, 560])
    window.right.setSizes([220, 380])
    window.loop_action.setChecked(True)
    window.auto_play_action.setChecked(False)
    window.volume.setValue(40)
    window.detail.set_view(0)
    window.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    main_sizes, right_sizes = window.main_splitter.sizes(), window.right.sizes()
    size = (window.width(), window.height())
    assert size[1] == 640
    window.close()

    again = make_window(small_library, settings_=settings)
    assert (again.width(), again.height()) == size
    assert again.main_splitter.sizes() == main_sizes and again.right.sizes() == right_sizes
    assert again.loop_action.isChecked() and not again.auto_play_action.isChecked()
    assert again.volume.value() == 40 and again.detail.view_mode == 0
    assert not again.detail.spectrogram.isVisible()
    header = again.table.horizontalHeader()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (1, Qt.SortOrder.DescendingOrder)


def test_without_a_sound_card_everything_else_works(qtbot, make_window, small_library):
    window = make_window(small_library, output=NoOutput())
    assert window.output_label.text() == "no audio output"
    focus_table(qtbot, window)
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.detail.peaks_loaded and window.settled(), timeout=30_000)
    qtbot.keyClick(window.table, Qt.Key.Key_Space)
    assert not window.audition.playing
    # Said once, by the output label at the right of the status bar: no message repeats it beside it.
    bar = window.statusBar()
    shown = [bar.currentMessage()] + [label.text() for label in bar.findChildren(QLabel) if label.isVisible()]
    assert [text for text in shown if "no audio output" in text] == ["no audio output"]
    assert "Output Device" in window.output_label.toolTip()
    assert window.detail.waveform.pyramid is not None
