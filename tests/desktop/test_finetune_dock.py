"""Fine-tuning from the desktop app against the real engine (tiny model): preview with skip reasons,
an edited caption, training with a live loss plot and playable validation renders, the adapter in
the model list, a collection trained through links — and the library never written."""

from __future__ import annotations

import os

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLabel, QLineEdit

from finetune_helpers import NOT_AUDIO, SOUNDS, TOO_SHORT, choose_source, fingerprint, host_window, write_training_library
from stall_probe import UI_EVENT_LIMIT_S, StallProbe, TimedApplication


@pytest.fixture
def app_data(private_folders, desktop_engine, monkeypatch, request):
    """The app's data folder inside the engine's library roots, as the home folder holds both by
    default: training folders made there (links and captions) are readable by the engine."""
    folder = desktop_engine.library_root / f"app-{request.node.name[:40]}" / "data"
    monkeypatch.setenv("SOUNDLOOM_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def library(desktop_engine, request):
    return write_training_library(desktop_engine.library_root / f"lib-{request.node.name[:40]}" / "Hallway Foley")


def edit_caption(qtbot, dock, row: int, text: str) -> None:
    """Double-click-edit a caption cell: type the text into the editor and press Return."""
    from soundloom.desktop.dataset_model import CAPTION

    index = dock.dataset.index(row, CAPTION)
    dock.table.setCurrentIndex(index)
    dock.table.edit(index)
    editors = dock.table.viewport().findChildren(QLineEdit)  # the cell's editor lives on the viewport
    assert len(editors) == 1
    editor = editors[0]
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    # The view commits the editor's text once back in the event loop.
    qtbot.waitUntil(lambda: dock.dataset.captions()[dock.dataset.clips[row].path] == text, timeout=10_000)


def test_train_from_a_library_folder_with_an_edited_caption(qtbot, qapp, make_window, link, library, app_data,
                                                            fake_output):
    from soundloom.desktop.training_folder import training_folders_dir

    before = fingerprint(library)
    window, dock = host_window(make_window, link, library)
    choose_source(qtbot, dock, "Folder: Hallway Foley")
    qtbot.waitUntil(lambda: dock.dataset.rowCount() == 6, timeout=60_000)

    # The preview: the four sounds with captions from their names, then the two skipped with why.
    assert sorted(c.path for c in dock.dataset.clips) == sorted(name for name, _, _ in SOUNDS)
    reasons = {s.path: s.reason for s in dock.dataset.skipped}
    assert reasons[TOO_SHORT].startswith("too short") and reasons[NOT_AUDIO].startswith("unreadable")
    assert "4 clips" in dock.summary.text() and "2 skipped" in dock.summary.text()
    skipped_row = dock.dataset.index(4, 2)
    assert dock.dataset.data(skipped_row).startswith("skipped: ")
    assert not dock.dataset.flags(skipped_row) & Qt.ItemFlag.ItemIsEditable
    assert dock.name_edit.text() == "Hallway-Foley"

    edited_row = next(i for i, c in enumerate(dock.dataset.clips) if c.path.startswith("METLAnvl"))
    edit_caption(qtbot, dock, edited_row, "a bright anvil hit that rings out")
    assert dock.dataset.captions()[dock.dataset.clips[edited_row].path] == "a bright anvil hit that rings out"
    assert "1 caption edited" in dock.summary.text()

    name = "hallway-anvil"
    dock.name_edit.setText(name)
    dock.steps_box.setValue(2)
    dock.validate_box.setValue(2)  # one render, at the last step: each render costs seconds
    dock.prompt_edit.setText("a bright anvil hit")
    grown = []  # how many loss points the plot held each time one arrived
    link.loss.connect(lambda job_id, step, loss: grown.append(len(dock.plot.points)))
    probe = StallProbe()
    assert isinstance(qapp, TimedApplication)
    probe.start()
    qapp.start_timing()
    qtbot.mouseClick(dock.train_button, Qt.MouseButton.LeftButton)
    assert not dock.train_button.isEnabled() and not dock.source_box.isEnabled()
    qtbot.waitUntil(lambda: dock.job_id is not None, timeout=30_000)
    assert dock.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: dock.finished_result is not None or not dock.running, timeout=240_000)
    qapp.stop_timing()
    probe.stop()
    print(f"fine-tuning: UI thread longest event {qapp.longest * 1000:.1f} ms CPU ({qapp.longest_event}) of "
          f"{qapp.events}; longest gap between 10 ms ticks {probe.max_gap * 1000:.0f} ms")

    assert dock.finished_result is not None, dock.state_label.text()
    assert dock.finished_result["model"].endswith(f"+{name}") and dock.finished_result["steps"] == 2
    # The loss arrived step by step while training ran, and the plot grew with it.
    assert [step for step, _ in dock.plot.points] == [1, 2] and len(grown) == 2 and grown[-1] > grown[0]
    assert "is ready" in dock.state_label.text() and dock.train_button.isEnabled()
    # The adapter is in the link's model list: the model picker offers it.
    qtbot.waitUntil(lambda: any(m["name"] == dock.finished_result["model"] for m in link.models), timeout=60_000)
    entry = next(m for m in link.models if m["name"] == dock.finished_result["model"])
    assert entry["kind"] == "adapter"
    picker = window.prompt_bar.models.combo
    at = picker.findData(dock.finished_result["model"], Qt.ItemDataRole.UserRole)
    assert at > 0 and picker.model().item(at).isEnabled()  # the model picker offers it, ready to use

    # Validation renders are listed, saved outside the library, and play.
    qtbot.waitUntil(lambda: len(dock.renders) >= 1, timeout=30_000)
    assert dock.renders_list.count() == len(dock.renders)
    assert all(os.path.isfile(p) and str(app_data) in p for p in dock.renders)
    row = dock.renders_list.itemWidget(dock.renders_list.item(0))
    qtbot.mouseClick(row.play_button, Qt.MouseButton.LeftButton)
    assert window.audition.playing and fake_output.starts == 1

    # The edited caption reached the engine through a training folder of links in the app's data
    # folder; the library itself was only read.
    trained = training_folders_dir() / name
    anvil = trained / dock.dataset.clips[edited_row].path
    assert anvil.is_symlink() and os.path.samefile(anvil, library / dock.dataset.clips[edited_row].path)
    answers = []
    link.library_preview(trained, answers.append)
    qtbot.waitUntil(lambda: bool(answers), timeout=60_000)
    used = {c["path"]: (c["caption"], c["caption_source"]) for c in answers[0]["clips"]}
    assert used[dock.dataset.clips[edited_row].path] == ("a bright anvil hit that rings out", "sidecar")
    assert fingerprint(library) == before

    # Training again under the same name is refused before anything is sent, naming the field.
    errors = []
    window.show_error = errors.append
    qtbot.mouseClick(dock.train_button, Qt.MouseButton.LeftButton)
    assert errors == [f"name: an adapter named '{name}' exists; choose another name, or Resume it"]
    assert not dock.running

    # The UI thread never handled one long event while the engine trained. The wall clock also
    # counts waiting for a core, and the training process competes for them: only a freeze (a
    # blocking wait on the engine) is caught there.
    assert qapp.longest < UI_EVENT_LIMIT_S, f"the UI thread spent {qapp.longest * 1000:.0f} ms on {qapp.longest_event}"
    assert probe.max_gap < 3.0, f"the event loop stalled {probe.max_gap * 1000:.0f} ms"


