"""Takes without an engine: the exact format, bit-identity outside the regions, the check that
refuses a take with a single changed sample, naming, in-place replacement, unsupported formats,
unwritable folders and files still being written."""

from __future__ import annotations

import datetime
import os
import struct

import numpy as np
import pytest
import soundfile as sf

from clips import clip_samples, native, read_only_folder, write_clip
from soundloom.bridge import clip as clip_module
from soundloom.bridge.clip import check_settled, read_float, read_format
from soundloom.bridge.errors import BridgeError, TakeMismatchError
from soundloom.bridge.regions import Region
from soundloom.bridge.takes import next_take_path, replace_in_place, verify_untouched, write_take
from soundloom.sdk.audio_file import read_metadata
from soundloom.sdk.bwf import add_bext, bext_description, bext_time_reference, read_chunks

META = {"prompt": "glass shatter", "seed": 7, "model": "tiny", "parent": "take.wav", "regions": [[0.25, 0.5]]}


def _engine_like(path, regions, gain=-0.5):
    """What the engine hands back: the clip as float32 with the regions changed (here: scaled)."""
    audio = read_float(path)
    fmt = read_format(path)
    for region in regions:
        first, stop = region.frames(fmt.samplerate)
        audio[:, first:stop] *= gain
    return audio


@pytest.mark.parametrize("name, rate, channels, subtype", [
    ("stereo24.wav", 48000, 2, "PCM_24"),
    ("mono16.wav", 44100, 1, "PCM_16"),
    ("float.wav", 48000, 2, "FLOAT"),
    ("double.wav", 22050, 1, "DOUBLE"),
    ("pcm32.wav", 16000, 1, "PCM_32"),
    ("unsigned8.wav", 8000, 1, "PCM_U8"),
    ("flac24.flac", 48000, 2, "PCM_24"),
    ("flac16.flac", 44100, 1, "PCM_16"),
    ("aiff24.aiff", 48000, 2, "PCM_24"),
    ("wave64.w64", 16000, 1, "PCM_16"),
    ("six.wav", 16000, 6, "PCM_24"),
])
def test_a_take_keeps_the_format_and_every_sample_outside_the_regions(tmp_path, name, rate, channels, subtype):
    source = write_clip(tmp_path / name, 0.6, rate, channels, subtype)
    regions = [Region(0.1, 0.2), Region(0.35, 0.5)]
    take = write_take(source, _engine_like(source, regions), rate, regions, META)
    assert take == tmp_path / f"{source.stem}.take-1{source.suffix}"
    assert read_format(take) == read_format(source)  # rate, channels, frames, container, subtype
    original, made = native(source), native(take)
    outside = np.ones(len(original), bool)
    for region in regions:
        first, stop = region.frames(rate)
        outside[first:stop] = False
        assert not np.array_equal(original[first:stop], made[first:stop])  # the regions did change
    assert np.array_equal(original[outside], made[outside])
    verify_untouched(source, take, regions)


def test_inside_the_regions_the_audio_is_quantised_to_the_source_format(tmp_path):
    source = write_clip(tmp_path / "a.wav", 0.5, 16000, 1, "PCM_16")
    region = Region(0.1, 0.2)
    audio = _engine_like(source, [region], gain=0.5)
    take = write_take(source, audio, 16000, [region], META)
    first, stop = region.frames(16000)
    as_read = sf.read(str(take), dtype="int16")[0][first:stop]
    assert np.array_equal(as_read, np.clip(np.rint(audio[0, first:stop] * 32768), -32768, 32767).astype(np.int16))


def test_a_take_at_another_rate_or_mono_is_fitted_to_the_source(tmp_path):
    source = write_clip(tmp_path / "a.wav", 0.5, 48000, 2, "PCM_24")
    mono_16k = np.random.default_rng(1).uniform(-0.3, 0.3, size=(1, 8000)).astype(np.float32)
    take = write_take(source, mono_16k, 16000, [Region(0.1, 0.3)], META)
    assert read_format(take) == read_format(source)
    verify_untouched(source, take, [Region(0.1, 0.3)])
    made = native(take)[4800:14400]
    assert np.array_equal(made[:, 0], made[:, 1])  # one generated channel, copied to both


