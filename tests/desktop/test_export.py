"""Rendering for the DAW: names, formats, bext, never overwriting, and the drag data naming files
that exist before the drag starts."""

from __future__ import annotations

import os
from urllib.parse import unquote_to_bytes

import numpy as np
import pytest
import soundfile as sf
import wavinfo

from soundloom.desktop.export import ExportError, ExportFormat, drag_file, export_name, render
from soundloom.desktop.mime import drag_mime, file_uri, mime_for_files
from soundloom.desktop.paths import exports_dir
from soundloom.desktop.selection import Region
from soundloom.sdk.audio_file import read_metadata, write_audio
from sounds import write_tone

SETTINGS = {"prompt": "door slam wood", "seed": 3, "model": "starter"}


@pytest.fixture
def generated(tmp_path):
    rng = np.random.default_rng(1)
    path = tmp_path / "generated" / "door slam wood_003.wav"
    path.parent.mkdir()
    write_audio(path, (rng.standard_normal((2, 48000 * 3)) * 0.2).astype(np.float32), 48000, SETTINGS)
    return path


@pytest.fixture
def recording(tmp_path):
    return write_tone(tmp_path / "lib" / "DOORWood_Slam_SL.wav", 3.0, rate=48000, channels=2, subtype="PCM_24")


def test_a_region_keeps_rate_bit_depth_and_every_sample(recording):
    path = render(recording, Region(1.2, 2.45))
    assert path == exports_dir() / "DOORWood_Slam_SL_1.20-2.45s.wav"
    assert exports_dir().is_relative_to(os.environ["SOUNDLOOM_DATA_DIR"])  # under the data dir, not a temp folder
    info = sf.info(path)
    assert (info.samplerate, info.subtype, info.channels, info.frames) == (48000, "PCM_24", 2, 60000)
    source = sf.read(recording, dtype="int32")[0]
    assert np.array_equal(sf.read(path, dtype="int32")[0], source[57600:117600])


def test_the_same_render_twice_is_one_file_and_nothing_is_overwritten(recording):
    first = render(recording, Region(0.5, 1.0))
    mtime = first.stat().st_mtime_ns
    assert render(recording, Region(0.5, 1.0)) == first and first.stat().st_mtime_ns == mtime
    # Another sound with the same stem and region: a new name, the first file untouched.
    other = write_tone(recording.parent / "elsewhere" / recording.name, 3.0, hz=880, channels=2, subtype="PCM_24")
    before = first.read_bytes()
    second = render(other, Region(0.5, 1.0))
    assert second.name == "DOORWood_Slam_SL_0.50-1.00s (2).wav"
    assert first.read_bytes() == before
    assert render(other, Region(0.5, 1.0)) == second


def test_a_chosen_format(recording):
    fmt = ExportFormat(44100, "PCM_16")
    path = render(recording, Region(0.0, 2.0), fmt)
    assert path.name == "DOORWood_Slam_SL_0.00-2.00s_44.1k-16bit.wav"
    info = sf.info(path)
    assert (info.samplerate, info.subtype) == (44100, "PCM_16")
    assert abs(info.frames - 88200) <= 2
    assert render(recording, None, ExportFormat(None, "FLOAT")).name == "DOORWood_Slam_SL_32f.wav"
    with pytest.raises(ValueError, match="44100"):
        ExportFormat(22050)


def test_generated_sounds_carry_prompt_seed_and_model_in_bext(generated):
    path = render(generated, Region(1.2, 2.45))
    assert path.name == "door slam wood_003_1.20-2.45s.wav"
    bext = wavinfo.WavInfoReader(str(path)).bext
    assert bext.description == "prompt: door slam wood; seed: 3; model: starter (1.20-2.45 s)"
    assert bext.originator == "soundloom"
    assert read_metadata(path) == SETTINGS  # soundloom's own tag survives too
    assert sf.info(path).frames == 60000


def test_library_sounds_name_their_origin_in_bext(recording):
    bext = wavinfo.WavInfoReader(str(render(recording, Region(0.1, 0.2)))).bext
    assert bext.description == "from DOORWood_Slam_SL.wav (0.10-0.20 s)"


def test_drag_hands_over_library_files_as_they_are_and_renders_the_rest(recording, generated):
    assert drag_file(recording) == recording
    assert not exports_dir().exists()
    assert drag_file(recording, Region(0.0, 1.0)).parent == exports_dir()
    assert drag_file(recording, fmt=ExportFormat(48000, "PCM_16")).parent == exports_dir()
    # The engine prunes its results: a generated sound is copied out even whole.
    whole = drag_file(generated, generated=True)
    assert whole.parent == exports_dir() and whole.name == "door slam wood_003.wav"


def test_drag_mime_names_a_file_that_exists_before_the_drag(recording):
    mime, path = drag_mime(recording, Region(1.0, 1.5))
    assert path.is_file() and sf.info(path).frames == 24000
    uris = bytes(mime.data("text/uri-list")).split(b"\r\n")
    assert uris == [file_uri(path), b""]
    assert unquote_to_bytes(uris[0].removeprefix(b"file://")) == os.fsencode(path)
    assert bytes(mime.data("text/plain")) == os.fsencode(path)
    assert [url.toLocalFile() for url in mime.urls()] == [str(path)]


def test_names_that_are_not_utf8_survive_the_trip(tmp_path):
    name = os.fsdecode(b"caf\xe9 porte claque.wav")  # Latin-1 bytes, as old sample CDs have them
    path = write_tone(tmp_path / name, 1.0)
    mime = mime_for_files([path])
    uri = bytes(mime.data("text/uri-list")).split(b"\r\n")[0]
    assert b"caf%E9%20porte" in uri
    assert unquote_to_bytes(uri.removeprefix(b"file://")) == os.fsencode(path)
    rendered = render(path, Region(0.1, 0.6))
    assert os.fsencode(rendered.name) == b"caf\xe9 porte claque_0.10-0.60s.wav"
    assert export_name(path, Region(0.1, 0.6)) == rendered.name


def test_failures_are_errors_that_name_the_file(tmp_path, recording):
    garbage = tmp_path / "broken.wav"
    garbage.write_bytes(b"RIFF....WAVEjunk")
    with pytest.raises(ExportError, match="broken.wav"):
        render(garbage, Region(0, 1))
    with pytest.raises(ExportError, match="nothing to export"):
        render(recording, Region(5.0, 6.0))
    not_a_folder = tmp_path / "a file"
    not_a_folder.write_text("")  # unwritable for every user, root included
    with pytest.raises(ExportError, match="cannot write"):
        render(recording, Region(0, 1), folder=not_a_folder / "exports")
    with pytest.raises(ExportError, match="no longer exists"):
        drag_file(tmp_path / "gone.wav")


def test_an_export_is_readable_by_other_users_as_any_program_would_leave_it(recording):
    import stat

    from soundloom.protocol.atomic_files import new_file_mode

    path = render(recording, Region(0.5, 1.0))
    assert stat.S_IMODE(os.stat(path).st_mode) == new_file_mode()  # not mkstemp's private 0600
