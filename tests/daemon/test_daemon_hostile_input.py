"""Whatever a key holder sends, the engine answers with a named error and keeps serving."""

import random

import msgpack
import numpy as np
import pytest

from soundloom.protocol.codec import DELIMITER, MAX_HEADER_FIELD_CHARS, attach_audio
from soundloom.protocol.messages import MAX_PROMPT_CHARS, MAX_REGIONS, MAX_TEXT_CHARS, Action

QUICK = {"seconds": 0.5, "steps": 2, "guidance": 1.0}
CLIP_QUICK = {"steps": 2, "guidance": 1.0}


def _alive(peer, daemon) -> None:
    assert daemon.process.poll() is None, "the engine process ended"
    assert daemon.connection_file.exists()
    assert peer.request("ping_request", timeout=30)["content"]["status"] == "ok"
    assert peer.request("ping_request", channel="control", timeout=30)["content"]["status"] == "ok"


@pytest.mark.parametrize("channel", ["shell", "control"])
@pytest.mark.parametrize("msg_type", ["frobnicate", "ping_reply", "status", "error_reply", "ping_request_", "x" * 500])
def test_a_message_type_that_is_not_a_request_gets_an_error_reply(daemon, peer, channel, msg_type):
    reply = peer.request(msg_type, {}, channel=channel)
    assert reply["msg_type"] == "error_reply"
    assert (reply["content"]["code"], reply["content"]["field"]) == ("unknown_message_type", "msg_type")
    _alive(peer, daemon)


def test_an_oversized_header_field_is_dropped_and_the_engine_keeps_serving(daemon, peer):
    header = peer.session.header("ping_request")
    header["msg_id"] = "m" * (MAX_HEADER_FIELD_CHARS + 1)
    parts = [msgpack.packb(d) for d in (header, {}, {}, {})]  # packed by hand: our own codec refuses to send it
    peer.shell.send_multipart([DELIMITER, peer.session.sign(parts), *parts])
    # Dropped unanswered (it is not a valid message); the next request on the same socket is answered first.
    follow = peer.request("ping_request")
    assert follow["content"]["status"] == "ok"
    _alive(peer, daemon)


@pytest.mark.parametrize("field, limit", [("prompt", MAX_PROMPT_CHARS), ("negative_prompt", MAX_PROMPT_CHARS),
                                          ("model", MAX_TEXT_CHARS), ("scheduler", MAX_TEXT_CHARS)])
def test_an_overlong_string_is_refused_naming_the_field_and_the_limit(daemon, peer, field, limit):
    content = {"prompt": "rain", **QUICK, field: "a" * (limit + 1)}
    reply = peer.request("generate_request", content)["content"]
    assert (reply["code"], reply["field"]) == ("invalid_argument", field)
    assert str(limit) in reply["message"]
    _alive(peer, daemon)


def test_a_ten_megabyte_prompt_is_refused_at_once_and_never_echoed(daemon, peer):
    reply = peer.request("generate_request", {"prompt": "p" * 10_000_000, **QUICK}, timeout=30)
    assert (reply["content"]["code"], reply["content"]["field"]) == ("invalid_argument", "prompt")
    assert len(reply["content"]["message"]) < 200
    _alive(peer, daemon)


def test_a_prompt_at_the_limit_is_served(peer):
    reply = peer.request("generate_request", {"prompt": "soft rain " * (MAX_PROMPT_CHARS // 10), "seed": 1, **QUICK},
                         timeout=120)["content"]
    assert reply["status"] == "ok"


@pytest.mark.parametrize("msg_type, content, field", [
    ("library_preview_request", {"folder": "/tmp/a\x00b"}, "folder"),
    ("finetune_request", {"folder": "/tmp/lib\x00", "name": "x"}, "folder"),
    ("generate_request", {"prompt": "rain", "model": "/tmp/m\x00odel"}, "model"),
    ("model_load_request", {"model": "a\x00"}, "model"),
    ("adapters_remove_request", {"name": "a\x00b"}, "name"),
    ("generate_request", {"prompt": "rain\x00"}, "prompt"),
])
def test_a_nul_character_in_any_string_is_an_invalid_argument(daemon, peer, msg_type, content, field):
    reply = peer.request(msg_type, content)["content"]
    assert (reply["code"], reply["field"]) == ("invalid_argument", field)
    _alive(peer, daemon)


def _clip(seconds: float = 2.0):
    msg = {"buffers": []}
    samples = np.random.default_rng(0).uniform(-0.5, 0.5, (1, int(16000 * seconds))).astype(np.float32)
    return samples, attach_audio(msg, samples, 16000), msg["buffers"]


def test_more_regions_than_the_limit_are_refused_before_any_work(daemon, peer):
    _, descriptor, buffers = _clip(60.0)
    regions = [[i * 0.011, i * 0.011 + 0.01] for i in range(5000)]
    reply = peer.request("inpaint_request", {"prompt": "x", "audio": descriptor, "regions": regions, **CLIP_QUICK},
                         buffers=buffers)["content"]
    assert (reply["code"], reply["field"]) == ("invalid_argument", "regions")
    assert str(MAX_REGIONS) in reply["message"]
    _alive(peer, daemon)


def test_regions_closer_than_the_crossfade_are_joined_and_the_rest_stays_bit_identical(peer):
    from soundloom.protocol.codec import extract_audio

    samples, descriptor, buffers = _clip()
    regions = [[0.2, 0.4], [0.405, 0.6], [1.0, 1.2]]  # 5 ms apart, then 400 ms apart
    reply = peer.request("inpaint_request", {"prompt": "x", "audio": descriptor, "regions": regions, "seed": 3, **CLIP_QUICK},
                         buffers=buffers, timeout=120)
    content = reply["content"]
    assert content["status"] == "ok", content
    assert content["metadata"]["regions"] == [[0.2, 0.6], [1.0, 1.2]]
    assert any("5.0 ms apart" in w for w in content["warnings"])
    out = extract_audio(reply, content["audio"][0])[0]
    outside = np.ones(samples.shape[1], bool)
    for start, end in content["metadata"]["regions"]:
        outside[round(start * 16000):round(end * 16000)] = False
    assert np.array_equal(out[:, outside], samples[:, outside])
    assert not np.array_equal(out[:, 3200:9600], samples[:, 3200:9600])


JUNK = [None, True, -1, 2**63, 1e308, float("nan"), "", "x" * 3, [], [1, "a"], {}, {"a": [None]}, b"\xff\x00"]


def test_every_request_with_junk_in_every_field_gets_a_named_error_and_the_engine_keeps_serving(daemon, peer):
    rng = random.Random(14)
    fields = ["prompt", "negative_prompt", "steps", "guidance", "seed", "variations", "scheduler", "priority",
              "seconds", "strength", "regions", "audio", "model", "job_id", "folder", "name", "adapter_scale",
              "validation_prompts", "tune", "rank", "resume"]
    for action in Action:
        if action in (Action.SHUTDOWN,):
            continue
        for _ in range(12):
            content = {name: rng.choice(JUNK) for name in rng.sample(fields, rng.randint(1, 4))}
            reply = peer.request(action.request, content, timeout=120)
            assert reply["msg_type"] == action.reply
            if reply["content"]["status"] == "error":
                assert reply["content"]["code"] not in ("internal",), (action, content, reply["content"])
                assert "Traceback" not in reply["content"]["message"]
            elif action.value in ("generate", "inpaint", "transfer", "extend", "finetune"):
                pytest.fail(f"{action.value} accepted junk: {content}")
    _alive(peer, daemon)