def test_a_single_changed_sample_outside_the_regions_is_refused(tmp_path):
    source = write_clip(tmp_path / "a.wav", 0.5, 48000, 2, "PCM_24")
    regions = [Region(0.1, 0.2)]
    take = write_take(source, _engine_like(source, regions), 48000, regions, META)
    tampered = tmp_path / "tampered.wav"
    data = native(take)
    data[20000, 1] ^= 1 << 8  # the least significant bit of a 24-bit sample (left-aligned in int32)
    sf.write(str(tampered), data, 48000, subtype="PCM_24")
    with pytest.raises(TakeMismatchError, match=r"frame 20000 \(0\.416667 s\), channel 1") as caught:
        verify_untouched(source, tampered, regions)
    assert (caught.value.frame, caught.value.channel) == (20000, 1)
    data[20000, 1] ^= 1 << 8
    data[4800, 0] ^= 1 << 8  # inside the region: allowed
    sf.write(str(tampered), data, 48000, subtype="PCM_24")
    verify_untouched(source, tampered, regions)


def test_a_float_take_differing_only_in_the_last_bit_is_refused(tmp_path):
    source = write_clip(tmp_path / "a.wav", 0.2, 16000, 1, "FLOAT")
    data = native(source)
    data[100, 0] = np.nextafter(data[100, 0], np.float32(1))
    other = tmp_path / "other.wav"
    sf.write(str(other), data, 16000, subtype="FLOAT")
    with pytest.raises(TakeMismatchError, match="frame 100"):
        verify_untouched(source, other, [Region(0.05, 0.1)])


def test_a_take_of_another_length_or_format_is_refused(tmp_path):
    source = write_clip(tmp_path / "a.wav", 0.5, 16000, 1, "PCM_16")
    shorter = write_clip(tmp_path / "b.wav", 0.4, 16000, 1, "PCM_16")
    wider = write_clip(tmp_path / "c.wav", 0.5, 16000, 1, "PCM_24")
    with pytest.raises(TakeMismatchError, match="frames"):
        verify_untouched(source, shorter, [Region(0.1, 0.2)])
    with pytest.raises(TakeMismatchError, match="PCM_24"):
        verify_untouched(source, wider, [Region(0.1, 0.2)])


def test_write_take_refuses_and_leaves_nothing_when_the_check_fails(tmp_path, monkeypatch):
    """A fault between building and writing (simulated: the encoder flips one sample outside the
    region) must be caught by the read-back check; no take and no temporary file remain."""
    from soundloom.bridge import takes

    source = write_clip(tmp_path / "a.wav", 0.3, 16000, 1, "PCM_16")
    real_encode = takes._encode

    def faulty(target, samples, fmt, metadata, src):
        samples = samples.copy()
        samples[10, 0] += 1 << 16
        real_encode(target, samples, fmt, metadata, src)

    monkeypatch.setattr(takes, "_encode", faulty)
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(TakeMismatchError, match="frame 10"):
        write_take(source, read_float(source), 16000, [Region(0.1, 0.2)], META)
    assert sorted(os.listdir(tmp_path)) == before


def test_take_names_count_up_and_never_replace_a_file(tmp_path):
    source = write_clip(tmp_path / "kick.wav", 0.2, 16000, 1)
    assert next_take_path(source) == tmp_path / "kick.take-1.wav"
    (tmp_path / "kick.take-1.wav").write_bytes(b"")
    (tmp_path / "kick.take-7.flac").write_bytes(b"")  # another format of the same family
    (tmp_path / "kickdrum.take-20.wav").write_bytes(b"")  # another family
    assert next_take_path(source) == tmp_path / "kick.take-8.wav"
    assert next_take_path(tmp_path / "kick.take-1.wav") == tmp_path / "kick.take-8.wav"  # a take of a take
    explicit = tmp_path / "kick.take-1.wav"
    with pytest.raises(BridgeError, match="already exists"):
        write_take(source, read_float(source), 16000, [Region(0.05, 0.1)], META, path=explicit)
    assert explicit.read_bytes() == b""


