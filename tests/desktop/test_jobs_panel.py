"""The Jobs panel on its own, outside the main window: it draws and answers clicks, and it is
freed as soon as it is dropped, on the thread that drops it, not later by the garbage collector
on whatever thread that happens to run (destroying widgets off the GUI thread crashes)."""

from __future__ import annotations

import gc
import weakref

from PyQt6.QtCore import Qt

from soundloom.desktop.jobs_model import JobsModel
from soundloom.desktop.jobs_panel import JobsPanel


def test_a_panel_built_on_its_own_lists_jobs_and_answers_cancel_and_double_click(qtbot):
    model = JobsModel()
    panel = JobsPanel(model)
    qtbot.addWidget(panel)
    panel.resize(300, 300)
    panel.show()
    assert panel.stack.currentWidget() is panel.empty_hint
    model.add("a", "generate", "rain · 2 s · take 1 of 2", 10)
    model.add("b", "generate", "rain · 2 s · take 2 of 2", 10)
    model.finish("b", "1 take")
    assert panel.stack.currentWidget() is panel.view
    assert panel.summary.text() == "1 running or waiting · 1 done"

    first = panel.view.visualRect(model.index(0))
    with qtbot.waitSignal(panel.cancel_requested, timeout=1000) as cancel:
        qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton,
                         pos=panel.delegate.cancel_rect(first).center())
    assert cancel.args == ["a"]
    second = panel.view.visualRect(model.index(1)).center()
    qtbot.mousePress(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=second)  # as a real double click starts
    with qtbot.waitSignal(panel.activated, timeout=1000) as activated:
        qtbot.mouseDClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=second)
    assert activated.args == ["b"]


def test_a_dropped_panel_is_freed_at_once_and_its_model_carries_on(qtbot):
    model = JobsModel()
    gc.disable()  # whatever is still alive below is held by a reference cycle
    try:
        panel = JobsPanel(model)
        panel.show()
        model.add("a", "generate", "wind", 10)
        qtbot.wait(10)
        gone = weakref.ref(panel)
        view = weakref.ref(panel.view)
        del panel
        assert gone() is None and view() is None
    finally:
        gc.enable()
    # The model outlives the panel: new and changed jobs reach nothing that was deleted (pytest-qt
    # fails the test on any exception raised in a slot).
    model.add("b", "generate", "hum", 10)
    model.progress("b", 2, 10, 1.0)
    model.clear_finished()
    assert [row.id for row in model.rows] == ["a", "b"]
