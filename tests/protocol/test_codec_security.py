"""Signatures, buffer digests, replay rejection and the size limit."""

from __future__ import annotations

import hashlib
import hmac

import msgpack
import numpy as np
import pytest

from soundloom.protocol import DELIMITER, ErrorCode, Session, SoundloomError, attach_audio

KEY = b"correct horse battery staple"


def signed_frames(session=None, **content):
    session = session or Session(KEY)
    msg = session.msg("generate_request", {"prompt": "door slam", **content})
    msg["content"]["audio"] = attach_audio(msg, np.arange(64, dtype=np.float32), 16000)
    return [bytes(f) for f in session.serialize(msg)]


def code_of(frames, session=None):
    with pytest.raises(SoundloomError) as info:
        (session or Session(KEY)).deserialize(frames)
    return info.value.code


def test_signature_is_hmac_sha256_hex_of_the_four_dict_frames():
    frames = signed_frames()
    expected = hmac.new(KEY, b"".join(frames[2:6]), hashlib.sha256).hexdigest().encode()
    assert frames[0] == DELIMITER
    assert frames[1] == expected


@pytest.mark.parametrize("index,name", [(2, "header"), (3, "parent_header"), (4, "metadata"), (5, "content")])
def test_tampered_dict_frame_is_rejected(index, name):
    frames = signed_frames()
    # Re-pack an altered but well-formed dict, as an attacker would.
    value = msgpack.unpackb(frames[index])
    value["injected"] = "x"
    frames[index] = msgpack.packb(value)
    assert code_of(frames) is ErrorCode.BAD_SIGNATURE


def test_flipped_bit_anywhere_in_signed_frames_is_rejected():
    original = signed_frames()
    for index in range(2, 6):
        for position in range(0, len(original[index]), 7):
            frames = list(original)
            corrupted = bytearray(frames[index])
            corrupted[position] ^= 0x01
            frames[index] = bytes(corrupted)
            assert code_of(frames) is ErrorCode.BAD_SIGNATURE


def test_tampered_buffer_is_rejected_by_its_digest():
    frames = signed_frames()
    audio = bytearray(frames[-1])
    audio[10] ^= 0xFF
    frames[-1] = bytes(audio)
    assert code_of(frames) is ErrorCode.BUFFER_DIGEST_MISMATCH


def test_dropped_or_added_buffer_is_rejected():
    frames = signed_frames()
    assert code_of(frames[:-1]) is ErrorCode.BUFFER_DIGEST_MISMATCH
    assert code_of(frames + [b"extra"]) is ErrorCode.BUFFER_DIGEST_MISMATCH


def test_buffers_without_digests_are_rejected_even_when_signed():
    session = Session(KEY)
    parts = [msgpack.packb(d) for d in (session.header("x_request"), {}, {}, {})]
    frames = [DELIMITER, session.sign(parts), *parts, b"\x00" * 8]
    with pytest.raises(SoundloomError) as info:
        Session(KEY).deserialize(frames)
    assert info.value.code is ErrorCode.BUFFER_DIGEST_MISMATCH
    assert info.value.field == "metadata.buffer_blake3"


def test_wrong_key_is_rejected():
    assert code_of(signed_frames(Session(b"another key"))) is ErrorCode.BAD_SIGNATURE


def test_unsigned_message_is_rejected_by_a_keyed_session():
    assert code_of(signed_frames(Session(b""))) is ErrorCode.BAD_SIGNATURE


def test_unkeyed_session_accepts_anything_well_formed():
    # An empty key means "no signing", as in Jupyter: the signature frame is not checked.
    frames = signed_frames()
    frames[1] = b"not a signature"
    assert Session(b"").deserialize(frames)["content"]["prompt"] == "door slam"


def test_replayed_message_is_rejected():
    frames = signed_frames()
    receiver = Session(KEY)
    receiver.deserialize(frames)
    assert code_of(frames, receiver) is ErrorCode.REPLAYED_MESSAGE
    # A different receiver has its own history.
    assert Session(KEY).deserialize(frames)["msg_type"] == "generate_request"


def test_replay_history_is_bounded_and_forgetful_in_order():
    receiver = Session(KEY, digest_history_size=3)
    messages = [signed_frames() for _ in range(4)]
    for frames in messages:
        receiver.deserialize(frames)
    # The oldest signature was evicted; the newer three are still remembered.
    assert receiver.deserialize(messages[0])["msg_type"] == "generate_request"
    for frames in messages[2:]:
        assert code_of(frames, receiver) is ErrorCode.REPLAYED_MESSAGE


def test_forged_messages_do_not_evict_remembered_signatures():
    receiver = Session(KEY, digest_history_size=1)
    genuine = signed_frames()
    receiver.deserialize(genuine)
    forged = signed_frames(Session(b"attacker"))
    assert code_of(forged, receiver) is ErrorCode.BAD_SIGNATURE
    assert code_of(genuine, receiver) is ErrorCode.REPLAYED_MESSAGE


def test_replay_over_a_real_socket_is_rejected(router_dealer):
    router, dealer = router_dealer
    frames = signed_frames()
    engine = Session(KEY)
    dealer.send_multipart(frames)
    assert engine.recv(router)["content"]["prompt"] == "door slam"
    dealer.send_multipart(frames)  # an eavesdropper re-sending captured frames
    with pytest.raises(SoundloomError) as info:
        engine.recv(router)
    assert info.value.code is ErrorCode.REPLAYED_MESSAGE


def test_message_larger_than_the_limit_is_rejected_on_receipt():
    frames = signed_frames()
    size = sum(len(f) for f in frames)
    assert Session(KEY, max_message_bytes=size).deserialize(frames)["msg_type"] == "generate_request"
    assert code_of(frames, Session(KEY, max_message_bytes=size - 1)) is ErrorCode.MESSAGE_TOO_LARGE


def test_message_larger_than_the_limit_is_refused_when_sending():
    sender = Session(KEY, max_message_bytes=10_000)
    msg = sender.msg("generate_reply")
    attach_audio(msg, np.zeros(5_000, np.float32), 16000)
    with pytest.raises(SoundloomError) as info:
        sender.serialize(msg)
    assert info.value.code is ErrorCode.MESSAGE_TOO_LARGE
