"""The blocking Client against a fake engine: the four audio operations, their requests and results."""

from __future__ import annotations

import numpy as np
import pytest
import zmq
from fake_engine import COMMON, DEFAULT_SEED, RATE, sine

from soundloom.protocol.codec import PROTOCOL_VERSION, Session, attach_audio
from soundloom.protocol.connection import read_connection_file
from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.sdk import Audio, Client, EngineWarning


def _clip(seconds=0.5, rate=22050, channels=2):
    rng = np.random.default_rng(0)
    return (rng.uniform(-0.9, 0.9, size=(channels, round(seconds * rate)))).astype(np.float32), rate


def test_generate_returns_audio_with_the_engines_samples_rate_and_metadata(client, engine):
    audio = client.generate("soft rain on a window", seconds=1.5, seed=7, steps=4, negative_prompt="music")
    assert isinstance(audio, Audio)
    assert audio.sample_rate == RATE
    np.testing.assert_array_equal(audio.samples, sine(1.5, 110))
    assert audio.samples.flags.writeable  # copied out of the received frame
    assert audio.metadata["seed"] == 7
    assert {k: audio.metadata[k] for k in ("operation", "prompt", "negative_prompt", "steps", "seconds")} == {
        "operation": "generate", "prompt": "soft rain on a window", "negative_prompt": "music", "steps": 4,
        "seconds": 1.5,
    }


def test_variations_come_back_as_a_list_each_with_its_own_seed(client):
    clips = client.generate("door slam", seconds=0.5, seed=2**32 - 2, variations=3, steps=2)
    assert isinstance(clips, list) and len(clips) == 3
    assert [clip.metadata["seed"] for clip in clips] == [2**32 - 2, 2**32 - 1, 0]  # wraps modulo 2**32
    for i, clip in enumerate(clips):
        np.testing.assert_array_equal(clip.samples, sine(0.5, 110 * (i + 1)))
        assert clip.metadata["variations"] == 3


def test_unset_options_are_omitted_and_only_protocol_fields_are_sent(client, engine):
    audio = client.generate("wind", seconds=0.5, steps=2)
    sent = engine.requests_of("generate_request")[-1]["content"]
    assert "seed" not in sent and "model" not in sent  # None means: let the engine choose
    assert set(sent) <= COMMON | {"seconds"}
    assert sent["scheduler"] == "dpmpp" and sent["priority"] == "interactive"
    assert audio.metadata["seed"] == DEFAULT_SEED  # the seed the engine drew is reported back


def test_inpaint_sends_the_clip_as_a_buffer_and_keeps_the_rest(client, engine):
    samples, rate = _clip()
    result = client.inpaint((samples, rate), "a dog bark", [(0.1, 0.2), (0.3, 0.35)], steps=3, seed=1)
    received = engine.requests_of("inpaint_request")[-1]
    got, got_rate = received["audio"][0]
    np.testing.assert_array_equal(got, samples)
    assert got_rate == rate
    assert received["content"]["regions"] == [[0.1, 0.2], [0.3, 0.35]]
    assert received["content"]["audio"] == {"buffer": 0, "dtype": "<f4", "shape": [2, len(samples[0])],
                                            "sample_rate": rate}
    assert result.sample_rate == rate and result.samples.shape == samples.shape
    np.testing.assert_array_equal(result.samples[:, : round(0.1 * rate)], samples[:, : round(0.1 * rate)])
    assert not result.samples[:, round(0.1 * rate): round(0.2 * rate)].any()
    assert result.metadata["regions"] == [[0.1, 0.2], [0.3, 0.35]]


def test_transfer_accepts_an_audio_and_sends_its_samples(client, engine):
    samples, rate = _clip(channels=1)
    result = client.transfer(Audio(samples, rate), "through a telephone", 0.25, steps=8)
    got, _ = engine.requests_of("transfer_request")[-1]["audio"][0]
    np.testing.assert_array_equal(got, samples)
    assert engine.requests_of("transfer_request")[-1]["content"]["strength"] == 0.25
    np.testing.assert_allclose(result.samples, samples * np.float32(0.75), rtol=1e-6)


def test_extend_reads_a_file_and_appends(client, engine, tmp_path):
    samples, rate = _clip(seconds=0.25, rate=16000)
    path = Audio(samples, rate).save(tmp_path / "in.wav")
    result = client.extend(str(path), "more of the same", 1.0, steps=2)
    got, got_rate = engine.requests_of("extend_request")[-1]["audio"][0]
    np.testing.assert_array_equal(got, samples)  # float WAV round-trips exactly
    assert got_rate == rate
    assert result.samples.shape == (2, samples.shape[1] + rate)
    np.testing.assert_array_equal(result.samples[:, : samples.shape[1]], samples)


