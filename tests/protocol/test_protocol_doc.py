"""PROTOCOL.md stays true: its worked example verifies with the codec, and it names every code and message."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from soundloom.protocol import Action, ErrorCode, Session, SoundloomError, attach_audio, extract_audio
from soundloom.protocol.messages import Event

DOC = (Path(__file__).resolve().parents[2] / "protocol" / "PROTOCOL.md").read_text(encoding="utf-8")
KEY = re.search(r"Key \(the connection file's `key`.*?```\n(\w+)\n```", DOC, re.S).group(1)


def example(name: str) -> list[bytes]:
    block = re.search(rf"<!-- example: {name} -->\n```text\n(.*?)```", DOC, re.S).group(1)
    return [bytes.fromhex(line.split()[1]) for line in block.strip().splitlines()]


def test_ping_request_example_verifies():
    msg = Session(KEY).deserialize(example("ping_request"))
    assert msg["msg_type"] == "ping_request"
    assert msg["header"]["msg_id"] == "0a1b2c3d4e5f40718293a4b5c6d7e8f9"
    assert msg["content"] == {} and msg["parent_header"] == {}


def test_ping_reply_example_verifies_and_answers_the_request():
    request = Session(KEY).deserialize(example("ping_request"))
    reply = Session(KEY).deserialize(example("ping_reply"))
    assert reply["identities"] == [bytes.fromhex("0080000029")]
    assert reply["parent_header"] == request["header"]
    assert reply["content"] == {"status": "ok"}


def test_extend_example_carries_its_audio():
    msg = Session(KEY).deserialize(example("extend_request"))
    samples, rate = extract_audio(msg, msg["content"]["audio"])
    assert rate == 16000
    np.testing.assert_array_equal(samples, [[0.0, 0.5, -0.5, 1.0]])


def test_examples_are_byte_for_byte_what_the_codec_produces():
    session = Session(KEY)
    request = session.deserialize(example("ping_request"))
    rebuilt = session.msg("ping_request", {}, header=request["header"])
    assert [bytes(f) for f in session.serialize(rebuilt)] == example("ping_request")

    reply = session.deserialize(example("ping_reply"))
    rebuilt = session.msg("ping_reply", {"status": "ok"}, parent=request, header=reply["header"])
    assert [bytes(f) for f in session.serialize(rebuilt, reply["identities"])] == example("ping_reply")

    extend = session.deserialize(example("extend_request"))
    rebuilt = session.msg("extend_request", {"prompt": "rain", "seconds": 2.0}, header=extend["header"])
    rebuilt["content"]["audio"] = attach_audio(rebuilt, np.array([0.0, 0.5, -0.5, 1.0], np.float32), 16000)
    assert [bytes(f) for f in session.serialize(rebuilt)] == example("extend_request")


def test_example_fails_with_another_key():
    with pytest.raises(SoundloomError) as info:
        Session(KEY[::-1]).deserialize(example("ping_request"))
    assert info.value.code is ErrorCode.BAD_SIGNATURE


@pytest.mark.parametrize("code", list(ErrorCode), ids=lambda c: c.value)
def test_every_error_code_is_documented(code):
    assert f"| `{code.value}` |" in DOC


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.value)
def test_every_message_type_is_documented(action):
    assert f"`{action.request}`" in DOC and f"`{action.reply}`" in DOC


@pytest.mark.parametrize("event", list(Event), ids=lambda e: e.value)
def test_every_event_is_documented(event):
    assert f"| `{event.value}` |" in DOC
