"""Recorded sounds from Debian packages: names mapped to classes, licences, real-clip checks."""

from __future__ import annotations

import pytest
from soundloom.engine.training.corpus import MissingDependency, recordings
from soundloom.engine.training.corpus.licences import licence_for, package_summary
from soundloom.engine.pitch import cents, estimate_f0
from soundloom.engine.training.corpus.recording_names import classify_drum, filename_caption, parse_guitar_chord, tokens


@pytest.fixture(scope="module")
def found():
    try:
        return recordings.scan()
    except MissingDependency as err:
        pytest.fail(str(err))


def test_every_package_contributes_clips(found):
    assert {f.package for f in found} == set(recordings.PACKAGES)
    classes = {f.cls for f in found}
    assert {
        "kick",
        "snare",
        "hihat",
        "cymbal",
        "tom",
        "clap",
        "percussion",
        "speech",
        "notification",
        "acoustic_guitar",
    } <= classes


def test_drum_names_map_to_classes():
    assert classify_drum("Pearl Kick", "PearlKick-Softest") == (
        "kick",
        {"dynamics": "soft", "count": 1, "kind": "hit", "piece": "kick drum"},
    )
    assert classify_drum("Hi Hat Opened")[1]["piece"] == "open hi-hat"
    assert classify_drum("c#4 - crash")[0] == "cymbal"
    assert classify_drum('Tom Mid (Tama Superstar 13")')[1]["piece"] == "mid tom"
    assert classify_drum("Cowbell")[0] == "percussion"
    assert classify_drum("Pearl Side Stick") is None  # no class fits a side stick


def test_names_become_captions_like_a_user_library():
    assert tokens("PearlKick-Softest") == ["pearl", "kick", "softest"]
    assert filename_caption("Door_Slam_Wood_03") == "door slam wood"
    chord = parse_guitar_chord("Asharp minro7b5_DOWN_01")
    assert (chord["chord"], chord["strum"]) == ("A# half-diminished", "down")


def test_velocity_layers_of_one_drum_share_a_group(found):
    pearl_kicks = [f for f in found if "PearlKick" in f.path.name]
    assert len(pearl_kicks) == 5 and len({f.group for f in pearl_kicks}) == 1


def test_licences_come_from_the_debian_copyright_files(found):
    assert licence_for("hydrogen-drumkits", ["drumkits/The Black Pearl 1.0.h2drumkit"])["licence"] == "GPL-2"
    assert licence_for("hedgewars-data", ["share/hedgewars/Data/Sounds/Droplet1.ogg"])["licence"] == "CC-BY-SA-3.0"
    assert licence_for("hedgewars-data", ["share/hedgewars/Data/Sounds/voices/Default/Hello.ogg"])["licence"] == "GFDL-1.3"
    assert (
        licence_for("hydrogen-drumkits", ["drumkits/circAfrique v4.h2drumkit", "drumkits/circAfrique.h2drumkit"])["licence"]
        == "CC-BY-SA-3.0"
    )
    assert package_summary("fluid-soundfont-gm")["licence"] == "MIT"
    assert all(licence_for(f.package, list(f.licence_paths))["licence"] != "unknown" for f in found)


def test_recorded_piano_note_a4_measures_440_hz(found):
    a4 = next(f for f in found if f.path.name == "6A.ogg")
    assert (a4.cls, a4.attrs["note"]) == ("piano", "A4")
    out = recordings.render({"path": str(a4.path), "midi_pitch": 69})
    assert abs(cents(estimate_f0(out.audio), 440.0)) < 25
    assert out.onsets_s[0] < 0.02  # leading silence trimmed


def test_missing_package_is_named(monkeypatch):
    monkeypatch.setattr(recordings, "HEDGEWARS_ROOT", recordings.HEDGEWARS_ROOT / "absent")
    with pytest.raises(MissingDependency, match="hedgewars-data"):
        recordings.check_available()
