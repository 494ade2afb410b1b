"""Regenerate Selection in the main window, over a real engine (tiny model), a real index and real
files: takes are new files in the takes folder, keeping one adds a new sound that is bit-identical
to the original outside the region, a damaged take is refused, keep and discard undo, and A/B
switches what plays at the same position. Audio output is the FakeOutput (no sound card here)."""

from __future__ import annotations

import os

import numpy as np
import pytest
import soundfile as sf
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QApplication

from soundloom.desktop.detail import provenance_rows
from soundloom.sdk.audio_file import read_metadata
from soundloom.sdk.bwf import bext_description, read_chunks

from regen_helpers import clip_24bit_stereo, native, regenerate, sha, split_by_region

RATE = 48000


@pytest.fixture
def hosted(make_window, link, tmp_path):
    """(window, panel, clip): a MainWindow over a folder with one 24-bit stereo clip, shown, with a
    RegenDock hosted the way the window hosts its docks."""
    from soundloom.desktop.regen_dock import RegenDock

    folder = tmp_path / "Library"
    clip = clip_24bit_stereo(folder)
    window = make_window(folder, link=link)
    dock = getattr(window, "regen_dock", None)
    if dock is None:
        dock = RegenDock(window)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    window.select_first()
    assert window.current_record().path == os.fspath(clip)
    window.volume.setValue(100)  # unity gain: what plays is the file's samples
    return window, dock.panel, clip


def test_regenerate_keep_undo_redo(qtbot, hosted, tmp_path):
    window, panel, clip = hosted
    original = sha(clip)
    library_files = sorted(os.listdir(clip.parent))
    region = (0.3, 0.6)
    takes = regenerate(qtbot, panel, window.timeline, region, takes=2)
    assert [t.number for t in takes] == [1, 2] and len({t.path for t in takes}) == 2
    assert all(t.path.parent == tmp_path / "data" / "takes" for t in takes)
    assert sorted(os.listdir(clip.parent)) == library_files  # the library folder is never written
    assert panel.list.count() == 2

    # Discarding takes a take off the list, never off the disk; undo brings it back.
    panel.takes.select(takes[0].path)
    panel.discard_selected()
    assert [t.path for t in panel.takes.takes] == [takes[1].path] and takes[0].path.exists()
    window.undo_stack.undo()
    assert [t.path for t in panel.takes.takes] == [takes[0].path, takes[1].path]

    panel.takes.select(takes[1].path)
    kept = panel.keep_selected()
    assert kept is not None and kept.parent == tmp_path / "data" / "generated" and kept != clip
    assert sha(clip) == original
    outside_kept, inside_kept = split_by_region(native(kept), RATE, region)
    outside_orig, inside_orig = split_by_region(native(clip), RATE, region)
    assert native(kept).dtype == np.int32 and sf.info(str(kept)).subtype == "PCM_24"
    assert np.array_equal(outside_kept, outside_orig)
    assert not np.array_equal(inside_kept, inside_orig)
    # Provenance: the engine's settings plus parent and region in the file, a bext line, the lineage shown.
    settings = read_metadata(kept)
    assert settings["prompt"] == "glass shatter" and settings["seed"] == 4 and settings["model"]  # take 2: seed + 1
    assert settings["parent"] == os.fspath(clip) and settings["regions"] == [list(region)]
    assert "prompt: glass shatter" in bext_description(read_chunks(kept)[b"bext"])
    assert provenance_rows(os.fspath(kept))["Made from"] == "Door Slam.wav 0.30–0.60 s"
    qtbot.waitUntil(lambda: window.results.row_of(os.fspath(kept)) >= 0, timeout=30_000)  # shown beside the source
    assert window.results.row_of(os.fspath(clip)) >= 0

    window.undo_stack.undo()
    assert not kept.exists() and takes[1].path.exists()
    assert panel.takes.get(takes[1].path).state == "candidate"
    window.undo_stack.redo()
    again = panel.takes.get(takes[1].path)
    assert again.state == "kept" and again.kept.exists() and sha(again.kept) == sha(takes[1].path)
    assert sha(clip) == original



def test_a_take_changed_outside_its_region_is_not_kept(qtbot, hosted, tmp_path):
    window, panel, clip = hosted
    take = regenerate(qtbot, panel, window.timeline, (0.5, 0.7), takes=1)[0]
    data = native(take.path)
    data[100, 1] += 1 << 8  # one 24-bit step (int32 holds 24-bit samples left-aligned) at frame 100
    sf.write(str(take.path), data, RATE, subtype="PCM_24")
    stack_size = window.undo_stack.count()
    assert panel.keep_selected() is None
    assert "frame 100" in panel.last_error and "not kept" in panel.last_error
    assert not (tmp_path / "data" / "generated").exists() or not os.listdir(tmp_path / "data" / "generated")
    assert panel.takes.get(take.path).state == "candidate" and window.undo_stack.count() == stack_size