def test_takes_carry_their_settings_and_a_bext_description(tmp_path):
    source = write_clip(tmp_path / "take.wav", 0.5, 48000, 2, "PCM_24")
    take = write_take(source, _engine_like(source, [Region(0.25, 0.5)]), 48000, [Region(0.25, 0.5)], META)
    assert read_metadata(take) == META
    description = bext_description(read_chunks(take)[b"bext"])
    assert description == "prompt: glass shatter; seed: 7; model: tiny; made from take.wav 0.25-0.50 s"
    flac = write_clip(tmp_path / "take.flac", 0.5, 48000, 1, "PCM_24")
    assert read_metadata(write_take(flac, read_float(flac), 48000, [Region(0.1, 0.2)], META)) == META


def test_the_sources_timeline_position_ixml_markers_and_tempo_carry_over(tmp_path):
    source = write_clip(tmp_path / "rec.wav", 0.3, 48000, 1, "PCM_24")
    ixml = b"<?xml version=\"1.0\"?><BWFXML><SCENE>12</SCENE></BWFXML>"
    cue = struct.pack("<I", 1) + struct.pack("<II4sIII", 1, 4800, b"data", 0, 0, 4800)  # one marker at 0.1 s
    acid = struct.pack("<IHHfIHHf", 0x1, 60, 0x8000, 0.0, 4, 4, 4, 120.0)  # a loop at 120 BPM, 4/4
    add_bext(source, "recorded", datetime.datetime(2026, 1, 2, 3, 4, 5), time_reference=48000 * 3600 * 5 + 7,
             extra_chunks=[(b"iXML", ixml), (b"cue ", cue), (b"acid", acid)])
    samples_before = native(source)
    take = write_take(source, read_float(source), 48000, [Region(0.1, 0.2)], META)
    chunks = read_chunks(take, (b"bext", b"iXML", b"cue ", b"acid"))
    assert bext_time_reference(chunks[b"bext"]) == 48000 * 3600 * 5 + 7
    assert (chunks[b"iXML"], chunks[b"cue "], chunks[b"acid"]) == (ixml, cue, acid)
    assert np.array_equal(native(take), samples_before)  # nothing was regenerated: all samples equal


def test_replace_in_place_keeps_a_backup_first(tmp_path):
    source = write_clip(tmp_path / "vox.wav", 0.3, 48000, 2, "PCM_24")
    original = source.read_bytes()
    os.chmod(source, 0o640)
    take = write_take(source, _engine_like(source, [Region(0.1, 0.2)]), 48000, [Region(0.1, 0.2)], META)
    backup = replace_in_place(source, take)
    assert backup.parent == tmp_path / ".soundloom-backups"
    assert backup.read_bytes() == original
    assert source.read_bytes() == take.read_bytes()
    assert oct(os.stat(source).st_mode & 0o777) == oct(0o640)
    second = replace_in_place(source, take, backup_dir=tmp_path / "elsewhere")
    assert second.parent == tmp_path / "elsewhere" and second.read_bytes() == take.read_bytes()


def test_replace_in_place_refuses_a_take_of_another_format(tmp_path):
    source = write_clip(tmp_path / "vox.wav", 0.3, 48000, 2, "PCM_24")
    other = write_clip(tmp_path / "other.wav", 0.3, 48000, 2, "PCM_16")
    before = source.read_bytes()
    with pytest.raises(BridgeError, match="same format"):
        replace_in_place(source, other)
    assert source.read_bytes() == before
    assert not (tmp_path / ".soundloom-backups").exists()


