"""The SDK against the real daemon (`python -m soundloom.engine serve`) on a tiny random-weight model."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest

from soundloom.sdk import Client, EngineDiedError, JobCancelledError

@pytest.fixture
def launched(tiny_model_path, tmp_path, monkeypatch):
    """A Client that launched a real engine serving the tiny model; closed (and the engine shut down) after."""
    monkeypatch.setenv("SOUNDLOOM_RUNTIME_DIR", str(tmp_path / "run"))
    client = Client.connect(timeout=120, engine_args=["--model", str(tiny_model_path), "--data-dir", str(tmp_path / "data")])
    yield client
    client.close()


def test_operations_progress_cancel_and_shutdown(launched, tmp_path):
    assert launched.started_engine
    assert launched.info()["default_model"] == launched.models.list()[0]["name"]
    events = []
    clips = launched.generate("rain", seconds=1.0, steps=3, seed=5, variations=2, on_progress=lambda *e: events.append(e))
    assert [c.metadata["seed"] for c in clips] == [5, 6]
    assert clips[0].samples.shape == (1, round(clips[0].sample_rate * 1.0))
    assert events and events[-1][:2] == (3, 3)

    source = clips[0]
    cut = round(0.2 * source.sample_rate)
    patched = launched.inpaint(source, "a dog bark", [(0.2, 0.5)], steps=2, seed=1)
    np.testing.assert_array_equal(patched.samples[:, :cut], source.samples[:, :cut])  # bit-identical outside
    longer = launched.extend((source.samples, source.sample_rate), "more rain", 1.0, steps=2)
    np.testing.assert_array_equal(longer.samples[:, : source.samples.shape[1]], source.samples)

    job = launched.submit_generate("a very long drone", seconds=5, steps=500)
    next(iter(job.progress))
    assert job.cancel() == "cancelled"
    with pytest.raises(JobCancelledError):
        job.result(timeout=30)

    again = launched.submit_generate("tick", seconds=0.5, steps=2, seed=3)
    assert launched.resend_pending() == 1  # the engine answers the repeat from the same job
    assert again.result(timeout=60).metadata["seed"] == 3

    process = launched._async._engine.process
    launched.close()
    assert process.returncode == 0
    assert not (tmp_path / "run" / "engine.json").exists()


def test_a_killed_engine_fails_the_pending_result_within_3_s(launched):
    job = launched.submit_generate("a very long drone", seconds=5, steps=500)
    next(iter(job.progress))
    os.kill(launched.info()["pid"], signal.SIGKILL)
    killed = time.monotonic()
    with pytest.raises(EngineDiedError):
        job.result(timeout=30)
    assert time.monotonic() - killed < 3.0
