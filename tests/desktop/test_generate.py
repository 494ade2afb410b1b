"""Generating from the browser against a real engine (tiny model) over real sockets: the prompt bar,
the jobs panel, saving into Generated, indexing, searching and auditioning the takes."""

from __future__ import annotations

import os

import soundfile as sf
from PyQt6.QtCore import Qt

from soundloom.desktop.jobs_model import CANCELLED, DONE
from soundloom.sdk.audio_file import read_metadata
from soundloom.sdk.bwf import bext_description, read_chunks


def quick(window, prompt: str, seconds: float = 1.0, steps: int = 3, takes: int = 1) -> None:
    bar = window.prompt_bar
    bar.prompt.setText(prompt)
    bar.length.setValue(seconds)
    bar.steps.setValue(steps)
    bar.variations.setValue(takes)


def generated_records(window, prompt: str) -> list:
    return [r for r in window.results.records if r.prompt == prompt]


def test_enter_generates_takes_that_play_at_once_and_are_found_by_their_prompt(qtbot, make_window, link, fake_output):
    window = make_window(link=link)
    quick(window, "glass bottle clink", takes=2)
    window.prompt_bar.prompt.setFocus()
    qtbot.keyClick(window.prompt_bar.prompt, Qt.Key.Key_Return)
    assert len(window.jobs_model.rows) == 2  # the first take is its own job, so it is heard first

    qtbot.waitUntil(lambda: len(generated_records(window, "glass bottle clink")) == 2, timeout=120_000)
    assert window._showing_generated()
    records = generated_records(window, "glass bottle clink")
    assert {r.seed for r in records} == {int(window.prompt_bar.seed.text()), int(window.prompt_bar.seed.text()) + 1}
    assert all(row.state == DONE for row in window.jobs_model.rows)
    # The first take started playing as soon as it was saved, and the second did not cut it off.
    qtbot.waitUntil(lambda: not window.searching and window.current_record() is not None, timeout=30_000)
    assert fake_output.starts == 1 and window.audition.playing
    assert window.current_record().path == window._now_playing
    assert os.path.dirname(window._now_playing) == str(window.generated_folder())
    first = records[0].path
    assert sf.info(first).duration == 1.0
    assert read_metadata(first)["prompt"] == "glass bottle clink"
    assert "prompt: glass bottle clink" in bext_description(read_chunks(first)[b"bext"])
    assert not [p for p in os.listdir(window.generated_folder()) if p.startswith(".")]  # no temporary left

    window.search_bar.text.setText("bottle clink")
    qtbot.waitUntil(lambda: window.query.text == "bottle clink" and not window.searching, timeout=30_000)
    assert {r.path for r in records} <= {r.path for r in window.results.records}
    assert not window.generate_offer.isVisible()

    # Double-clicking a finished job shows its takes again.
    view = window.jobs_panel.view
    newest = window.jobs_model.rows[-1]
    centre = view.visualRect(window.jobs_model.index(len(window.jobs_model.rows) - 1)).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=centre)  # a double click starts with a press
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    made = [str(p) for p in window.generation.paths_of[newest.id]]
    qtbot.waitUntil(lambda: window._showing_generated() and not window.searching and window.current_record() is not None
                    and window.current_record().path == made[0], timeout=30_000)
    assert not window.search_bar.text.text()


def test_an_empty_prompt_sends_nothing_and_says_why(qtbot, make_window, link):
    window = make_window(link=link)
    window.prompt_bar.prompt.setText("   ")
    qtbot.keyClick(window.prompt_bar.prompt, Qt.Key.Key_Return)
    assert window.prompt_bar.message.isVisible() and "prompt" in window.prompt_bar.message.text()
    assert window.jobs_model.rows == []
    # Out of range lengths are refused the same way, naming the field and the range.
    window.prompt_bar.prompt.setText("wind")
    window.prompt_bar.unit.setCurrentText("bars")
    window.prompt_bar.bpm.setValue(60)
    window.prompt_bar.length.setValue(20)
    assert not window.prompt_bar.generate()
    assert window.prompt_bar.message.text().startswith("length: 20 bars at 60 BPM = 80.00 s; allowed 0.5–60 s")
    assert window.jobs_model.rows == []


def test_a_job_can_be_cancelled_from_the_jobs_panel(qtbot, make_window, link):
    window = make_window(link=link)
    quick(window, "long drone", seconds=5.0, steps=1000)
    assert window.prompt_bar.generate()
    job = window.jobs_model.rows[-1]
    qtbot.waitUntil(lambda: job.step >= 1, timeout=120_000)
    view = window.jobs_panel.view
    last = window.jobs_model.index(len(window.jobs_model.rows) - 1)
    button = window.jobs_panel.delegate.cancel_rect(view.visualRect(last))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=button.center())
    assert job.cancelling or job.state == CANCELLED
    qtbot.waitUntil(lambda: job.state == CANCELLED, timeout=60_000)
    assert job.step < job.total
    assert not generated_records(window, "long drone")


def test_generate_it_offers_to_generate_a_search_that_finds_nothing(qtbot, make_window, link, small_library):
    window = make_window(small_library, link=link)
    assert not window.generate_offer.isVisible()
    window.search_bar.text.setText("ceramic wind chimes")
    qtbot.waitUntil(lambda: window.generate_offer.isVisible(), timeout=30_000)
    assert "ceramic wind chimes" in window.generate_offer.button.text()
    window.prompt_bar.steps.setValue(3)
    window.prompt_bar.length.setValue(1.0)
    qtbot.mouseClick(window.generate_offer.button, Qt.MouseButton.LeftButton)
    assert window.prompt_bar.prompt.text() == "ceramic wind chimes"
    qtbot.waitUntil(lambda: bool(generated_records(window, "ceramic wind chimes")), timeout=120_000)
    # A search that finds something offers nothing.
    window.search_bar.text.setText("ceramic")
    qtbot.waitUntil(lambda: window.query.text == "ceramic" and not window.searching, timeout=30_000)
    window.search_bar.text.setText("door")
    qtbot.waitUntil(lambda: window.query.text == "door" and not window.searching, timeout=30_000)
    assert window.results.records and not window.generate_offer.isVisible()
