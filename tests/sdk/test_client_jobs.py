"""Jobs through the blocking Client: progress, cancel, status, timeouts, and resending under the same msg_id."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from fake_engine import sine

from soundloom.sdk import JobCancelledError

WAIT_S = 60.0  # long enough for a loaded machine, short of a hang


def wait_until(condition, what: str, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout} s"
        time.sleep(0.01)


def test_progress_reaches_the_iterator_and_the_callback(client, engine):
    engine.step_s = 0.01
    seen = []
    job = client.submit_generate("rain", seconds=0.5, steps=20, on_progress=lambda *p: seen.append(p))
    assert len(job.job_id) == 32 and job.status in ("queued", "running")
    events = list(job.progress)  # ends when the job does
    assert events, "no progress event arrived"
    steps = [step for step, _, _ in events]
    assert steps == sorted(steps) and events[-1][:2] == (20, 20)
    assert all(total == 20 and eta >= 0 for _, total, eta in events)
    assert job.status == "done" and job.done()
    assert seen[-1][:2] == (20, 20) and len(seen) >= len(events) - 1
    assert job.result(timeout=WAIT_S).seconds == 0.5
    assert list(job.progress) == [events[-1]]  # after the end: the last event, then stop


def test_cancel_makes_result_raise_job_cancelled(client, engine):
    engine.step_s = 0.02
    job = client.submit_generate("a very long drone", seconds=1, steps=500)
    next(iter(job.progress))  # wait until it runs
    assert job.status == "running"
    assert job.cancel() == "cancelled"
    with pytest.raises(JobCancelledError) as caught:
        job.result(timeout=WAIT_S)
    assert caught.value.code.value == "cancelled"
    assert job.status == "cancelled"
    assert engine.jobs[job.job_id].step < 500


def test_refresh_asks_the_engine(client, engine):
    engine.hold_replies.set()  # the job stays queued
    job = client.submit_generate("hiss", seconds=0.5, steps=5)
    assert job.refresh() == "queued" and job.position == 0
    engine.hold_replies.clear()
    job.result(timeout=WAIT_S)
    assert job.refresh() == "done"


def test_result_timeout_leaves_the_job_but_generate_timeout_cancels_it(client, engine):
    engine.step_s = 0.02
    job = client.submit_generate("slow", seconds=0.5, steps=1000)  # 20 s at the least
    with pytest.raises(TimeoutError):
        job.result(timeout=0.1)
    assert engine.jobs[job.job_id].state in ("queued", "running")  # still going: result() may be called again
    job.cancel()
    with pytest.raises(TimeoutError):
        client.generate("slower", seconds=0.5, steps=1000, timeout=0.1)
    slower = next(j for j in engine.jobs.values() if j.requests[0]["content"]["prompt"] == "slower")
    wait_until(lambda: slower.state == "cancelled", "cancelling the timed-out job")


def test_a_resent_request_is_answered_once(client, engine):
    engine.step_s = 0.01
    job = client.submit_generate("rain", seconds=0.5, steps=300, seed=4)  # 3 s: still pending when resent
    assert client.resend_pending() == 1
    audio = job.result(timeout=WAIT_S)
    copies = engine.requests_of("generate_request")
    assert [c["header"]["msg_id"] for c in copies] == [job.job_id] * 2
    assert copies[0]["header"]["date"] != copies[1]["header"]["date"]  # a new signature, not a replay
    wait_until(lambda: [r["parent"] for r in engine.replies].count(job.job_id) >= 2, "the second answer")
    assert [r["parent"] for r in engine.replies].count(job.job_id) == 2  # the engine answered each copy
    assert len(engine.jobs) == 1  # ... but ran the job once
    np.testing.assert_array_equal(audio.samples, sine(0.5, 110))
    # The second answer was dropped, not handed to the next call on the same socket.
    assert client.models.list()[0]["name"] == "fake-model"
    assert job.result(timeout=WAIT_S) is audio


def test_requests_are_resent_after_the_shell_reconnects(client, engine):
    engine.drop_shell_on = "generate_request"  # the engine loses the request and rebinds its socket
    audio = client.generate("thunder", seconds=0.5, steps=2, timeout=WAIT_S)
    copies = engine.requests_of("generate_request")
    assert len(copies) == 2 and copies[0]["header"]["msg_id"] == copies[1]["header"]["msg_id"]
    assert audio.metadata["prompt"] == "thunder"


def test_a_client_may_be_used_from_several_threads(client):
    results = {}

    def work(i):
        results[i] = client.generate("tick", seconds=0.5, steps=2, seed=i).metadata["seed"]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_S)
    assert results == {i: i for i in range(4)}


def test_calling_the_client_from_a_progress_callback_is_refused(client, engine):
    engine.step_s = 0.005
    errors = []

    def callback(step, total, eta):
        try:
            client.ping()
        except RuntimeError as exc:
            errors.append(exc)

    client.generate("x", seconds=0.5, steps=3, on_progress=callback, timeout=WAIT_S)
    assert errors and "deadlock" in str(errors[0])
