"""Prompt and caption fields wrap a long text over a few lines instead of hiding it past the right
edge; Enter still generates, Shift+Enter starts a new line."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QHBoxLayout, QLineEdit, QWidget

from soundloom.desktop.prompt_bar import PromptBar
from soundloom.desktop.prompt_edit import PromptEdit

LONG = ("heavy wooden door slams shut in a large stone hall, long reverberant tail, "
        "distant footsteps and creaking iron hinges")


def test_the_field_is_one_line_high_and_grows_with_its_text_up_to_its_limit(qtbot):
    host = QWidget()
    row = QHBoxLayout(host)
    line, field = QLineEdit("a line field"), PromptEdit("describe a sound", max_lines=4)
    line.setFixedWidth(100)
    row.addWidget(line)
    row.addWidget(field)
    qtbot.addWidget(host)
    host.resize(700, 200)
    host.show()
    qtbot.waitExposed(host)
    assert field.lines() == 1 and field.height() == line.height()  # level with the fields beside it

    field.setText(LONG)
    qtbot.waitUntil(lambda: field.lines() >= 2)
    two_or_more = field.height()
    assert field.lines() < 4
    assert two_or_more > line.height() and not field.verticalScrollBar().isVisible()  # all of it in view

    host.resize(400, 200)  # narrower: the same text takes more lines, and the field follows
    qtbot.waitUntil(lambda: field.height() > two_or_more)

    field.setText(" ".join([LONG] * 6))
    qtbot.waitUntil(lambda: field.lines() > 4)
    tallest = field.height()
    field.setText(" ".join([LONG] * 12))
    qtbot.wait(20)
    assert field.height() == tallest and field.verticalScrollBar().isVisible()  # four lines, then it scrolls

    field.setText("short")
    qtbot.waitUntil(lambda: field.height() == line.height())


def test_enter_submits_and_shift_enter_starts_a_new_line(qtbot):
    field = PromptEdit()
    qtbot.addWidget(field)
    field.show()
    submitted, finished = [], []
    field.returnPressed.connect(lambda: submitted.append(field.text()))
    field.editingFinished.connect(lambda: finished.append(True))
    qtbot.keyClicks(field, "rain on a tin roof")
    qtbot.keyClick(field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(field, "distant thunder")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert submitted == ["rain on a tin roof\ndistant thunder"] and finished == [True]
    assert field.text() == "rain on a tin roof\ndistant thunder"  # Enter added nothing
    qtbot.keyClick(field, Qt.Key.Key_Enter)  # the keypad's Enter too
    assert len(submitted) == 2


def test_the_prompt_bar_shows_a_long_prompt_whole_and_enter_generates_it(qtbot):
    bar = PromptBar()
    qtbot.addWidget(bar)
    bar.resize(900, 120)
    bar.show()
    qtbot.waitExposed(bar)
    sent = []
    bar.generate_requested.connect(sent.append)
    bar.prompt.setFocus()
    qtbot.keyClicks(bar.prompt, LONG + " ")
    qtbot.keyClick(bar.prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(bar.prompt, "close mic")
    assert bar.prompt.lines() >= 2 and bar.prompt.height() >= 2 * bar.prompt.fontMetrics().lineSpacing()
    qtbot.keyClick(bar.prompt, Qt.Key.Key_Return)
    assert len(sent) == 1 and sent[0]["prompt"] == LONG + " close mic"  # lines become one space to the engine


def test_the_clear_button_shows_with_text_and_empties_the_field_undoably(qtbot):
    bar = PromptBar()
    qtbot.addWidget(bar)
    bar.resize(900, 120)
    bar.show()
    with qtbot.waitActive(bar):  # so that focus can be asked about
        bar.activateWindow()
    field = bar.prompt
    assert field.isClearButtonEnabled() and bar.negative.isClearButtonEnabled()
    button = field.clear_button
    assert not button.isVisible()  # nothing to clear
    field.setFocus()
    qtbot.keyClicks(field, LONG)
    assert button.isVisible()
    # Inside the field's frame, right of the text, level with its first line: never over the words.
    text_area = field.viewport().geometry()
    assert field.rect().contains(button.geometry())
    assert button.geometry().left() > text_area.right()
    assert button.geometry().top() <= text_area.top() + field.fontMetrics().lineSpacing() // 2

    bar.negative.setFocus()  # the click brings the focus back, as on a line field
    finished, changed = [], []
    field.editingFinished.connect(lambda: finished.append(field.text()))
    field.textChanged.connect(lambda: changed.append(field.text()))
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert field.text() == "" and changed == [""] and not button.isVisible()
    assert field.hasFocus()
    qtbot.keyClick(field, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # a slip of the mouse is undone
    assert field.text() == LONG and button.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    bar.negative.setFocus()
    assert finished == [""]  # leaving the emptied field finishes the edit, as after typing

    field.setReadOnly(True)
    field.setText("read only")
    assert not button.isVisible()


def test_the_clear_button_follows_a_scroll_bar_and_can_be_turned_off(qtbot):
    field = PromptEdit("describe", max_lines=2)
    field.setClearButtonEnabled(True)
    field.setText(" ".join([LONG] * 6))  # before it is shown: the scroll bar comes with the first layout
    qtbot.addWidget(field)
    field.resize(500, 60)
    field.show()
    qtbot.waitExposed(field)
    qtbot.waitUntil(field.verticalScrollBar().isVisible)
    button = field.clear_button
    scroll_bar = field.verticalScrollBar()
    bar_left = scroll_bar.mapTo(field, scroll_bar.rect().topLeft()).x()
    assert field.viewport().geometry().right() < button.geometry().left() and button.geometry().right() < bar_left

    field.setClearButtonEnabled(False)
    assert field.clear_button is None and field.viewportMargins().right() == 0
