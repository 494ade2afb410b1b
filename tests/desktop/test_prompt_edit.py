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
