"""The daemon over real sockets: replies, events, control while busy, cancel, idempotency."""

import time

import numpy as np
import pytest

from soundloom.protocol.codec import attach_audio, extract_audio

QUICK = {"seconds": 0.5, "steps": 2, "guidance": 1.0}


def test_info_and_ping_answer(peer, daemon):
    info = peer.request("info_request")["content"]
    assert info["status"] == "ok" and info["pid"] == daemon.process.pid
    assert info["default_model"] == "tiny-audioldm" and info["protocol_version"] == "5.4"
    assert info["default_steps"] == 25  # the tiny model's folder declares none
    (listed,) = peer.request("models_list_request")["content"]["models"]
    assert (listed["name"], listed["default_steps"]) == ("tiny-audioldm", 25)
    assert peer.request("ping_request", channel="control")["content"] == {"status": "ok"}


def test_generate_returns_audio_buffers_and_reproducible_metadata(peer):
    reply = peer.request("generate_request", {"prompt": "rain", "seed": 9, "variations": 2, **QUICK})
    content = reply["content"]
    assert content["status"] == "ok" and content["job_id"] == reply["parent_header"]["msg_id"]
    assert [d["shape"] for d in content["audio"]] == [[1, 8000], [1, 8000]]
    first, rate = extract_audio(reply, content["audio"][0])
    second, _ = extract_audio(reply, content["audio"][1])
    assert rate == 16000 and np.abs(first).max() > 0.01 and not np.array_equal(first, second)
    meta = content["metadata"]
    assert (meta["seed"], meta["prompt"], meta["steps"], meta["model"]) == (9, "rain", 2, "tiny-audioldm")
    again = peer.request("generate_request", {"prompt": "rain", "seed": 9, "variations": 2, **QUICK})
    assert np.array_equal(extract_audio(again, again["content"]["audio"][1])[0], second)


def test_inpaint_over_the_wire_keeps_samples_outside_the_region(peer):
    rate = 22050
    clip = (0.2 * np.sin(np.arange(rate) / rate * 2 * np.pi * 200)).astype(np.float32)[None].repeat(2, 0)
    msg = {"buffers": []}
    descriptor = attach_audio(msg, clip, rate)
    reply = peer.request(
        "inpaint_request", {"prompt": "x", "audio": descriptor, "regions": [[0.25, 0.5]], "steps": 2, "seed": 1},
        buffers=msg["buffers"],
    )
    out, out_rate = extract_audio(reply, reply["content"]["audio"][0])
    assert out_rate == rate and out.shape == clip.shape
    cut = int(0.25 * rate)
    assert np.array_equal(out[:, :cut], clip[:, :cut]) and np.array_equal(out[:, int(0.5 * rate):], clip[:, int(0.5 * rate):])


def wait_until_running(peer, job_id: str, timeout: float = 120) -> None:
    """Read iopub until the engine announces that `job_id` went busy (the worker took it)."""
    deadline = time.monotonic() + timeout
    while True:
        event = peer.event(max(0.0, deadline - time.monotonic()))
        if (event["parent_header"].get("msg_id") == job_id and event["msg_type"] == "status"
                and event["content"]["execution_state"] == "busy"):
            return


def test_progress_events_are_routed_by_the_request_id(peer):
    sent = peer.send("generate_request", {"prompt": "wind", "seconds": 0.5, "steps": 6, "seed": 0})
    reply = peer.recv()
    assert reply["content"]["status"] == "ok"
    mine = peer.events_until_idle(sent["header"]["msg_id"])
    progress = [e["content"] for e in mine if e["header"]["msg_type"] == "progress"]
    states = [e["content"]["execution_state"] for e in mine if e["header"]["msg_type"] == "status"]
    assert progress and progress[-1]["step"] == progress[-1]["total"] == 6
    assert [p["step"] for p in progress] == sorted(p["step"] for p in progress)
    assert all(p["job_id"] == sent["header"]["msg_id"] for p in progress)
    assert states == ["busy", "idle"]


