"""A dying engine: every pending call and job result raises EngineDiedError instead of waiting.

How soon the heartbeat notices is a matter of its settings (sdk/heartbeat.py); these tests only
bound it generously, far below the waits that would show a hang."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from soundloom.sdk import Client, EngineDiedError, SoundloomError

DEADLINE_S = 30.0  # a dead engine is noticed long before this; a call that waits for it never is


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
    deadline = time.monotonic() + DEADLINE_S
    while not engine.requests_of("model_load_request"):  # the load reached the engine, which holds it
        assert time.monotonic() < deadline, "the load request never reached the engine"
        time.sleep(0.01)
    engine.hang()  # no echo, no replies; the process (this one) lives on, so only the heartbeat can tell
    died_at = time.monotonic()
    with pytest.raises(EngineDiedError) as caught:
        job.result(timeout=2 * DEADLINE_S)  # a TimeoutError instead would mean nobody noticed
    assert time.monotonic() - died_at < DEADLINE_S
    assert "heartbeat" in str(caught.value)
    assert isinstance(caught.value, SoundloomError)
    load_thread.join(DEADLINE_S)
    assert isinstance(load.get("error"), EngineDiedError)
    assert load["at"] - died_at < DEADLINE_S
    assert job.status == "error"
    # Later calls fail at once: the heartbeat reports a death only once, so a call that sent its
    # request and waited for an answer would end in a TimeoutError instead.
    with pytest.raises(EngineDiedError):
        client.ping(timeout=DEADLINE_S)


def test_a_killed_engine_process_fails_a_pending_result(engine_process):
    proc, path = engine_process
    with Client.connect(path, start=False, timeout=DEADLINE_S) as client:
        job = client.submit_generate("endless", seconds=1, steps=1000)
        assert client.job_status(job.job_id)["state"] in ("queued", "running")
        os.kill(proc.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        proc.wait()  # reap it, as init would for an engine that is not our child
        with pytest.raises(EngineDiedError) as caught:
            job.result(timeout=2 * DEADLINE_S)
        assert time.monotonic() - killed_at < DEADLINE_S
        assert str(proc.pid) in str(caught.value)
