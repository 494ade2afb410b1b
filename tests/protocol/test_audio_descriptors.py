"""Buffer descriptors are validated against their buffers, and errors name the field."""

from __future__ import annotations

import numpy as np
import pytest

from soundloom.protocol import ErrorCode, Session, SoundloomError, attach_audio, extract_audio


def received_with_audio(samples=None):
    """A message as the engine receives it, plus a valid descriptor of its one clip."""
    session = Session(b"k")
    msg = session.msg("inpaint_request", {"prompt": "glass"})
    clip = np.arange(12, dtype=np.float32).reshape(2, 6) if samples is None else samples
    descriptor = attach_audio(msg, clip, 22050)
    return Session(b"k").deserialize(session.serialize(msg)), descriptor


def error_of(msg, descriptor, field="audio") -> SoundloomError:
    with pytest.raises(SoundloomError) as info:
        extract_audio(msg, descriptor, field)
    assert info.value.code is ErrorCode.INVALID_ARGUMENT
    return info.value


def test_valid_descriptor_gives_the_clip_and_rate():
    msg, descriptor = received_with_audio()
    samples, rate = extract_audio(msg, descriptor)
    assert descriptor == {"buffer": 0, "dtype": "<f4", "shape": [2, 6], "sample_rate": 22050}
    assert rate == 22050
    np.testing.assert_array_equal(samples, np.arange(12).reshape(2, 6))


@pytest.mark.parametrize(
    "change,field",
    [
        ({"buffer": 1}, "audio.buffer"),
        ({"buffer": -1}, "audio.buffer"),
        ({"buffer": True}, "audio.buffer"),
        ({"buffer": "0"}, "audio.buffer"),
        ({"dtype": "<f8"}, "audio.dtype"),
        ({"dtype": ">f4"}, "audio.dtype"),
        ({"dtype": "float32"}, "audio.dtype"),
        ({"shape": [2, 7]}, "audio.shape"),
        ({"shape": [12]}, "audio.shape"),
        ({"shape": [0, 0]}, "audio.shape"),
        ({"shape": [2, -6]}, "audio.shape"),
        ({"shape": [2, 6.0]}, "audio.shape"),
        ({"sample_rate": 0}, "audio.sample_rate"),
        ({"sample_rate": -16000}, "audio.sample_rate"),
        ({"sample_rate": 44100.0}, "audio.sample_rate"),
        ({"sample_rate": True}, "audio.sample_rate"),
        ({"sample_rate": None}, "audio.sample_rate"),
    ],
)
def test_bad_descriptor_fields_are_named(change, field):
    msg, descriptor = received_with_audio()
    assert error_of(msg, {**descriptor, **change}).field == field


def test_shape_only_has_to_account_for_every_byte():
    # 3 x 4 floats fill the 2 x 6 clip's buffer exactly: the receiver cannot tell, nor needs to.
    msg, descriptor = received_with_audio()
    assert extract_audio(msg, {**descriptor, "shape": [3, 4]})[0].shape == (3, 4)


def test_descriptor_must_be_a_map():
    msg, _ = received_with_audio()
    assert error_of(msg, [0, "<f4"], field="audio[1]").field == "audio[1]"


def test_missing_keys_are_named():
    msg, descriptor = received_with_audio()
    for key in ("buffer", "dtype", "shape", "sample_rate"):
        partial = {k: v for k, v in descriptor.items() if k != key}
        assert error_of(msg, partial).field == f"audio.{key}"


def test_descriptor_in_a_message_without_buffers():
    msg = Session(b"k").msg("transfer_request")
    descriptor = {"buffer": 0, "dtype": "<f4", "shape": [1, 0], "sample_rate": 8000}
    assert error_of(msg, descriptor).field == "audio.buffer"


@pytest.mark.parametrize(
    "samples",
    [np.arange(4), np.zeros(4, np.complex64), np.zeros((1, 2, 3), np.float32), np.float32(1.0)],
    ids=["int", "complex", "3-d", "scalar"],
)
def test_attach_refuses_what_is_not_pcm(samples):
    with pytest.raises(SoundloomError) as info:
        attach_audio(Session().msg("x_reply"), samples, 16000)
    assert info.value.code is ErrorCode.INVALID_ARGUMENT and info.value.field == "audio"


@pytest.mark.parametrize("rate", [0, -1, 16000.0, "16000", True])
def test_attach_refuses_bad_sample_rates(rate):
    with pytest.raises(SoundloomError) as info:
        attach_audio(Session().msg("x_reply"), np.zeros(4, np.float32), rate)
    assert info.value.field == "audio"


def test_non_contiguous_buffers_are_refused_when_sending():
    msg = Session().msg("x_reply", buffers=[np.zeros((4, 4), np.float32)[:, ::2]])
    with pytest.raises(SoundloomError) as info:
        Session().serialize(msg)
    assert info.value.code is ErrorCode.INVALID_ARGUMENT and info.value.field == "buffers[0]"