def test_control_answers_while_a_job_runs_and_cancel_stops_it(peer):
    # How fast control answers is measured by bench/control_latency.py; here: that it answers at all
    # while the worker is busy, i.e. before the job ends.
    sent = peer.send("generate_request", {"prompt": "a long drone", "seconds": 1, "steps": 1000, "seed": 0})
    job_id = sent["header"]["msg_id"]
    wait_until_running(peer, job_id)
    for _ in range(5):
        assert peer.request("ping_request", channel="control")["content"] == {"status": "ok"}
        assert peer.request("info_request", channel="control")["content"]["queue_length"] >= 1
    status = peer.request("job_status_request", {"job_id": job_id}, channel="control")["content"]
    assert status["state"] == "running" and (status["step"] or 0) < 1000
    assert not peer.shell.poll(0)  # the job has not answered yet
    cancelled = peer.request("cancel_request", {"job_id": job_id}, channel="control")["content"]
    assert cancelled["state"] == "cancelled"
    reply = peer.recv(timeout=120)
    assert reply["content"]["code"] == "cancelled"
    status = peer.request("job_status_request", {"job_id": job_id}, channel="control")["content"]
    assert status["state"] == "cancelled" and (status["step"] or 0) < 1000


def test_a_queued_job_can_be_cancelled_before_it_runs(peer):
    blocker = peer.send("generate_request", {"prompt": "x", "seconds": 1, "steps": 1000, "seed": 0})
    wait_until_running(peer, blocker["header"]["msg_id"])
    queued = peer.send("generate_request", {"prompt": "y", "seconds": 0.5, "steps": 2, "seed": 0, "priority": "batch"})
    # Shell is served in order: once this ping is answered, the job above is on the board.
    assert peer.request("ping_request")["content"]["status"] == "ok"
    state = peer.request("job_status_request", {"job_id": queued["header"]["msg_id"]}, channel="control")["content"]
    assert state["state"] == "queued" and state["position"] == 0
    assert peer.request("cancel_request", {"job_id": queued["header"]["msg_id"]}, channel="control")["content"]["state"] == "cancelled"
    peer.request("cancel_request", {"job_id": blocker["header"]["msg_id"]}, channel="control")
    replies = {r["parent_header"]["msg_id"]: r["content"] for r in (peer.recv(timeout=120), peer.recv(timeout=120))}
    assert replies[queued["header"]["msg_id"]]["code"] == "cancelled"
    assert replies[blocker["header"]["msg_id"]]["code"] == "cancelled"


def test_a_resent_request_is_answered_from_the_same_job(peer):
    first = peer.send("generate_request", {"prompt": "rain", "seed": None, **QUICK})
    reply = peer.recv()
    header = dict(first["header"], date="2030-01-01T00:00:00.000000Z")  # same msg_id, new signature
    resent = peer.session.msg("generate_request", {"prompt": "rain", **QUICK}, header=header)
    peer.session.send(peer.shell, resent)
    again = peer.recv()
    assert again["content"]["job_id"] == reply["content"]["job_id"]
    assert again["content"]["metadata"]["seed"] == reply["content"]["metadata"]["seed"]  # not run twice


def test_job_result_fetches_a_finished_result(peer):
    reply = peer.request("generate_request", {"prompt": "hum", "seed": 4, **QUICK})
    fetched = peer.request("job_result_request", {"job_id": reply["content"]["job_id"]})
    assert fetched["content"]["metadata"] == reply["content"]["metadata"]
    assert extract_audio(fetched, fetched["content"]["audio"][0])[0].tobytes() == extract_audio(reply, reply["content"]["audio"][0])[0].tobytes()
    missing = peer.request("job_result_request", {"job_id": "no-such-job"})["content"]
    assert missing["code"] == "job_not_found" and missing["field"] == "job_id"


