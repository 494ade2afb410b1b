"""Audio files: any readable format in, WAV/FLAC out, generation settings readable back."""

import numpy as np
import pytest
import soundfile as sf

from soundloom.protocol.errors import SoundloomError
from soundloom.sdk.audio import Audio
from soundloom.sdk.audio_file import read_audio, read_metadata, write_audio

META = {
    "prompt": "soft rain on a window", "negative_prompt": "music", "seed": 42, "model": "starter",
    "steps": 25, "guidance": 3.0, "scheduler": "dpmpp",
}


@pytest.mark.parametrize("suffix", [".wav", ".flac"])
def test_metadata_round_trips(tmp_path, suffix):
    samples = (0.1 * np.random.default_rng(0).standard_normal((2, 8000))).astype(np.float32)
    path = write_audio(tmp_path / f"out{suffix}", samples, 16000, META)
    assert read_metadata(path) == META
    back, rate = read_audio(path)
    assert rate == 16000 and back.shape == (2, 8000)
    np.testing.assert_allclose(back, samples, atol=1e-6 if suffix == ".wav" else 2e-7 * 2**8)


def test_a_very_long_prompt_still_leaves_readable_metadata_in_a_wav(tmp_path):
    meta = dict(META, prompt="rain " * 2000)
    path = write_audio(tmp_path / "long.wav", np.zeros((1, 100), np.float32), 16000, meta)
    back = read_metadata(path)
    assert back["seed"] == 42 and back["prompt_truncated_in_file"] is True
    assert back["prompt"].startswith("rain rain")


@pytest.mark.parametrize("fmt, subtype", [("OGG", "VORBIS"), ("AIFF", "PCM_16"), ("FLAC", "PCM_16"), ("WAV", "PCM_24")])
def test_common_formats_read_at_any_rate_and_channel_count(tmp_path, fmt, subtype):
    path = tmp_path / f"in.{fmt.lower()}"
    t = np.arange(22050) / 22050
    data = np.stack([np.sin(2 * np.pi * 300 * t)] * 3, axis=1) * 0.5
    sf.write(path, data, 22050, format=fmt, subtype=subtype)
    samples, rate = read_audio(path)
    assert rate == 22050 and samples.shape[0] == 3 and samples.dtype == np.float32
    assert abs(samples.shape[1] - 22050) < 2000


def test_a_corrupt_file_is_unreadable_audio(tmp_path):
    path = tmp_path / "broken.wav"
    path.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" * 10)
    with pytest.raises(SoundloomError) as err:
        read_audio(path)
    assert err.value.code.value == "unreadable_audio" and err.value.field == "input"


def test_save_resamples_and_records_the_rate(tmp_path):
    audio = Audio(np.zeros((1, 16000), np.float32), 16000, dict(META))
    path = audio.save(tmp_path / "x.wav", sample_rate=48000)
    loaded = Audio.load(path)
    assert loaded.sample_rate == 48000 and loaded.samples.shape == (1, 48000)
    assert loaded.metadata["sample_rate"] == 48000 and loaded.metadata["seed"] == 42


def test_writing_leaves_no_temporary_files(tmp_path):
    write_audio(tmp_path / "a.flac", np.zeros((1, 10), np.float32), 16000, META)
    assert [p.name for p in tmp_path.iterdir()] == ["a.flac"]


def test_play_hands_frames_first_samples_to_the_output_device(monkeypatch):
    # No sound card here: a stand-in for the sounddevice module records what it was given.
    import sys
    import types

    played = {}
    fake = types.SimpleNamespace(play=lambda data, rate, blocking: played.update(data=data, rate=rate, blocking=blocking))
    monkeypatch.setitem(sys.modules, "sounddevice", fake)
    samples = np.stack([np.zeros(100, np.float32), np.ones(100, np.float32)])
    Audio(samples, 22050).play()
    assert played["rate"] == 22050 and played["data"].shape == (100, 2) and played["blocking"] is True
    assert np.array_equal(played["data"][:, 1], np.ones(100, np.float32))
