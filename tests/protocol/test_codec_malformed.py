"""Malformed input: every failure is a SoundloomError with the specific envelope code, nothing else."""

from __future__ import annotations

import random

import msgpack
import pytest

from soundloom.protocol import DELIMITER, ErrorCode, Session, SoundloomError
from soundloom.protocol.codec import HEADER_FIELDS

KEY = b"fuzz key"
ENVELOPE_CODES = {
    ErrorCode.BAD_FRAMING,
    ErrorCode.BAD_SIGNATURE,
    ErrorCode.UNDECODABLE_FRAME,
    ErrorCode.FRAME_NOT_A_MAP,
    ErrorCode.BAD_HEADER,
    ErrorCode.BUFFER_DIGEST_MISMATCH,
    ErrorCode.MESSAGE_TOO_LARGE,
}


def signed(parts, extra=()):
    """Validly signed frames around arbitrary dict-frame bytes, so checks past the HMAC are reached."""
    return [DELIMITER, Session(KEY).sign(parts), *parts, *extra]


def good_parts():
    header = Session(KEY).header("ping_request")
    return [msgpack.packb(d) for d in (header, {}, {}, {})]


def error_of(frames, session=None) -> SoundloomError:
    with pytest.raises(SoundloomError) as info:
        (session or Session(KEY)).deserialize(frames)
    return info.value


def outcome(frames, session=None):
    """"ok" or the SoundloomError code; any other exception fails the test by propagating."""
    try:
        (session or Session(KEY)).deserialize(frames)
    except SoundloomError as error:
        return error.code
    return "ok"


def test_random_frames_only_raise_envelope_errors():
    rng = random.Random(20240501)
    signed_session, unsigned_session = Session(KEY), Session(b"")
    codes = set()
    for _ in range(3000):
        frames = [rng.randbytes(rng.randrange(0, 48)) for _ in range(rng.randrange(0, 10))]
        if frames and rng.random() < 0.6:
            frames.insert(rng.randrange(len(frames) + 1), DELIMITER)  # let most reach the dict frames
        for session in (signed_session, unsigned_session):
            codes.add(error_of(frames, session).code)
    assert codes <= ENVELOPE_CODES
    # The unsigned session exercised the decoding paths, not only framing and signatures.
    assert {ErrorCode.BAD_FRAMING, ErrorCode.BAD_SIGNATURE, ErrorCode.UNDECODABLE_FRAME} <= codes


def test_random_signed_dict_frames_only_raise_envelope_errors():
    rng = random.Random(7)
    samples = [
        lambda: rng.randbytes(rng.randrange(0, 40)),
        lambda: msgpack.packb(rng.choice([None, 1, -1.5, "s", b"b", [1, 2], True])),
        lambda: msgpack.packb({rng.choice(["msg_id", "msg_type", "x"]): rng.choice([1, "a", None])}),
        lambda: good_parts()[0][: rng.randrange(1, 20)],  # truncated header
    ]
    codes = set()
    for _ in range(3000):
        parts = good_parts()
        parts[rng.randrange(4)] = rng.choice(samples)()
        codes.add(outcome(signed(parts)))
    # A random map in parent_header/metadata/content is a valid message, hence "ok".
    assert codes <= ENVELOPE_CODES | {"ok"}
    assert {ErrorCode.UNDECODABLE_FRAME, ErrorCode.FRAME_NOT_A_MAP, ErrorCode.BAD_HEADER} <= codes


@pytest.mark.parametrize("count", [0, 1, 2, 3, 4])
def test_too_few_frames_after_the_delimiter(count):
    frames = [DELIMITER, b"sig", *good_parts()][: 1 + count]
    assert error_of(frames).code is ErrorCode.BAD_FRAMING


def test_missing_delimiter():
    frames = signed(good_parts())[1:]
    assert error_of(frames).code is ErrorCode.BAD_FRAMING
    assert error_of([]).code is ErrorCode.BAD_FRAMING


def test_frames_that_are_not_bytes():
    assert error_of([b"id", DELIMITER, None, 5, "str", object(), b""]).code is ErrorCode.BAD_FRAMING
    strided = memoryview(b"<<IIDDSS||MMSSGG>>")[::2]  # equal to the delimiter, but not one block
    assert error_of([strided, *good_parts()]).code is ErrorCode.BAD_FRAMING


@pytest.mark.parametrize(
    "value",
    [[1, 2], "header", 3, None, b"bytes", 1.5],
    ids=["list", "str", "int", "nil", "bin", "float"],
)
def test_dict_frames_that_are_not_maps(value):
    for index, name in enumerate(["header", "parent_header", "metadata", "content"]):
        parts = good_parts()
        parts[index] = msgpack.packb(value)
        error = error_of(signed(parts))
        assert error.code is ErrorCode.FRAME_NOT_A_MAP
        assert error.field == name


@pytest.mark.parametrize(
    "data",
    [
        b"\xc1",  # the one byte msgpack never uses
        b"\x81\xa1",  # truncated map
        msgpack.packb({}) + b"\x00",  # trailing bytes
        b"\x81\xa1k\xc7\x01\x05x",  # ext type 5
        msgpack.packb({"t": msgpack.Timestamp(1)}),  # timestamp ext (-1)
        msgpack.packb({1: "int key"}),
        msgpack.packb({"k": {2.5: "float key"}}),
        msgpack.packb({"k": [{b"bin": "bytes key"}]}),
        b"\x81\xa1k\xa2\xff\xfe",  # invalid UTF-8 string
        b"\x91" * 100_000 + b"\xc0",  # absurd nesting
    ],
    ids=[
        "reserved", "truncated", "trailing", "ext", "timestamp",
        "int-key", "float-key", "bytes-key", "bad-utf8", "deep",
    ],  # fmt: skip
)
def test_undecodable_dict_frames(data):
    parts = good_parts()
    parts[3] = data
    error = error_of(signed(parts))
    assert error.code is ErrorCode.UNDECODABLE_FRAME
    assert error.field == "content"


@pytest.mark.parametrize("field", HEADER_FIELDS)
def test_missing_header_field_is_named(field):
    header = Session(KEY).header("ping_request")
    del header[field]
    parts = good_parts()
    parts[0] = msgpack.packb(header)
    error = error_of(signed(parts))
    assert error.code is ErrorCode.BAD_HEADER
    assert error.field == f"header.{field}"


@pytest.mark.parametrize(
    "field,value",
    [("msg_id", 5), ("msg_type", ""), ("date", None), ("version", "4.1"), ("session", ["x"])],
)
def test_wrong_header_values(field, value):
    header = Session(KEY).header("ping_request")
    header[field] = value
    parts = good_parts()
    parts[0] = msgpack.packb(header)
    error = error_of(signed(parts))
    assert error.code is ErrorCode.BAD_HEADER and error.field == f"header.{field}"


@pytest.mark.parametrize("digests", [None, "abc", [1], ["0" * 64], []])
def test_bad_digest_lists(digests):
    parts = good_parts()
    parts[2] = msgpack.packb({"buffer_sha256": digests})
    assert error_of(signed(parts, extra=[b"audio"])).code is ErrorCode.BUFFER_DIGEST_MISMATCH