@pytest.mark.parametrize(
    "msg_type, content, code, field",
    [
        ("generate_request", {"prompt": "x", "seconds": 0}, "out_of_range", "seconds"),
        ("generate_request", {"prompt": "x", "steps": "many"}, "invalid_argument", "steps"),
        ("generate_request", {"seconds": 1}, "invalid_argument", "prompt"),
        ("generate_request", {"prompt": "x", "model": "/etc"}, "model_not_found", "model"),
        ("generate_request", {"prompt": "x", "model": "../../etc/passwd"}, "model_not_found", "model"),
        ("transfer_request", {"prompt": "x", "audio": {"buffer": 3, "dtype": "<f4", "shape": [1, 4], "sample_rate": 16000}}, "invalid_argument", "audio.buffer"),
        ("generate_request", {"prompt": "x", "priority": "urgent"}, "invalid_argument", "priority"),
        ("frobnicate_request", {}, "unknown_message_type", "msg_type"),
        ("job_status_request", {"job_id": 5}, "invalid_argument", "job_id"),
        ("cancel_request", {"job_id": "nope"}, "job_not_found", "job_id"),
    ],
)
def test_bad_requests_get_error_replies_naming_the_field(peer, msg_type, content, code, field):
    reply = peer.request(msg_type, content)["content"]
    assert (reply["status"], reply["code"], reply["field"]) == ("error", code, field)
    assert "Traceback" not in reply["message"]
    assert peer.request("ping_request")["content"]["status"] == "ok"


def test_generate_is_refused_on_the_control_channel(peer):
    reply = peer.request("generate_request", {"prompt": "x"}, channel="control")["content"]
    assert reply["code"] == "unknown_message_type"


def test_models_are_unloaded_and_loaded_on_request_in_queue_order(peer):
    model = peer.request("info_request", channel="control")["content"]["default_model"]
    peer.request("model_load_request", {"model": model}, timeout=120)
    # An unload queued behind a running job waits for it: the job keeps its model to the end.
    job = peer.send("generate_request", {"prompt": "rain", "seed": 2, **QUICK})
    unload = peer.send("model_unload_request", {"model": model})
    first, second = peer.recv(timeout=120), peer.recv(timeout=120)
    assert first["parent_header"]["msg_id"] == job["header"]["msg_id"] and first["content"]["status"] == "ok"
    assert second["parent_header"]["msg_id"] == unload["header"]["msg_id"]
    assert second["header"]["msg_type"] == "model_unload_reply"
    assert second["content"] == {"status": "ok", "model": model, "unloaded": True}
    assert peer.request("info_request")["content"]["models_loaded"] == []
    assert [m["loaded"] for m in peer.request("models_list_request")["content"]["models"] if m["name"] == model] == [False]
    again = peer.request("model_unload_request", {"model": model}, timeout=120)["content"]
    assert again == {"status": "ok", "model": model, "unloaded": False}

    loaded = peer.request("model_load_request", {"model": model}, timeout=120)
    assert loaded["header"]["msg_type"] == "model_load_reply"
    assert loaded["content"]["model"] == model and loaded["content"]["load_s"] > 0
    assert peer.request("info_request")["content"]["models_loaded"] == [model]
    assert peer.request("model_load_request", {"model": model}, timeout=120)["content"]["load_s"] == 0.0  # already warm
    # A result after unloading and loading again is the same as before.
    before = extract_audio(first, first["content"]["audio"][0])[0]
    after = peer.request("generate_request", {"prompt": "rain", "seed": 2, **QUICK}, timeout=120)
    np.testing.assert_array_equal(extract_audio(after, after["content"]["audio"][0])[0], before)


@pytest.mark.parametrize("msg_type", ["model_load_request", "model_unload_request"])
@pytest.mark.parametrize("content, code", [
    ({"model": "no-such-model"}, "model_not_found"),
    ({"model": "/etc"}, "model_not_found"),
    ({"model": 7}, "invalid_argument"),
    ({}, "invalid_argument"),
])
def test_loading_or_unloading_an_unknown_model_is_refused(peer, msg_type, content, code):
    reply = peer.request(msg_type, content)["content"]
    assert (reply["status"], reply["code"], reply["field"]) == ("error", code, "model")