def test_a_collection_is_previewed_through_links_with_the_library_captions(qtbot, make_window, link, library,
                                                                           app_data):
    from soundloom.desktop.training_folder import training_folders_dir

    before = fingerprint(library)
    window, dock = host_window(make_window, link, library)
    chosen = [str(library / SOUNDS[0][0]), str(library / SOUNDS[2][0])]
    done = []
    window.library.call(lambda index: index.add_to_collection("Hits", chosen), done.append)
    window.library.call(lambda index: index.set_caption(chosen[0], "an oak door slammed hard"), done.append)
    qtbot.waitUntil(lambda: len(done) == 2, timeout=30_000)

    choose_source(qtbot, dock, "Collection: Hits")
    qtbot.waitUntil(lambda: dock.dataset.rowCount() == 2, timeout=60_000)
    # The engine read a folder of links in the app's data folder, with the library's captions
    # (the one the user set in the app included).
    assert str(training_folders_dir()) in dock.preview_folder_path
    assert sorted(dock.dataset.source_path(c) for c in dock.dataset.clips) == sorted(chosen)
    captions = {os.path.basename(dock.dataset.source_path(c)): c.caption for c in dock.dataset.clips}
    assert captions[SOUNDS[0][0]] == "an oak door slammed hard"
    assert "collection “Hits”, linked, not copied" in dock.summary.text()
    assert dock.name_edit.text() == "Hits"
    # The picker keeps showing what was chosen when the library's folders and collections are re-read.
    dock.refresh_sources()
    barrier = []  # the library thread answers in order: this comes after the refresh
    window.library.call(lambda index: None, barrier.append)
    qtbot.waitUntil(lambda: bool(barrier), timeout=30_000)
    assert dock.source_box.currentText() == "Collection: Hits"
    # Only what an adapter name may hold can be typed; without a name there is nothing to train.
    dock.name_edit.clear()
    assert not dock.train_button.isEnabled()
    qtbot.keyClicks(dock.name_edit, "door hits!")
    assert dock.name_edit.text() == "doorhits" and dock.train_button.isEnabled()
    assert fingerprint(library) == before


def test_a_folder_outside_the_engine_library_roots_is_refused_plainly(qtbot, make_window, link, tmp_path, app_data):
    outside = write_training_library(tmp_path / "Elsewhere")
    window, dock = host_window(make_window, link)
    errors = []
    window.show_error = errors.append
    dock.preview_folder(str(outside))
    qtbot.waitUntil(lambda: dock.summary.text().startswith("Cannot preview"), timeout=60_000)
    assert "outside the library roots" in dock.summary.text() and "folder" in errors[0]
    assert not dock.train_button.isEnabled() and dock.dataset.rowCount() == 0


def test_steps_start_at_auto_so_the_engine_scales_them_with_the_library(make_window, link):
    _, dock = host_window(make_window, link)
    assert dock.steps_box.value() == 0 and dock.steps_box.text() == "auto"
    dock.steps_box.setValue(300)
    assert dock.steps_box.text() == "300"
    # One name for one idea: a row renders "a test", and the list below is of test renders.
    labels = [label.text() for label in dock.findChildren(QLabel)]
    assert "Render a test every" in labels and "Test renders" in labels and "Validation renders" not in labels
