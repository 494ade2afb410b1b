"""Scanning: what a file is indexed with, and how new, changed, moved and removed files are noticed."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest
import soundfile as sf

from soundloom.library import LibraryError
from soundloom.sdk.audio_file import write_audio

from .conftest import bwf, noise, tone


def test_a_scan_indexes_each_file_with_its_facts(open_index, library):
    index = open_index()
    index.add_root(library)
    report = index.scan()
    assert (report.added, report.changed, report.removed, report.skipped) == (5, 0, 0, [])
    slam = index.get(library / "Doors" / "DOORWood_Slam Heavy_JD_Studio.wav")
    assert (slam.category, slam.subcategory, slam.catid) == ("DOORS", "WOOD", "DOORWood")
    assert (slam.caption, slam.caption_source) == ("slam heavy, doors wood", "ucs")
    assert (slam.sample_rate, slam.channels, slam.subtype) == (16000, 1, "PCM_16")
    assert slam.seconds == pytest.approx(0.6) and slam.root == str(library) and slam.name == slam.path.rsplit("/", 1)[1]
    assert slam.peak_dbfs == pytest.approx(20 * np.log10(0.3), abs=0.2)
    assert -30 < slam.loudness_lufs < -10
    rain = index.get(library / "Weather" / "soft_rain.wav")
    assert (rain.caption, rain.caption_source) == ("gentle rain on leaves", "sidecar")
    pad = index.get(library / "Synth" / "pad_A3.wav")
    assert (pad.sample_rate, pad.channels, pad.subtype) == (48000, 2, "FLOAT")
    assert pad.pitch_hz == pytest.approx(220, rel=0.02)
    assert index.get(library / "Impacts" / "anvil_strike.flac").subtype == "PCM_16"


def test_loudness_is_none_below_400_ms_and_bwf_descriptions_caption(open_index, tmp_path):
    root = tmp_path / "lib"
    tone(root / "blip.wav", seconds=0.3)
    bwf(root / "horn.wav", description="Ship horn, long blast")
    index = open_index()
    index.add_root(root)
    index.scan()
    assert index.get(root / "blip.wav").loudness_lufs is None
    horn = index.get(root / "horn.wav")
    assert (horn.caption, horn.caption_source, horn.subtype) == ("Ship horn, long blast", "embedded", "PCM_24")
    assert [r.name for r in index.search("blast")] == ["horn.wav"]


def test_generated_sounds_carry_their_settings(open_index):
    index = open_index()
    write_audio(index.generated / "take_1.wav", np.full((1, 8000), 0.1, np.float32), 16000,
                {"prompt": "rusty hinge creak", "seed": 42, "model": "starter", "parent": "/a/b.wav"})
    index.scan()
    record = index.get(index.generated / "take_1.wav")
    assert (record.prompt, record.seed, record.model, record.parent) == ("rusty hinge creak", 42, "starter", "/a/b.wav")
    assert record.caption == "rusty hinge creak"
    generated = next(r for r in index.roots() if r.kind == "generated")
    assert (generated.name, generated.files, generated.path) == ("Generated", 1, str(index.generated))
    assert [r.name for r in index.search("hinge")] == ["take_1.wav"]


def test_an_unchanged_rescan_opens_nothing_and_changes_nothing(open_index, library, monkeypatch):
    index = open_index()
    index.add_root(library)
    index.scan()
    import soundloom.library.scanner as scanner

    monkeypatch.setattr(scanner, "analyse", lambda *a, **k: pytest.fail("an unchanged file was read"))
    monkeypatch.setattr(scanner, "content_hash", lambda *a, **k: pytest.fail("an unchanged file was hashed"))
    report = index.scan()
    assert (report.added, report.changed, report.moved, report.removed, report.unchanged) == (0, 0, 0, 0, 5)


def test_changed_files_are_read_again_and_keep_what_the_user_gave_them(open_index, library):
    index = open_index()
    index.add_root(library)
    index.scan()
    path = library / "Impacts" / "anvil_strike.flac"
    index.set_rating(path, 5)
    index.set_tags(path, ["metal", "hit"])
    index.add_to_collection("Keepers", [path])
    tone(path, 440, seconds=1.2)
    os.utime(path, ns=(1, 1))  # an mtime that cannot equal the stored one
    report = index.scan()
    assert (report.changed, report.added) == (1, 0)
    record = index.get(path)
    assert record.seconds == pytest.approx(1.2) and record.rating == 5 and record.tags == ["hit", "metal"]
    assert [r.path for r in index.search(collection="Keepers")] == [str(path)]


def test_a_moved_file_keeps_rating_tags_and_collections(open_index, library):
    index = open_index()
    index.add_root(library)
    index.scan()
    old = library / "Impacts" / "anvil_strike.flac"
    index.set_rating(old, 4)
    index.set_favourite(old, True)
    index.set_tags(old, ["forge"])
    index.add_to_collection("Metal", [old])
    new = library / "Doors" / "Forge" / "Anvil_Hit_Big.flac"
    new.parent.mkdir()
    os.rename(old, new)
    report = index.scan()
    assert (report.moved, report.added, report.removed) == (1, 0, 0)
    assert index.get(old) is None
    record = index.get(new)
    assert (record.rating, record.favourite, record.tags) == (4, True, ["forge"])
    assert record.caption == "anvil hit, big, doors forge"  # made again from the new name
    assert [r.path for r in index.search(collection="Metal")] == [str(new)]


def test_deleted_files_are_removed_and_a_missing_root_keeps_its_sounds(open_index, library, tmp_path):
    index = open_index()
    index.add_root(library)
    index.scan()
    (library / "Synth" / "pad_A3.wav").unlink()
    assert index.scan().removed == 1
    moved_away = tmp_path / "elsewhere"
    os.rename(library, moved_away)  # as if the drive were unplugged
    report = index.scan()
    assert report.removed == 0 and index.count() == 4
    assert any("missing" in notice for notice in report.notices)
    assert [r.present for r in index.roots() if r.kind == "library"] == [False]


def test_progress_reports_every_file_and_cancel_stops_without_removing(open_index, tmp_path):
    root = tmp_path / "many"
    for i in range(12):
        tone(root / f"beep_{i:02d}.wav", 300 + 20 * i, seconds=0.2)
    index = open_index()
    index.add_root(root)
    calls = []
    cancel = threading.Event()

    def progress(done, total, path):
        calls.append((done, total))
        if done == 5:
            cancel.set()

    report = index.scan(progress=progress, cancel=cancel)
    assert report.cancelled and calls[0] == (0, 12) and all(total == 12 for _, total in calls)
    assert 5 <= index.count() < 12
    report = index.scan()
    assert not report.cancelled and report.added == 12 - report.unchanged and index.count() == 12


def test_one_scan_at_a_time_and_reads_go_on_meanwhile(open_index, library):
    index = open_index()
    index.add_root(library)
    started, release = threading.Event(), threading.Event()

    def progress(done, total, path):
        started.set()
        release.wait(30)

    first = index.start_scan(progress)
    started.wait(30)
    assert index.start_scan() is first  # the running scan, not a second one
    assert index.search("door") == [] and index.roots()[1].files >= 0  # another thread reads meanwhile
    release.set()
    assert first.wait(60).added == 5


def test_adding_a_root_checks_the_folder(open_index, library, tmp_path):
    index = open_index()
    with pytest.raises(LibraryError) as info:
        index.add_root(tmp_path / "nope")
    assert info.value.field == "folder" and str(info.value).startswith("folder: ")
    index.add_root(library)
    assert index.add_root(library).path == str(library)  # adding twice is harmless
    with pytest.raises(LibraryError):
        index.add_root(library / "Doors")  # already covered
    with pytest.raises(LibraryError):
        index.remove_root(index.generated)
    index.scan()
    index.remove_root(library)
    assert index.count() == 0 and [r.kind for r in index.roots()] == ["generated"]
    assert (library / "Doors" / "Door_Slam_Metal_02.wav").exists()


def test_user_data_is_checked(open_index, library):
    index = open_index()
    index.add_root(library)
    index.scan()
    path = library / "Synth" / "pad_A3.wav"
    for stars in (-1, 6, 2.5, True):
        with pytest.raises(LibraryError):
            index.set_rating(path, stars)
    with pytest.raises(LibraryError) as info:
        index.set_rating(library / "nope.wav", 3)
    assert info.value.field == "path"
    index.set_caption(path, "  warm   analog pad ")
    assert (index.get(path).caption, index.get(path).caption_source) == ("warm analog pad", "user")
    os.utime(path, ns=(1, 1))
    index.scan()
    assert index.get(path).caption == "warm analog pad"  # the user's caption survives a rescan
    index.set_caption(path, "")
    index.scan()
    assert index.get(path).caption_source == "names"
    index.add_to_collection("Pads", [path])
    assert index.collections() == ["Pads"]
    index.remove_from_collection("Pads", [path])
    assert index.search(collection="Pads") == []


def test_two_hour_files_are_indexed_with_features_of_their_start(open_index, tmp_path):
    root = tmp_path / "field"
    root.mkdir()
    rate = 1000  # a low rate keeps two hours small on disk
    with sf.SoundFile(root / "harbour_2h.wav", "w", rate, 1, subtype="PCM_16") as f:
        block = (0.2 * np.sin(2 * np.pi * 110 * np.arange(rate * 600) / rate)).astype(np.float32)
        for _ in range(12):
            f.write(block)
    index = open_index()
    index.add_root(root)
    index.scan()
    record = index.get(root / "harbour_2h.wav")
    assert record.seconds == pytest.approx(7200) and record.peak_dbfs == pytest.approx(20 * np.log10(0.2), abs=0.1)
    assert record.pitch_hz == pytest.approx(110, rel=0.03)


def test_a_caption_file_added_or_removed_later_is_noticed(open_index, library):
    index = open_index()
    index.add_root(library)
    index.scan()
    pad = library / "Synth" / "pad_A3.wav"
    (library / "Synth" / "pad_A3.json").write_text('{"caption": "slow evolving string pad"}')
    report = index.scan()
    assert (report.changed, report.unchanged) == (1, 4)
    assert (index.get(pad).caption, index.get(pad).caption_source) == ("slow evolving string pad", "sidecar")
    (library / "Synth" / "pad_A3.json").unlink()
    assert index.scan().changed == 1 and index.get(pad).caption_source == "names"
