"""Scanning a user's sample library: captions from names or sidecars, clear reasons for every skip,
and the library left exactly as it was."""

import hashlib
import json
import os

import numpy as np
import pytest
import soundfile as sf

from soundloom.engine.training.library import caption_from_names, scan_library, words_of
from soundloom.protocol.errors import SoundloomError


def _tone(path, seconds=0.5, rate=16000, level=0.3):
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(seconds * rate)) / rate
    sf.write(path, (level * np.sin(2 * np.pi * 330 * t)).astype(np.float32), rate)
    return path


def _fingerprint(root):
    out = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                stat = os.stat(path)
                out[path] = (hashlib.sha256(open(path, "rb").read()).hexdigest(), stat.st_mtime_ns, stat.st_mode)
    return out


@pytest.mark.parametrize(
    "relative, caption",
    [
        ("Foley/Doors/Door_Slam_Wood_03.wav", "door slam, wood, foley doors"),
        ("KickDrum_Punchy_v2_take3.wav", "kick drum, punchy"),
        ("drums/snare-tight FINAL.flac", "snare tight, drums"),
        ("Ambience/rain on roof (stereo) 48k.wav", "rain on, roof, ambience"),
    ],
)
def test_captions_come_from_file_and_folder_names(relative, caption):
    from pathlib import Path

    assert caption_from_names(Path(relative)) == caption


def test_words_drop_takes_versions_and_noise():
    assert words_of("BassHit_02_v3_mono_edit") == ["bass", "hit"]


def test_a_library_scan_reports_clips_sidecars_and_every_skip(tmp_path):
    lib = tmp_path / "My Library"
    _tone(lib / "Foley/Doors/Door_Slam_Wood_03.wav")
    _tone(lib / "Foley/Doors/DOORWood_Slam Heavy Oak_SL_Foley.wav")  # a UCS name: creator and source IDs are no caption
    _tone(lib / "Kicks/kick_01.flac")
    (lib / "Kicks/kick_01.txt").write_text("a deep punchy kick with a long tail\n")
    _tone(lib / "Kicks/Kick ünïcödé 02.wav")
    (lib / "Kicks/Kick ünïcödé 02.json").write_text(json.dumps({"caption": "a clicky kick"}))
    _tone(lib / "bad/too_short.wav", seconds=0.05)
    _tone(lib / "bad/silence.wav", level=0.0)
    (lib / "bad/corrupt.wav").write_bytes(b"RIFF0000WAVEnope")
    (lib / "bad/empty.flac").write_bytes(b"")
    sf.write(lib / "bad/two_hours.wav", np.zeros(7200 * 1000, np.int16), 1000, subtype="PCM_U8")
    (lib / "notes.pdf").write_bytes(b"%PDF")
    os.symlink(lib, lib / "Foley" / "loop")  # a folder that contains itself
    before = _fingerprint(lib)

    scan = scan_library(lib)

    captions = {c.path: (c.caption, c.caption_source) for c in scan.clips}
    assert captions == {
        "Foley/Doors/Door_Slam_Wood_03.wav": ("door slam, wood, foley doors", "names"),
        "Foley/Doors/DOORWood_Slam Heavy Oak_SL_Foley.wav": ("slam heavy oak, doors wood", "ucs"),
        "Kicks/kick_01.flac": ("a deep punchy kick with a long tail", "sidecar"),
        "Kicks/Kick ünïcödé 02.wav": ("a clicky kick", "sidecar"),
    }
    reasons = {s["path"]: s["reason"] for s in scan.skipped}
    assert reasons["bad/too_short.wav"].startswith("too short")
    assert reasons["bad/silence.wav"].startswith("silent")
    assert reasons["bad/corrupt.wav"].startswith("unreadable") and reasons["bad/empty.flac"].startswith("unreadable")
    assert reasons["bad/two_hours.wav"].startswith("too long (120.0 min")
    assert any("symlink loop" in r for r in reasons.values())
    assert _fingerprint(lib) == before  # nothing in the library changed


def test_an_empty_folder_scans_to_nothing_and_a_missing_one_is_an_error(tmp_path):
    assert scan_library(tmp_path).clips == []
    with pytest.raises(SoundloomError) as err:
        scan_library(tmp_path / "nope")
    assert err.value.field == "folder"
