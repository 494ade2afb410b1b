"""Edit ▸ Undo / Redo of forgetting and renaming sounds: real files, a real index, real widgets."""

from __future__ import annotations

import os

from soundloom.desktop.undo import Command


def paths_shown(window) -> set:
    return {r.path for r in window.results.records}


def test_forgetting_keeps_the_file_and_undo_brings_the_sound_back(qtbot, make_window, small_library):
    window = make_window(small_library)
    record = window.results.records[0]
    window.table.selectRow(0)
    window.set_rating(4)
    qtbot.waitUntil(lambda: window.results.records[0].rating == 4, timeout=30_000)
    window.forget_selected()
    qtbot.waitUntil(lambda: record.path not in paths_shown(window) and not window.searching, timeout=30_000)
    assert os.path.isfile(record.path)
    # A rescan finds the file again, but it stays forgotten.
    window.last_scan = None
    window.rescan()
    qtbot.waitUntil(lambda: window.last_scan is not None and window.settled(), timeout=60_000)
    assert record.path not in paths_shown(window)

    window.undo_action.trigger()
    qtbot.waitUntil(lambda: record.path in paths_shown(window), timeout=30_000)
    back = next(r for r in window.results.records if r.path == record.path)
    assert back.rating == 4  # nothing the user gave it was lost
    window.redo_action.trigger()
    qtbot.waitUntil(lambda: record.path not in paths_shown(window), timeout=30_000)
    assert os.path.isfile(record.path)


def test_rename_renames_the_file_and_undo_renames_it_back(qtbot, make_window, small_library):
    window = make_window(small_library)
    window.table.selectRow(0)
    record = window.current_record()
    window.set_rating(3)
    qtbot.waitUntil(lambda: window.current_record().rating == 3, timeout=30_000)
    old = record.path
    new = os.path.join(os.path.dirname(old), "Kept take.wav")
    assert window.rename(old, "Kept take")
    qtbot.waitUntil(lambda: new in paths_shown(window), timeout=30_000)
    assert os.path.isfile(new) and not os.path.exists(old)
    renamed = next(r for r in window.results.records if r.path == new)
    assert renamed.rating == 3 and window.current_record().path == new

    # A name in use is refused: nothing is renamed or replaced.
    other = next(r.path for r in window.results.records if r.path != new)
    size = os.path.getsize(other)
    assert not window.rename(new, os.path.basename(other))
    assert "already exists" in window.statusBar().currentMessage()
    assert os.path.isfile(new) and os.path.getsize(other) == size
    assert not window.rename(new, "sub/folder.wav")

    window.undo_action.trigger()
    qtbot.waitUntil(lambda: old in paths_shown(window) and new not in paths_shown(window), timeout=30_000)
    assert os.path.isfile(old) and not os.path.exists(new)
    window.redo_action.trigger()
    qtbot.waitUntil(lambda: new in paths_shown(window), timeout=30_000)
    assert os.path.isfile(new)


def test_a_command_of_two_functions_is_undoable(qtbot, make_window):
    window = make_window()
    kept = []
    window.undo_stack.push(Command("Keep take 2", lambda: kept.append("take 2"), lambda: kept.remove("take 2")))
    assert kept == ["take 2"] and window.undo_action.text() == "Undo Keep take 2"
    window.undo_action.trigger()
    assert kept == []
    window.redo_action.trigger()
    assert kept == ["take 2"]
    failing = Command("Discard take 3", lambda: 1 / 0, lambda: None, on_error=window.show_error)
    window.undo_stack.push(failing)
    assert "Discard take 3" in window.statusBar().currentMessage()
