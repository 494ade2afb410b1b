"""A label shortened with "…" still selects and copies its whole text: the detail pane's folder
line can be selected with the mouse, and what is copied is the folder, not what fits on screen."""

from __future__ import annotations

from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtWidgets import QApplication

from soundloom.desktop.detail import DetailPane
from soundloom.desktop.elided_label import ElidedLabel, shown_to_whole
from soundloom.desktop.peaks import PeakCache
from soundloom.desktop.tasks import TaskRunner
from soundloom.desktop.timeline import Timeline

FOLDER = "/home/ana/Sound Libraries/A Very Long Vendor Name Field Recordings Collection Volume 3/Ambiences/Forest"


def test_positions_on_either_side_of_the_ellipsis_map_to_either_end_of_what_it_hides():
    whole = "abcdefghij"
    middle = shown_to_whole(whole, "abc…hij")
    assert [middle(p) for p in range(8)] == [0, 1, 2, 3, 7, 8, 9, 10]
    right = shown_to_whole(whole, "abcd…")
    assert [right(p) for p in range(6)] == [0, 1, 2, 3, 4, 10]
    left = shown_to_whole(whole, "…ghij")
    assert [left(p) for p in range(6)] == [0, 6, 7, 8, 9, 10]
    assert shown_to_whole(whole, whole)(4) == 4
    assert shown_to_whole("a…b…c", "a…b…c")(3) == 3  # an ellipsis of its own is just a character


def drag(qtbot, widget, start: QPoint, end: QPoint) -> None:
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(widget, end)
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=end)


def test_a_shortened_path_selects_and_copies_whole(qtbot):
    label = ElidedLabel(FOLDER, mode=Qt.TextElideMode.ElideMiddle)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    qtbot.addWidget(label)
    label.resize(240, 24)
    label.show()
    with qtbot.waitActive(label):
        label.activateWindow()
    shown = label.fontMetrics().elidedText(FOLDER, Qt.TextElideMode.ElideMiddle, label.contentsRect().width())
    assert "…" in shown and label.text() == FOLDER and FOLDER in label.toolTip()
    assert label.sizeHint().width() >= label.fontMetrics().horizontalAdvance(FOLDER)  # it may widen again

    middle = label.height() // 2
    drag(qtbot, label, QPoint(1, middle), QPoint(label.width() - 1, middle))  # across the "…"
    assert label.selectedText() == FOLDER
    QApplication.clipboard().clear()
    qtbot.keyClick(label, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == FOLDER

    # The part after the "…" alone: the end of the path, as shown.
    tail = shown[shown.index("…") + 1:]
    after_ellipsis = label.fontMetrics().horizontalAdvance(shown[:shown.index("…") + 1]) + 1
    drag(qtbot, label, QPoint(after_ellipsis, middle), QPoint(label.width() - 1, middle))
    assert label.selectedText() == tail and FOLDER.endswith(tail)

    label.select_all()
    label.copy()
    assert QApplication.clipboard().text() == FOLDER
    label.resize(2000, 24)  # room for all of it: nothing is shortened
    qtbot.waitUntil(lambda: label.fontMetrics().horizontalAdvance(FOLDER) <= label.contentsRect().width())
    assert FOLDER not in label.toolTip()


def test_the_detail_panes_folder_line_is_selectable(qtbot, tmp_path):
    runner = TaskRunner(1, "test")
    pane = DetailPane(Timeline(), runner, PeakCache(tmp_path / "peaks"))
    qtbot.addWidget(pane)
    try:
        flags = pane.subtitle.textInteractionFlags()
        assert flags & Qt.TextInteractionFlag.TextSelectableByMouse
        assert not pane.title.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    finally:
        runner.close()
