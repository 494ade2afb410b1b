"""Messages survive serialize -> deserialize and real sockets unchanged, buffers included."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import blake3
import numpy as np
import pytest
import zmq
import zmq.asyncio

from soundloom.protocol import (
    DELIMITER,
    ErrorCode,
    Session,
    SoundloomError,
    attach_audio,
    extract_audio,
    reply_type,
)
from soundloom.protocol.codec import HEADER_FIELDS, PROTOCOL_VERSION

KEY = "0123456789abcdef" * 4


def roundtrip(msg, identities=()):
    return Session(KEY).deserialize(Session(KEY).serialize(msg, identities))


def test_header_has_every_jupyter_field():
    header = Session(KEY, username="ada", session_id="s1").header("ping_request")
    assert tuple(header) == HEADER_FIELDS
    assert header["msg_type"] == "ping_request"
    assert header["username"] == "ada" and header["session"] == "s1"
    assert header["version"] == PROTOCOL_VERSION == "5.4"
    assert header["date"].endswith("Z")
    parsed = datetime.strptime(header["date"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    assert abs((datetime.now(timezone.utc) - parsed).total_seconds()) < 5


def test_msg_ids_are_unique():
    session = Session(KEY)
    assert len({session.msg("ping_request")["msg_id"] for _ in range(1000)}) == 1000


def test_plain_values_roundtrip_with_identities():
    session = Session(KEY)
    content = {
        "prompt": "rain on a tin roof, fermé ☔",
        "steps": 25,
        "guidance": 3.5,
        "seed": None,
        "big": 2**32 - 1,
        "negative": -7,
        "flags": [True, False],
        "nested": {"regions": [[0.5, 1.25], [2.0, 3.0]]},
        "raw": b"\x00\xff",
    }
    msg = session.msg("generate_request", content, metadata={"trace": "abc"})
    out = roundtrip(msg, identities=[b"\x00k\x8b\x45\x67", b"second"])
    assert out["identities"] == [b"\x00k\x8b\x45\x67", b"second"]
    assert out["header"] == msg["header"]
    assert out["msg_id"] == msg["msg_id"] and out["msg_type"] == "generate_request"
    assert out["content"] == content
    assert out["metadata"] == {"trace": "abc"}  # no buffer_sha256 key without buffers
    assert out["parent_header"] == {}
    assert out["buffers"] == []


def test_parent_may_be_a_message_or_a_header():
    session = Session(KEY)
    request = session.msg("info_request")
    assert session.msg("info_reply", parent=request)["parent_header"] == request["header"]
    assert session.msg("info_reply", parent=request["header"])["parent_header"] == request["header"]


def test_numpy_scalars_and_datetimes_are_packed_as_plain_values():
    moment = datetime(2024, 5, 1, 12, 0, 0, 250000, tzinfo=timezone.utc)
    msg = Session(KEY).msg("x_reply", {"seed": np.uint32(7), "gain": np.float32(0.5), "at": moment})
    out = roundtrip(msg)
    assert out["content"] == {"seed": 7, "gain": 0.5, "at": "2024-05-01T12:00:00.250000Z"}
    assert type(out["content"]["seed"]) is int


def test_unpackable_content_is_an_invalid_argument():
    msg = Session(KEY).msg("x_request", {"audio": np.zeros(3)})  # arrays must go as buffers
    with pytest.raises(SoundloomError) as info:
        Session(KEY).serialize(msg)
    assert info.value.code is ErrorCode.INVALID_ARGUMENT and info.value.field == "content"


@pytest.mark.parametrize(
    "samples",
    [
        np.linspace(-1, 1, 1000, dtype=np.float32),  # mono, 1-D
        np.random.default_rng(0).standard_normal((2, 777)).astype(np.float32),  # stereo
        np.random.default_rng(1).standard_normal((6, 5)).astype(">f4"),  # big-endian input
        np.random.default_rng(2).standard_normal((1, 300)),  # float64 input
        np.zeros((2, 0), np.float32),  # empty clip
    ],
    ids=["mono-1d", "stereo-2d", "big-endian", "float64", "empty"],
)
def test_audio_roundtrip(samples):
    msg = Session(KEY).msg("generate_reply", {"status": "ok"})
    descriptor = attach_audio(msg, samples, 16000)
    msg["content"]["audio"] = [descriptor]
    out = roundtrip(msg)
    expected = np.asarray(samples, dtype=np.float32)
    expected = expected[np.newaxis, :] if expected.ndim == 1 else expected
    got, rate = extract_audio(out, out["content"]["audio"][0])
    assert rate == 16000
    assert got.dtype == np.dtype("<f4")
    assert got.shape == expected.shape == tuple(descriptor["shape"])
    np.testing.assert_array_equal(got, expected)
    assert out["metadata"]["buffer_blake3"] == [blake3.blake3(expected.astype("<f4").tobytes()).hexdigest()]


def test_several_buffers_keep_their_order():
    msg = Session(KEY).msg("generate_reply")
    clips = [np.full((1, 10 + i), i, np.float32) for i in range(3)]
    msg["content"]["audio"] = [attach_audio(msg, clip, 44100) for clip in clips]
    out = roundtrip(msg)
    assert [d["buffer"] for d in out["content"]["audio"]] == [0, 1, 2]
    for clip, descriptor in zip(clips, out["content"]["audio"]):
        np.testing.assert_array_equal(extract_audio(out, descriptor)[0], clip)


def test_contiguous_float32_audio_is_framed_without_a_copy():
    samples = np.ones((2, 50_000), np.float32)
    msg = Session(KEY).msg("generate_reply")
    attach_audio(msg, samples, 16000)
    frames = Session(KEY).serialize(msg)
    assert np.shares_memory(np.frombuffer(frames[-1], np.float32), samples)


def test_frames_follow_the_jupyter_layout():
    msg = Session(KEY).msg("ping_request", buffers=[b"abc"])
    frames = Session(KEY).serialize(msg, [b"peer"])
    assert frames[0] == b"peer" and frames[1] == DELIMITER
    assert len(frames) == 2 + 1 + 4 + 1
    assert bytes(frames[-1]) == b"abc"


def test_large_buffer_over_tcp(router_dealer):
    router, dealer = router_dealer
    client, engine = Session(KEY), Session(KEY)
    samples = np.random.default_rng(3).standard_normal((2, 44100 * 30)).astype(np.float32)  # ~10 MB
    request = client.msg("transfer_request", {"prompt": "tape hiss", "strength": 0.3})
    request["content"]["audio"] = attach_audio(request, samples, 44100)
    client.send(dealer, request)
    received = engine.recv(router)
    got, rate = extract_audio(received, received["content"]["audio"])
    assert rate == 44100
    np.testing.assert_array_equal(got, samples)
    assert isinstance(received["buffers"][0], memoryview)


def test_reply_routes_back_with_parent_header(router_dealer):
    router, dealer = router_dealer
    client, engine = Session(KEY), Session(KEY)
    sent = client.send(dealer, "info_request", {})
    request = engine.recv(router)
    assert len(request["identities"]) == 1  # the dealer's routing id, added by ROUTER
    engine.reply(router, request, {"status": "ok", "queue_length": 0})
    reply = client.recv(dealer)
    assert reply["msg_type"] == "info_reply"
    assert reply["parent_header"] == sent["header"]
    assert reply["content"] == {"status": "ok", "queue_length": 0}
    assert reply["identities"] == []


def test_req_client_works_through_router(make_socket):
    router = make_socket(zmq.ROUTER)
    port = router.bind_to_random_port("tcp://127.0.0.1")
    req = make_socket(zmq.REQ)
    req.connect(f"tcp://127.0.0.1:{port}")
    client, engine = Session(KEY), Session(KEY)
    client.send(req, "ping_request", {})
    request = engine.recv(router)
    assert request["identities"][-1] == b""  # REQ's empty envelope frame travels as an identity
    engine.reply(router, request, {"status": "ok"})
    assert client.recv(req)["msg_type"] == "ping_reply"


def test_publish_topics_let_subscribers_filter(make_socket):
    pub = make_socket(zmq.PUB)
    port = pub.bind_to_random_port("tcp://127.0.0.1")
    sub = make_socket(zmq.SUB)
    sub.setsockopt(zmq.SUBSCRIBE, b"progress")
    sub.connect(f"tcp://127.0.0.1:{port}")
    engine, client = Session(KEY), Session(KEY)
    parent = client.msg("generate_request", {"prompt": "wind"})
    received = []
    # PUB drops everything until the subscription has propagated, so publish until one arrives.
    job_id = parent["msg_id"]
    for step in range(200):
        engine.publish(pub, "status", {"execution_state": "busy", "job_id": job_id}, parent=parent)
        progress = {"job_id": job_id, "step": step, "total": 200, "eta_s": None}
        engine.publish(pub, "progress", progress, parent=parent)
        if sub.poll(20):
            received.append(client.recv(sub))
            break
    assert received, "no event arrived"
    event = received[0]
    assert event["identities"] == [b"progress"]
    assert event["msg_type"] == "progress"
    assert event["parent_header"]["msg_id"] == parent["msg_id"]


def test_async_twins(router_dealer):
    router, _ = router_dealer
    endpoint = router.getsockopt(zmq.LAST_ENDPOINT).decode()

    async def main():
        ctx = zmq.asyncio.Context()
        dealer = ctx.socket(zmq.DEALER)
        dealer.linger = 0
        dealer.connect(endpoint)
        client, engine = Session(KEY), Session(KEY)
        msg = client.msg("extend_request", {"prompt": "more"})
        msg["content"]["audio"] = attach_audio(msg, np.ones(4, np.float32), 8000)
        await client.send_async(dealer, msg)
        request = engine.recv(router)
        engine.reply(router, request, {"status": "ok"})
        reply = await asyncio.wait_for(client.recv_async(dealer), 5)
        dealer.close()
        ctx.term()
        return request, reply

    request, reply = asyncio.run(main())
    np.testing.assert_array_equal(extract_audio(request, request["content"]["audio"])[0], np.ones((1, 4)))
    assert reply["parent_header"]["msg_id"] == request["msg_id"]


def test_reply_type_naming():
    assert reply_type("job_status_request") == "job_status_reply"
    with pytest.raises(SoundloomError) as info:
        reply_type("progress")
    assert info.value.code is ErrorCode.INVALID_ARGUMENT


def test_a_digested_buffer_is_sent_with_its_precomputed_digest():
    import numpy as np

    from soundloom.protocol.codec import Digested, Session

    sender, receiver = Session(b"k"), Session(b"k")
    audio = np.arange(1000, dtype="<f4")
    msg = sender.msg("x_reply", {"n": 1}, buffers=[Digested(audio)])
    received = receiver.deserialize(sender.serialize(msg))
    assert received["metadata"]["buffer_blake3"] == [blake3.blake3(audio.tobytes()).hexdigest()]
    assert bytes(received["buffers"][0]) == audio.tobytes()
