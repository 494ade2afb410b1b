"""Cancelling a fine-tuning run from the dock keeps its checkpoint, and Resume carries it on (real
engine, tiny model). Two training runs: slow."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import Qt

from finetune_helpers import choose_source, fingerprint, host_window, write_training_library


@pytest.mark.slow
def test_cancel_keeps_the_adapter_and_resume_continues_it(qtbot, make_window, link, desktop_engine, request):
    library = write_training_library(desktop_engine.library_root / f"lib-{request.node.name[:40]}" / "Long Run")
    before = fingerprint(library)
    window, dock = host_window(make_window, link, library)
    choose_source(qtbot, dock, "Folder: Long Run")
    qtbot.waitUntil(lambda: len(dock.dataset.clips) == 4, timeout=60_000)
    name = "long-run"
    dock.name_edit.setText(name)
    dock.steps_box.setValue(100_000)  # hours of training: only Cancel ends it
    qtbot.mouseClick(dock.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(dock.plot.points), timeout=240_000)
    assert not dock.resume_button.isEnabled()
    qtbot.mouseClick(dock.cancel_button, Qt.MouseButton.LeftButton)
    assert "Cancelling" in dock.state_label.text()
    qtbot.waitUntil(lambda: not dock.running, timeout=120_000)
    assert dock.state_label.text().startswith(f"Cancelled {name} at step"), dock.state_label.text()
    stopped_at = dock.last_step
    assert 1 <= stopped_at < 100_000 and dock.resume_button.isEnabled() and dock.train_button.isEnabled()
    # The engine kept the adapter (not usable yet: it is partial).
    qtbot.waitUntil(lambda: any(m.get("adapter") == name for m in link.models), timeout=60_000)
    kept = next(m for m in link.models if m.get("adapter") == name)
    assert kept["state"] == "partial"

    dock.steps_box.setValue(stopped_at + 2)
    qtbot.mouseClick(dock.resume_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dock.running, timeout=240_000)
    assert dock.finished_result is not None, dock.state_label.text()
    assert dock.finished_result["steps"] == stopped_at + 2
    # It continued from the checkpoint instead of starting over: the new line starts past step 1.
    assert dock.plot.first_step == stopped_at and dock.plot.points[0][0] > stopped_at
    qtbot.waitUntil(lambda: any(m["name"] == dock.finished_result["model"] and m.get("state") == "ready"
                                for m in link.models), timeout=60_000)
    assert fingerprint(library) == before
