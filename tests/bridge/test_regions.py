"""Regions in seconds and in bars/beats, and every way a region can be wrong."""

from __future__ import annotations

import pytest

from soundloom.bridge.clip import ClipFormat
from soundloom.bridge.errors import BridgeError
from soundloom.bridge.regions import (
    Region, bar_seconds, bars_to_seconds, check_regions, join_close, parse_region,
)

CLIP = ClipFormat(samplerate=48000, channels=2, frames=48000 * 10, format="WAV", subtype="PCM_24")  # 10 s


def test_seconds():
    assert parse_region("1.25:2.5") == Region(1.25, 2.5)
    assert parse_region(" .5 : 3 ") == Region(0.5, 3.0)
    assert parse_region("1.25s:2.5s") == Region(1.25, 2.5)


def test_bars_and_beats_at_120_bpm_in_4_4():
    # A beat is 0.5 s, a bar 2 s; bar 1 beat 1 is the file's first sample.
    assert parse_region("1.1:2.1", bpm=120) == Region(0.0, 2.0)
    assert parse_region("3.1:5.1", bpm=120) == Region(4.0, 8.0)
    assert parse_region("2.3.50:2.4", bpm=120) == Region(3.25, 3.5)
    assert parse_region("2:3", bpm=120) == Region(2.0, 4.0)
    assert parse_region("1.2.5:1.3", bpm=120) == Region(0.75, 1.0)  # .5 and .50 are both half a beat
    assert parse_region("0.25s:1.1.50", bpm=120) == Region(0.25, 0.25)  # seconds still possible, with s
    assert bar_seconds(120) == 2.0


def test_bars_and_beats_in_6_8():
    # Six eighth notes a bar; at 120 quarter notes a minute an eighth is 0.25 s, a bar 1.5 s.
    assert bar_seconds(120, "6/8") == 1.5
    assert parse_region("2.1:3.1", bpm=120, time_signature="6/8") == Region(1.5, 3.0)
    assert parse_region("1.4:1.6", bpm=120, time_signature="6/8") == Region(0.75, 1.25)
    assert bars_to_seconds(4, 90, "3/4") == pytest.approx(4 * 3 * 60 / 90)


@pytest.mark.parametrize("text, bpm, signature, message", [
    ("1.2", None, "4/4", "region: '1.2' is not START:END"),
    ("a:b", None, "4/4", "region: 'a' is not a position; give seconds"),
    ("2:1", None, "4/4", r"region: '2:1' ends \(1.000 s\) before it starts"),
    ("2.1:1.3", 120, "4/4", r"ends \(1.000 s\) before it starts \(2.000 s\)"),
    ("1.5:2.1", 120, "4/4", "beat 5 is out of range; allowed: 1 to 4 in 4/4"),
    ("1.7:2.1", 120, "6/8", "beat 7 is out of range; allowed: 1 to 6 in 6/8"),
    ("0.1:2.1", 120, "4/4", "bar 0 is out of range; bars count from 1"),
    ("1.1:2.1", 5, "4/4", "bpm: 5 is out of range; allowed: 20 to 999 BPM"),
    ("1.1:2.1", 120, "4/5", "time_signature: '4/5': allowed"),
    ("1.1:2.1", 120, "four", "time_signature: 'four' is not N/D"),
])
def test_malformed_regions_name_the_field_and_the_allowed_form(text, bpm, signature, message):
    with pytest.raises(BridgeError, match=message):
        parse_region(text, bpm=bpm, time_signature=signature)


def test_check_regions_sorts():
    assert check_regions(["5:6", (1, 2), Region(3, 4)], CLIP) == [Region(1, 2), Region(3, 4), Region(5, 6)]


@pytest.mark.parametrize("regions, message", [
    ([], "region: give at least one region"),
    (["9.5:10.5"], r"region\[0\]: 9.5:10.5 ends past the clip; allowed: 0 to 10.000 s"),
    (["10:11"], r"region\[0\]: 10:11 starts outside the clip"),
    ([(-1, 2)], r"region\[0\]: -1:2 starts outside the clip"),
    (["2:2"], r"region\[0\]: 2:2 is empty; END must exceed START by at least 0.01 s"),
    (["2:2.005"], "is empty"),
    (["1:3", "2:4"], r"region\[1\]: 2:4 overlaps region\[0\] 1:3; regions must not overlap"),
    (["5:6", "1:5.5"], r"region\[0\]: 5:6 overlaps region\[1\] 1:5.5"),
])
def test_bad_regions(regions, message):
    with pytest.raises(BridgeError, match=message) as caught:
        check_regions(regions, CLIP)
    assert "\n" not in str(caught.value)


def test_a_region_may_end_exactly_at_the_clip_end_and_touch_another():
    assert check_regions(["0:1", "1:10"], CLIP) == [Region(0, 1), Region(1, 10)]


def test_regions_closer_than_the_crossfade_are_joined_as_the_engine_joins_them():
    assert join_close([Region(1, 2), Region(2.01, 3), Region(4, 5)]) == [Region(1, 3), Region(4, 5)]
