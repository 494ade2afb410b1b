"""A dying engine: every pending call and job result raises EngineDiedError within 3 s."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from soundloom.sdk import Client, EngineDiedError, SoundloomError

DEADLINE_S = 3.0


def _outcome_in_thread(call):
    """Run `call` on a thread; returns a dict that gets `error` and `elapsed` (from `started`)."""
    box = {}

    def run():
        try:
            box["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - the test inspects whatever was raised
            box["error"] = exc
        box["at"] = time.monotonic()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return box, thread


def test_an_engine_that_stops_echoing_fails_pending_calls_and_jobs(client, engine):
    engine.step_s = 0.05
    job = client.submit_generate("endless", seconds=1, steps=1000)
    engine.hold_replies.set()
    load, load_thread = _outcome_in_thread(lambda: client.models.load("fake-model"))
    time.sleep(0.2)
    engine.hang()  # no echo, no replies; the process (this one) lives on, so only the heartbeat can tell
    died_at = time.monotonic()
    with pytest.raises(EngineDiedError) as caught:
        job.result(timeout=10)
    assert time.monotonic() - died_at < DEADLINE_S
    assert "heartbeat" in str(caught.value)
    assert isinstance(caught.value, SoundloomError)
    load_thread.join(DEADLINE_S)
    assert isinstance(load.get("error"), EngineDiedError)
    assert load["at"] - died_at < DEADLINE_S
    assert job.status == "error"
    started = time.monotonic()
    with pytest.raises(EngineDiedError):  # later calls fail at once instead of waiting
        client.ping(timeout=None)
    assert time.monotonic() - started < 0.5


def test_a_killed_engine_process_fails_a_pending_result(engine_process):
    proc, path = engine_process
    with Client.connect(path, start=False, timeout=5) as client:
        job = client.submit_generate("endless", seconds=1, steps=1000)
        assert client.job_status(job.job_id)["state"] in ("queued", "running")
        os.kill(proc.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        proc.wait()  # reap it, as init would for an engine that is not our child
        with pytest.raises(EngineDiedError) as caught:
            job.result(timeout=10)
        elapsed = time.monotonic() - killed_at
        assert elapsed < DEADLINE_S
        assert str(proc.pid) in str(caught.value)