@pytest.mark.parametrize("name, fmt, subtype, reason", [
    ("song.mp3", "MP3", "MPEG_LAYER_III", "MP3"),
    ("loop.ogg", "OGG", "VORBIS", "OGG"),
    ("phone.wav", "WAV", "ULAW", "ULAW"),
    ("adpcm.wav", "WAV", "IMA_ADPCM", "IMA_ADPCM"),
])
def test_formats_that_cannot_be_written_back_exactly_are_refused(tmp_path, name, fmt, subtype, reason):
    path = tmp_path / name
    sf.write(str(path), clip_samples(0.5, 16000, 1), 16000, format=fmt, subtype=subtype)
    with pytest.raises(BridgeError, match=f"input: .*{reason}.*cannot be written back sample for sample"):
        read_format(path)


def test_missing_and_unreadable_files_are_named(tmp_path):
    with pytest.raises(BridgeError, match="input: no file at"):
        read_format(tmp_path / "nope.wav")
    (tmp_path / "text.wav").write_text("not audio")
    with pytest.raises(BridgeError, match="input: text.wav is not a readable audio file"):
        read_format(tmp_path / "text.wav")


def test_a_read_only_folder_is_refused_before_anything_is_written(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    source = write_clip(folder / "a.wav", 0.3, 16000, 1)
    with read_only_folder(folder):
        with pytest.raises(BridgeError, match="output_dir: no permission to write in folder .*--output-dir"):
            write_take(source, read_float(source), 16000, [Region(0.1, 0.2)], META)
    assert sorted(os.listdir(folder)) == ["a.wav"]


def test_a_file_still_being_written_is_refused(tmp_path, monkeypatch):
    source = write_clip(tmp_path / "rec.wav", 0.3, 16000, 1)
    check_settled(source, wait_s=0.01)  # a quiet file passes

    def daw_appends(_seconds):  # the DAW writes more while the check waits
        with open(source, "ab") as f:
            f.write(b"\0" * 64)

    monkeypatch.setattr(clip_module, "_sleep", daw_appends)
    with pytest.raises(BridgeError, match=r"input: rec.wav is still being written \(size \d+ -> \d+ bytes"):
        check_settled(source)


def test_add_bext_replaces_an_existing_bext_and_keeps_the_samples(tmp_path):
    source = write_clip(tmp_path / "a.wav", 0.2, 16000, 1, "PCM_16")
    samples = native(source)
    add_bext(source, "first", datetime.datetime(2026, 1, 1))
    add_bext(source, "second", datetime.datetime(2026, 1, 1), time_reference=5)
    data = source.read_bytes()
    assert data.count(b"bext") == 1
    assert struct.unpack("<I", data[4:8])[0] == len(data) - 8
    assert bext_description(read_chunks(source)[b"bext"]) == "second"
    assert np.array_equal(native(source), samples)


def test_takes_written_at_the_same_moment_get_different_names(tmp_path):
    import threading

    source = write_clip(tmp_path / "a.wav", 0.3, 16000, 1)
    audio = read_float(source)
    made, errors = [], []

    def one():
        try:
            made.append(write_take(source, audio, 16000, [Region(0.1, 0.2)], META))
        except Exception as exc:  # noqa: BLE001 — reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert sorted(p.name for p in made) == [f"a.take-{k}.wav" for k in range(1, 7)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.take-1.wav", "a.take-2.wav", "a.take-3.wav",
                                                          "a.take-4.wav", "a.take-5.wav", "a.take-6.wav", "a.wav"]


def test_a_change_past_the_first_comparison_block_is_found(tmp_path):
    source = write_clip(tmp_path / "long.wav", 6.0, 48000, 1, "PCM_16")  # longer than one block of 2**18 frames
    data = native(source)
    data[270_000, 0] ^= 1 << 16  # one 16-bit LSB
    other = tmp_path / "other.wav"
    sf.write(str(other), data, 48000, subtype="PCM_16")
    with pytest.raises(TakeMismatchError, match="frame 270000"):
        verify_untouched(source, other, [Region(0.1, 0.2)])
    verify_untouched(source, other, [Region(5.6, 5.7)])  # 270000 is 5.625 s: inside this region
