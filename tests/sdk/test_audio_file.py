"""Audio files: any readable format in, WAV/FLAC out, generation settings readable back."""

import os
import stat
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from soundloom.protocol.errors import SoundloomError
from soundloom.sdk.audio import Audio
from soundloom.sdk.audio_file import check_output_path, read_audio, read_metadata, write_audio

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
    # WAV holds float32 exactly; 24-bit FLAC rounds to steps of 2**-23, so it is off by at most half
    # a step (2**-24 ≈ 5.96e-8), which a 16-bit file (steps of 2**-15) would miss 256 times over.
    np.testing.assert_allclose(back, samples, rtol=0, atol=0 if suffix == ".wav" else 6e-8)


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


# A fresh interpreter sets its umask, writes through write_audio and Audio.save, and reports the
# umask it ends with; this process's umask, shared by every thread here, is never touched.
_WRITE_WITH_UMASK = """
import builtins, os, sys
import numpy as np
from soundloom.sdk.audio import Audio
from soundloom.sdk.audio_file import write_audio
mask, folder, proc = int(sys.argv[1], 8), sys.argv[2], sys.argv[3] == "proc"
if not proc:  # a system without /proc/self/status
    real_open = builtins.open
    def no_proc(file, *args, **kwargs):
        if str(file) == "/proc/self/status":
            raise FileNotFoundError(file)
        return real_open(file, *args, **kwargs)
    builtins.open = no_proc
os.umask(mask)
write_audio(os.path.join(folder, "a.wav"), np.zeros((1, 10), np.float32), 16000, {"prompt": "rain"})
Audio(np.zeros((1, 10), np.float32), 16000).save(os.path.join(folder, "b.flac"))
print(oct(os.umask(0)))
"""


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
@pytest.mark.parametrize("proc", ["proc", "no-proc"])
def test_files_written_for_the_user_get_0666_less_the_umask(tmp_path, umask, proc):
    done = subprocess.run([sys.executable, "-c", _WRITE_WITH_UMASK, oct(umask), str(tmp_path), proc],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == oct(umask)  # reading the umask left it as it was
    for name in ("a.wav", "b.flac"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o666 & ~umask, name


def test_replacing_a_file_keeps_its_permissions(tmp_path):
    path = write_audio(tmp_path / "a.wav", np.zeros((1, 10), np.float32), 16000)
    os.chmod(path, 0o604)
    write_audio(path, np.ones((1, 10), np.float32) * 0.5, 16000)
    assert stat.S_IMODE(path.stat().st_mode) == 0o604 and read_audio(path)[0].max() == 0.5


def test_a_link_is_written_through(tmp_path):
    (tmp_path / "takes").mkdir()
    target = write_audio(tmp_path / "takes" / "a.wav", np.zeros((1, 10), np.float32), 16000)
    (tmp_path / "latest.wav").symlink_to(target)
    write_audio(tmp_path / "latest.wav", np.ones((1, 10), np.float32) * 0.25, 16000)
    assert (tmp_path / "latest.wav").is_symlink() and read_audio(target)[0].max() == 0.25
    assert sorted(p.name for p in (tmp_path / "takes").iterdir()) == ["a.wav"]


def test_metadata_without_a_prompt_is_written(tmp_path):
    path = write_audio(tmp_path / "a.flac", np.zeros((1, 10), np.float32), 16000, {"seed": 4})
    assert read_metadata(path) == {"seed": 4}


_WRITE_PAST_A_SIZE_LIMIT = """
import resource, sys
import numpy as np
from soundloom.protocol.errors import SoundloomError
from soundloom.sdk.audio_file import write_audio
resource.setrlimit(resource.RLIMIT_FSIZE, (50_000, 50_000))  # as a full disk would: EFBIG past 50 kB
try:
    write_audio(sys.argv[1], np.zeros((1, 100_000), np.float32), 16000, {"prompt": "rain"})
except SoundloomError as exc:
    print(exc)
"""


def test_a_write_that_does_not_fit_is_disk_full_and_leaves_nothing(tmp_path):
    done = subprocess.run([sys.executable, "-c", _WRITE_PAST_A_SIZE_LIMIT, str(tmp_path / "big.wav")],
                          capture_output=True, text=True, timeout=120)
    assert done.stdout == f"output: could not write {tmp_path / 'big.wav'}: File too large [disk_full]\n", done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("content, name", [
    (b"this is not audio", "x.mp3"), (b"ID3 but nothing after", "tagged.mp3"), (b"this is not audio", "x.wav"),
    (bytes(range(256)) * 20, "x.ogg"), (b"", "empty.flac"),
])
def test_a_file_that_is_not_audio_is_named_in_one_clear_line(tmp_path, capfd, content, name):
    (tmp_path / name).write_bytes(content)
    for read in (read_audio, read_metadata):
        with pytest.raises(SoundloomError) as caught:
            read(tmp_path / name)
        assert (caught.value.code.value, caught.value.field) == ("unreadable_audio", "input")
        reason = "its contents are not in an audio format soundloom reads"
        assert caught.value.message == f"{name} is not a readable audio file ({reason})"
    assert capfd.readouterr().err == ""  # the MPEG decoder's notes stay off the terminal


def test_a_damaged_mp3_decodes_without_the_decoders_notes(tmp_path, capfd):
    t = np.arange(16000) / 16000
    sf.write(tmp_path / "whole.mp3", 0.3 * np.sin(2 * np.pi * 440 * t), 16000, format="MP3")
    whole = (tmp_path / "whole.mp3").read_bytes()
    half = len(whole) // 2
    (tmp_path / "damaged.mp3").write_bytes(whole[:half] + bytes(500) + whole[half:])  # the decoder resyncs past it
    samples, rate = read_audio(tmp_path / "damaged.mp3")
    assert rate == 16000 and samples.shape == (1, 16000)
    print("a line of ours", file=sys.stderr)
    assert capfd.readouterr().err == "a line of ours\n"


def test_the_output_path_check_says_what_is_wrong(tmp_path):
    (tmp_path / "dir.wav").mkdir()
    source = tmp_path / "in.wav"
    write_audio(source, np.zeros((1, 10), np.float32), 16000)
    cases = {
        tmp_path / "dir.wav": "is a folder",
        tmp_path / "no" / "a.wav": "does not exist",
        tmp_path / "a.ogg": "allowed extensions are .wav, .flac",
        source: "is the input file",
    }
    for path, fragment in cases.items():
        with pytest.raises(SoundloomError) as caught:
            check_output_path(path, "output", inputs=(source,))
        assert fragment in caught.value.message and caught.value.field == "output"
    assert check_output_path(source, "output", inputs=(source,), overwrite=True) == source