def test_an_error_reply_raises_with_code_field_and_message(client):
    with pytest.raises(SoundloomError) as caught:
        client.generate("rain", steps=5000)
    assert caught.value.code is ErrorCode.OUT_OF_RANGE
    assert caught.value.field == "steps"
    assert "1 to 1000" in caught.value.message
    with pytest.raises(SoundloomError) as caught:
        client.generate("rain", model="no-such-model")
    assert (caught.value.code, caught.value.field) == (ErrorCode.MODEL_NOT_FOUND, "model")


def test_bad_audio_input_is_refused_before_sending(client, engine):
    with pytest.raises(SoundloomError) as caught:
        client.transfer(np.zeros(100, np.float32), "x")  # no sample rate
    assert caught.value.field == "audio"
    with pytest.raises(SoundloomError, match="channels"):
        client.transfer((np.zeros((1000, 2), np.float32), 16000), "x")  # [samples, channels] by mistake
    assert engine.requests_of("transfer_request") == []


def test_engine_warnings_are_issued(client):
    with pytest.warns(EngineWarning, match="truncated"):
        client.generate("rain " * 60, seconds=0.5, steps=1)


def test_models_info_ping_and_job_lookups(client, engine):
    assert [m["name"] for m in client.models.list()] == ["fake-model"]
    assert client.models.load("fake-model") == 0.25
    assert client.models.list()[0]["loaded"] is True
    assert client.models.unload("fake-model") is True
    assert client.models.unload("fake-model") is False
    with pytest.raises(SoundloomError) as caught:
        client.models.load("missing")
    assert caught.value.code is ErrorCode.MODEL_NOT_FOUND
    info = client.info()
    assert info["default_model"] == "fake-model" and "status" not in info
    assert client.ping() > 0  # the round trip in seconds
    job = client.submit_generate("hum", seconds=0.5, steps=3, seed=3)
    first = job.result(timeout=60)
    status = client.job_status(job.job_id)
    assert (status["state"], status["step"], status["total"]) == ("done", 3, 3)
    with Client.connect(engine.connection_file, start=False, timeout=60) as reconnected:
        again = reconnected.job_result(job.job_id, timeout=60)  # what a client that lost the reply fetches
    np.testing.assert_array_equal(again.samples, first.samples)
    assert again.metadata == first.metadata
    with pytest.raises(SoundloomError) as caught:
        client.job_status("nope")
    assert caught.value.code is ErrorCode.JOB_NOT_FOUND


def test_requests_and_replies_speak_protocol_5_4(client, engine):
    assert client.info()["protocol_version"] == PROTOCOL_VERSION == "5.4"
    samples, rate = _clip(channels=1)
    result = client.transfer((samples, rate), "tape hiss", 0.5, steps=2)
    sent = engine.requests_of("transfer_request")[-1]
    assert sent["header"]["version"] == "5.4"
    digests = sent["metadata"]["buffer_blake3"]  # BLAKE3 by default since 5.4, and no SHA-256 beside it
    assert len(digests) == 1 and len(digests[0]) == 64 and "buffer_sha256" not in sent["metadata"]
    np.testing.assert_allclose(result.samples, samples * np.float32(0.5), rtol=1e-6)  # its BLAKE3 digest checked


def test_a_sha256_peer_gets_its_reply_digested_with_sha256(engine):
    # A jupyter_client-style peer digests its buffers with SHA-256 only; 5.4 answers it the same way.
    session = Session(engine.key)
    context = zmq.Context()
    shell = context.socket(zmq.DEALER)
    shell.linger = 0
    try:
        shell.connect(f"tcp://127.0.0.1:{read_connection_file(engine.connection_file).shell_port}")
        request = session.msg("transfer_request", {"prompt": "old radio", "strength": 0.5, "steps": 2})
        request["content"]["audio"] = attach_audio(request, sine(0.25, 220), RATE)
        request["digest"] = "sha256"
        session.send(shell, request)
        assert shell.poll(60_000), "no transfer_reply within 60 s"
        reply = session.recv(shell)
    finally:
        context.destroy(linger=0)
    assert reply["content"]["status"] == "ok"
    assert list(reply["metadata"]) == ["buffer_sha256"] and len(reply["metadata"]["buffer_sha256"]) == 1


def test_steps_left_out_run_the_models_default(client):
    default = client.models.list()[0]["default_steps"]
    assert default == client.info()["default_steps"]
    job = client.submit_generate("room tone", seconds=0.5)
    assert job.result(timeout=60).metadata["steps"] == default
    assert client.job_status(job.job_id)["total"] == default
