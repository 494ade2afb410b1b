"""Status-bar messages say what just happened and then go; none stays after it stopped being true."""

from __future__ import annotations

import soundloom.desktop.window as window_module


def test_the_scan_summary_goes_after_a_while(qtbot, make_window, small_library, monkeypatch):
    monkeypatch.setattr(window_module, "MESSAGE_MS", 300)
    window = make_window(small_library)
    assert "Library indexed: 10 added" in window.statusBar().currentMessage()
    notices = window.last_scan.notices  # no engine here: the captions could not be embedded
    assert notices and window.statusBar().toolTip() == "\n".join(notices)
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "", timeout=5_000)
    assert window.statusBar().toolTip() == ""  # the details went with the message
    assert window.count_label.text() == "10 sounds"  # what stays true has its own label


def test_a_similarity_search_overtaken_by_another_leaves_no_finding_message(qtbot, make_window, small_library):
    window = make_window(small_library)
    window.table.selectRow(0)
    window.find_similar()
    assert window.statusBar().currentMessage().startswith("Finding sounds like")
    window.run_search()  # the user searched again before the similar sounds came back
    qtbot.waitUntil(lambda: not window.searching and not window.library.pending, timeout=30_000)
    qtbot.wait(50)
    assert "Finding sounds like" not in window.statusBar().currentMessage()


def test_a_finished_similarity_search_is_named_at_the_right_until_the_next_search(qtbot, make_window, small_library):
    window = make_window(small_library)
    window.table.selectRow(0)
    window.find_similar()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Sounds like"), timeout=30_000)
    assert window.search_mode.text() == "search: sounds like"
    window.search_bar.text.setText("rain")
    qtbot.waitUntil(lambda: window.search_mode.text().startswith("search: words"), timeout=30_000)
