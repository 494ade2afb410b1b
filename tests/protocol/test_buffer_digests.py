"""Buffer digests: BLAKE3 by default, SHA-256 accepted, both checked, replies in the requester's digest."""

from __future__ import annotations

import hashlib

import blake3
import msgpack
import numpy as np
import pytest

from soundloom.protocol import ErrorCode, Session, SoundloomError
from soundloom.protocol.codec import DELIMITER, Digested

KEY = b"digest test key"
AUDIO = np.linspace(-1, 1, 3000, dtype="<f4")


def frames_with(metadata: dict, buffers: list[bytes], session: Session | None = None) -> list[bytes]:
    """A signed message with exactly this metadata (digests included) and these buffers."""
    session = session or Session(KEY)
    parts = [msgpack.packb(d) for d in (session.header("x_request"), {}, metadata, {})]
    return [DELIMITER, session.sign(parts), *parts, *buffers]


def rejection(frames: list[bytes]) -> SoundloomError:
    with pytest.raises(SoundloomError) as info:
        Session(KEY).deserialize(frames)
    return info.value


def test_buffers_go_out_with_blake3_digests_only():
    frames = Session(KEY).serialize(Session(KEY).msg("x_request", buffers=[AUDIO]))
    received = Session(KEY).deserialize(frames)
    assert received["metadata"] == {"buffer_blake3": [blake3.blake3(AUDIO.tobytes()).hexdigest()]}


@pytest.mark.parametrize("key, digest", [("buffer_blake3", blake3.blake3), ("buffer_sha256", hashlib.sha256)])
def test_either_digest_verifies_and_a_tampered_buffer_is_rejected(key, digest):
    data = AUDIO.tobytes()
    good = frames_with({key: [digest(data).hexdigest()]}, [data])
    assert bytes(Session(KEY).deserialize(good)["buffers"][0]) == data

    tampered = bytearray(data)
    tampered[100] ^= 0x01
    error = rejection(frames_with({key: [digest(data).hexdigest()]}, [bytes(tampered)]))
    assert error.code is ErrorCode.BUFFER_DIGEST_MISMATCH and error.field == f"metadata.{key}"


def test_every_digest_list_present_is_checked():
    data = AUDIO.tobytes()
    metadata = {"buffer_blake3": [blake3.blake3(data).hexdigest()], "buffer_sha256": ["0" * 64]}
    error = rejection(frames_with(metadata, [data]))
    assert error.code is ErrorCode.BUFFER_DIGEST_MISMATCH and error.field == "metadata.buffer_sha256"


def test_a_sha256_digest_under_the_blake3_key_is_rejected():
    data = AUDIO.tobytes()
    error = rejection(frames_with({"buffer_blake3": [hashlib.sha256(data).hexdigest()]}, [data]))
    assert error.code is ErrorCode.BUFFER_DIGEST_MISMATCH


def received_request(metadata: dict, buffers: list) -> dict:
    return Session(KEY).deserialize(frames_with(metadata, buffers))


@pytest.mark.parametrize(
    "request_metadata, request_buffers, expected",
    [
        ({}, [], "buffer_blake3"),
        ({"buffer_digest": "sha256"}, [], "buffer_sha256"),
        ({"buffer_sha256": [hashlib.sha256(b"abc").hexdigest()]}, [b"abc"], "buffer_sha256"),
        ({"buffer_blake3": [blake3.blake3(b"abc").hexdigest()]}, [b"abc"], "buffer_blake3"),
        ({"buffer_digest": "blake3", "buffer_sha256": [hashlib.sha256(b"abc").hexdigest()]}, [b"abc"], "buffer_blake3"),
    ],
    ids=["default", "asked for sha256", "sent sha256", "sent blake3", "asked for blake3"],
)
def test_a_reply_is_digested_the_way_its_request_asks_or_digested(request_metadata, request_buffers, expected):
    request = received_request(request_metadata, request_buffers)
    session = Session(KEY)
    frames = session.serialize(session.msg("x_reply", {"status": "ok"}, parent=request, buffers=[Digested(AUDIO)]))
    metadata = Session(KEY).deserialize(frames)["metadata"]
    assert list(metadata) == [expected]
    hasher = blake3.blake3 if expected == "buffer_blake3" else hashlib.sha256
    assert metadata[expected] == [hasher(AUDIO.tobytes()).hexdigest()]


def test_a_digested_buffer_computes_each_digest_once():
    buffer = Digested(AUDIO.copy())
    assert buffer.digest("sha256") == hashlib.sha256(AUDIO.tobytes()).hexdigest()
    buffer.data[0] = 5.0  # digests are cached: a stored result is never rehashed when sent again
    assert buffer.digest("sha256") == hashlib.sha256(AUDIO.tobytes()).hexdigest()
    assert buffer.digest("blake3") == blake3.blake3(AUDIO.tobytes()).hexdigest()