def test_ab_switches_what_plays_at_the_same_position(qtbot, hosted, fake_output):
    window, panel, clip = hosted
    region = (0.2, 0.8)
    take = regenerate(qtbot, panel, window.timeline, region, takes=1)[0]
    original = sf.read(str(clip), dtype="float32", always_2d=True)[0]
    regenerated = sf.read(str(take.path), dtype="float32", always_2d=True)[0]

    panel.play_side("B")  # from just before the region: 0.2 − 0.5 s pre-roll → the start
    assert panel.ab.side == "B" and fake_output.running
    played = fake_output.advance(0.4)
    assert np.array_equal(played, regenerated[: int(0.4 * RATE)])
    starts = fake_output.starts
    panel.ab_action.trigger()  # the A/B key
    assert panel.ab.side == "A" and fake_output.starts == starts + 1
    at = slice(int(0.4 * RATE), int(0.5 * RATE))
    played = fake_output.advance(0.1)
    assert np.array_equal(played, original[at]) and not np.array_equal(played, regenerated[at])
    panel.ab_action.trigger()
    played = fake_output.advance(0.1)
    assert panel.ab.side == "B" and np.array_equal(played, regenerated[int(0.5 * RATE): int(0.6 * RATE)])
    window.audition.stop()
    window.toggle_play()  # Space plays the sound shown, the original: A/B follows
    assert panel.ab.side == "A"
    played = fake_output.advance(0.1)
    assert np.array_equal(played, original[: int(0.1 * RATE)])
    # The key itself, typed with focus in the results table: window-wide, even with the dock behind a tab.
    window.activateWindow()
    window.table.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.table)
    qtbot.keyClick(window.table, "`")
    assert panel.ab.side == "B"
    assert np.array_equal(fake_output.advance(0.1), regenerated[int(0.1 * RATE): int(0.2 * RATE)])


def test_bad_requests_say_what_to_change_and_send_nothing(qtbot, hosted):
    window, panel, clip = hosted
    panel.prompt.setText("thunder")
    window.timeline.clear_selection()
    assert panel.regenerate() is None and panel.last_error.startswith("selection: none")
    window.timeline.select(0.5, 0.52)
    assert panel.regenerate() is None and "select at least 0.05 s" in panel.last_error
    window.timeline.select(0.2, 0.5)
    panel.prompt.setText("   ")
    assert panel.regenerate() is None and panel.last_error.startswith("prompt: empty")
    panel.prompt.setText("thunder")
    panel.seed.setText("-4")
    assert panel.regenerate() is None and panel.last_error.startswith("seed:")
    assert not panel.jobs
    assert window.statusBar().currentMessage().startswith("⚠ seed:")


def test_no_engine_is_explained_by_the_link_status(qtbot, make_window, tmp_path):
    from soundloom.desktop.engine_link import EngineLink
    from soundloom.desktop.regen_dock import RegenDock

    folder = tmp_path / "Library"
    clip_24bit_stereo(folder)
    nowhere = EngineLink(tmp_path / "run" / "no-engine.json", start_engine=False)
    nowhere.start()
    try:
        window = make_window(folder, link=nowhere)
        dock = RegenDock(window)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        window.select_first()
        qtbot.waitUntil(lambda: "not running" in dock.panel.engine_label.text(), timeout=30_000)
        window.timeline.select(0.2, 0.5)
        dock.panel.prompt.setText("thunder")
        assert dock.panel.regenerate() is None
        assert dock.panel.last_error.startswith("engine: not available — Engine: not running")
        assert not dock.panel.jobs
    finally:
        nowhere.stop()


def wait_for_takes(qtbot, panel, count, timeout=120_000):
    """Wait until the sound shown lists `count` takes (or an error); on timeout, say what there was."""
    try:
        qtbot.waitUntil(lambda: len(panel.takes.takes) == count or bool(panel.last_error), timeout=timeout)
    except Exception as exc:
        raise AssertionError(f"{len(panel.takes.takes)} takes of {panel.takes.source}, all: "
                             f"{[(t.source.name, t.kind) for t in panel.takes._takes]}, jobs {panel.jobs}, "
                             f"progress {panel.progress_label.text()!r}, engine {panel.engine_label.text()!r}") from exc
    assert not panel.last_error, panel.last_error


def test_reimagine_preview_variations_and_extend(qtbot, hosted, fake_output, tmp_path):
    window, panel, clip = hosted
    panel.prompt.setText("metal door slam")
    panel.steps.setValue(3)
    panel.seed.setText("11")
    panel.count.setValue(2)
    panel.strength.setValue(60)

    previews = []
    panel.preview_ready.connect(previews.append)
    assert panel.preview_transfer() is not None
    qtbot.waitUntil(lambda: bool(previews) or bool(panel.last_error), timeout=120_000)
    assert not panel.last_error
    assert fake_output.running and sf.info(previews[0]).frames == RATE  # the 1 s clip is shorter than the preview span

    assert panel.transfer() is not None
    wait_for_takes(qtbot, panel, 2)
    reimagined = panel.takes.takes[0]
    fmt = sf.info(str(reimagined.path))
    assert reimagined.kind == "transfer" and reimagined.strength == pytest.approx(0.6)
    assert (fmt.samplerate, fmt.channels, fmt.frames, fmt.subtype) == (RATE, 2, RATE, "PCM_24")

    panel.extend_seconds.setValue(0.5)
    assert panel.extend() is not None
    wait_for_takes(qtbot, panel, 4)  # two more: the take count is still 2
    extended = panel.takes.takes[-1]
    assert extended.kind == "extend" and sf.info(str(extended.path)).frames == int(1.5 * RATE)
    assert sf.read(str(extended.path), dtype="float32")[0][: RATE - 1] == pytest.approx(
        sf.read(str(clip), dtype="float32")[0][: RATE - 1], abs=1e-6)

    made = []
    panel.variations_ready.connect(made.extend)
    assert panel.variations() is not None
    qtbot.waitUntil(lambda: bool(made) or bool(panel.last_error), timeout=120_000)
    assert not panel.last_error and len(made) == 2
    assert all(os.path.dirname(p) == os.fspath(tmp_path / "data" / "generated") for p in made)
    qtbot.waitUntil(lambda: all(window.results.row_of(os.fspath(p)) >= 0 for p in made), timeout=30_000)
    # The results list is the group: the source and its variations, nothing else.
    assert {r.path for r in window.results.records} == {os.fspath(clip), *map(os.fspath, made)}
