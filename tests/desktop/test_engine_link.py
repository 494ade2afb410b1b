"""EngineLink against a real engine daemon (tiny model) over real sockets."""

from __future__ import annotations

import numpy as np
import pytest


def _collect(link):
    seen = {"added": [], "progress": [], "result": {}, "failed": {}, "cancelled": []}
    link.job_added.connect(lambda view: seen["added"].append(view))
    link.job_progress.connect(lambda job_id, step, total, eta: seen["progress"].append((job_id, step, total)))
    link.job_result.connect(lambda job_id, clips: seen["result"].__setitem__(job_id, clips))
    link.job_failed.connect(lambda job_id, reason: seen["failed"].__setitem__(job_id, reason))
    link.job_cancelled.connect(lambda job_id: seen["cancelled"].append(job_id))
    return seen


def test_status_and_models_come_from_the_engine(link, desktop_engine):
    assert link.status.connected and link.status.device == "cpu"
    assert link.status.model and any(m["kind"] == "base" and m["name"] == link.status.model for m in link.models)
    assert link.can_generate


def test_a_generate_job_reports_progress_then_its_clips(qtbot, link):
    seen = _collect(link)
    job_id = link.submit("generate", "door creak", prompt="door creak", seconds=1.0, steps=3, seed=5, variations=2)
    assert seen["added"][0].id == job_id and seen["added"][0].total == 3
    qtbot.waitUntil(lambda: job_id in seen["result"] or job_id in seen["failed"], timeout=120_000)
    assert job_id not in seen["failed"], seen["failed"]
    clips = seen["result"][job_id]
    assert len(clips) == 2 and [c.metadata["seed"] for c in clips] == [5, 6]
    assert clips[0].seconds == pytest.approx(1.0, abs=0.05) and np.isfinite(clips[0].samples).all()
    assert any(p[0] == job_id and p[2] == 3 for p in seen["progress"])


def test_bad_input_fails_the_job_with_the_field_named(qtbot, link):
    seen = _collect(link)
    job_id = link.submit("generate", "too long", prompt="x", seconds=500.0, steps=2)
    qtbot.waitUntil(lambda: job_id in seen["failed"], timeout=60_000)
    assert "seconds" in seen["failed"][job_id]
    # The link carries on.
    again = link.submit("generate", "ok", prompt="x", seconds=0.5, steps=2)
    qtbot.waitUntil(lambda: again in seen["result"], timeout=120_000)


def test_a_library_preview_answers_on_the_gui_thread(qtbot, link, desktop_engine):
    answers = []
    link.library_preview(desktop_engine.library_root, answers.append)
    qtbot.waitUntil(lambda: bool(answers), timeout=60_000)
    assert isinstance(answers[0], dict) and answers[0]["clips"] == []
