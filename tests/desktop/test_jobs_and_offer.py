"""What a job row says as it goes (steps, time left, outcome, why it failed), and when a search
counts as finding nothing worth hearing, so "Generate it" is offered."""

from __future__ import annotations

from types import SimpleNamespace

from soundloom.desktop.generate_offer import WEAK_SCORE, nothing_good
from soundloom.desktop.jobs_model import CANCELLED, DONE, FAILED, JobsModel


def test_a_job_row_shows_steps_and_time_left_then_its_outcome(qtbot):
    model = JobsModel()
    model.add("a", "generate", "rain · 2 s · take 1 of 1", 10)
    row = model.rows[0]
    assert row.status_text() == "waiting" and row.fraction == 0.0
    model.progress("a", 3, 10, 9.2)
    assert row.status_text() == "3/10 · 9.2 s left" and row.fraction == 0.3
    model.progress("a", 4, 10, 125.0)
    assert row.status_text() == "4/10 · 2 min 05 s left"
    assert [r.id for r in model.active()] == ["a"]
    model.finish("a", "saved")
    assert row.state == DONE and row.status_text() == "saved" and row.fraction == 1.0 and not model.active()

    model.add("b", "generate", "wind", 10)
    model.fail("b", "engine: stopped while the job ran")
    assert model.rows[1].state == FAILED and model.rows[1].reason == "engine: stopped while the job ran"
    model.add("c", "generate", "hum", 10)
    model.cancelled("c")
    assert model.rows[2].state == CANCELLED and model.rows[2].status_text() == "cancelled"


class Found(list):
    """Search results as the library returns them: a list that says whether meaning was searched."""

    def __init__(self, records, semantic):
        super().__init__(records)
        self.semantic = semantic


def sound(name, caption="", score=None):
    return SimpleNamespace(name=name, caption=caption, score=score)


def test_generate_it_is_offered_for_no_results_or_only_distant_meaning_matches():
    assert nothing_good(Found([], semantic=False), "ceramic wind chimes")
    assert not nothing_good(Found([], semantic=False), "   ")  # no query: nothing to generate
    # Text search found something: the library has it.
    assert not nothing_good(Found([sound("DOORWood_Slam.wav")], semantic=False), "door")
    # By meaning only, all far away: offered. One close one, or one sharing a word: not offered.
    far = [sound("RAIN_Roof.wav", "rain on a roof", WEAK_SCORE - 0.1)]
    assert nothing_good(Found(far, semantic=True), "ceramic wind chimes")
    close = far + [sound("BELL_Small.wav", "small bell", WEAK_SCORE + 0.1)]
    assert not nothing_good(Found(close, semantic=True), "ceramic wind chimes")
    assert not nothing_good(Found(far + [sound("WIND_Gust.wav", "", 0.05)], semantic=True), "ceramic wind chimes")
