"""A tiny corpus built end to end: files, manifest, splits, captions, reproducibility, resume."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from soundloom.engine.training.corpus import CLASSES, MissingDependency, build_corpus, read_manifest
from soundloom.engine.training.corpus.build import main as corpus_main
from soundloom.engine.training.corpus.classes import BY_NAME, RESERVED_CLASSES

TINY = dict(seed=7, per_class=2, max_recordings_per_class=2, mixes=6, jobs=2, progress=False)


def build_or_fail(out: Path, **options) -> dict:
    """Build, turning a missing Debian package into a failure that names it."""
    try:
        return build_corpus(out, **options)
    except MissingDependency as err:
        pytest.fail(str(err))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("corpus") / "tiny"
    build_or_fail(root, **TINY)
    return root


@pytest.fixture(scope="module")
def entries(tiny) -> list[dict]:
    return read_manifest(tiny)


def test_every_class_has_clips_and_files_are_16k_mono_within_length(tiny, entries):
    assert {e["class"] for e in entries} == set(CLASSES)
    for e in entries:
        info = sf.info(str(tiny / e["path"]))
        assert (info.samplerate, info.channels) == (16000, 1), e["path"]
        assert 1.0 <= info.duration <= 10.0, e["path"]
        assert info.duration == pytest.approx(e["duration_s"], abs=1e-3)


def test_ground_truth_fields_are_present_and_consistent(tiny, entries):
    for e in entries:
        gt = e["ground_truth"]
        assert gt["class"] == e["class"] and gt["source"] == e["source"]
        assert gt["onsets_s"] == sorted(gt["onsets_s"]) and all(0 <= t < e["duration_s"] for t in gt["onsets_s"])
        assert -120 < gt["loudness"]["rms_dbfs"] <= gt["loudness"]["peak_dbfs"] <= -0.99
        assert "params" in gt
    notes = [e for e in entries if e["source"] == "midi" and e["ground_truth"]["params"]["kind"] == "note"]
    assert notes, "the tiny corpus should contain single MIDI notes"
    for e in notes:
        assert e["ground_truth"]["midi_pitch"] == e["ground_truth"]["params"]["notes"][0][2]
        sounding = e["ground_truth"]["midi_pitch"] + e["ground_truth"]["params"].get("sounding_shift", 0)
        assert e["ground_truth"]["f0_hz"] == pytest.approx(440 * 2 ** ((sounding - 69) / 12), rel=1e-4)


def test_captions_name_the_class(entries):
    for e in entries:
        if e["source"] == "mix":
            continue
        name_caption = e["ground_truth"]["params"].get("name_caption")
        templated = [c for c in e["captions"] if c != name_caption]
        assert len(templated) >= 2, e["id"]
        for caption in templated:
            assert any(k in caption.lower() for k in BY_NAME[e["class"]].keywords), (e["id"], caption)


def test_counted_captions_state_the_ground_truth_count(entries):
    words = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight"}
    checked = 0
    for e in entries:
        count = e["ground_truth"]["attrs"].get("count")
        if e["source"] in ("drums", "procedural") and e["class"] in ("snare", "kick", "beep", "click") and count in words:
            assert len(e["ground_truth"]["onsets_s"]) == count
            assert any(words[count] in c for c in e["captions"]), e["captions"]
            checked += 1
    assert checked > 0


def test_heldout_clips_and_captions_never_reach_train(entries):
    by_split = {s: [e for e in entries if e["split"] == s] for s in ("train", "valid", "heldout")}
    assert by_split["train"] and by_split["heldout"]
    train_captions = {c for e in by_split["train"] + by_split["valid"] for c in e["captions"]}
    real_heldout = [e for e in by_split["heldout"] if e["source"] == "recordings"]
    assert real_heldout, "some real recordings must be held out"
    for e in by_split["heldout"]:
        assert e["paraphrases"], e["id"]
        assert not set(e["paraphrases"]) & train_captions, e["paraphrases"]
    for e in by_split["train"] + by_split["valid"]:
        assert "paraphrases" not in e
    for e in by_split["train"]:
        if e["source"] == "mix":
            assert all(
                split_of(entries, part) == "train"
                for part in (e["ground_truth"]["params"]["a"], e["ground_truth"]["params"]["b"])
            )


def split_of(entries: list[dict], clip_id: str) -> str:
    return next(e["split"] for e in entries if e["id"] == clip_id)


def test_recording_groups_stay_in_one_split(tiny, entries):
    records = {json.loads(p.read_text())["id"]: json.loads(p.read_text())["group"] for p in (tiny / "records").glob("*.json")}
    split_of_group: dict[str, set] = {}
    for e in entries:
        split_of_group.setdefault(records[e["id"]], set()).add(e["split"])
    assert all(len(s) == 1 for s in split_of_group.values())


def test_summary_counts_match_the_manifest_and_list_licences(tiny, entries):
    summary = json.loads((tiny / "summary.json").read_text())
    assert summary["clips"] == len(entries)
    assert sum(summary["by_split"].values()) == len(entries)
    assert sum(sum(v.values()) for v in summary["by_class"].values()) == len(entries)
    packages = {row["package"] for row in summary["licences"]["recordings"]}
    # A default build is licence-clean: Hedgewars (GFDL) is left out, the CC0/CC-BY drum kits stay.
    assert "hydrogen-drumkits" in packages and "hedgewars-data" not in packages
    assert all(row["licence"] and row["licence"] != "unknown" for row in summary["licences"]["recordings"])
    classes_doc = json.loads((tiny / "classes.json").read_text())
    assert [c["name"] for c in classes_doc["classes"]] == list(CLASSES)
    assert not set(RESERVED_CLASSES) & set(CLASSES)


def test_same_seed_gives_byte_identical_corpus(tiny, tmp_path):
    again = tmp_path / "again"
    build_or_fail(again, **TINY)
    for name in ("manifest.jsonl", "summary.json", "classes.json"):
        assert (tiny / name).read_bytes() == (again / name).read_bytes(), name
    for e in read_manifest(tiny):
        assert (tiny / e["path"]).read_bytes() == (again / e["path"]).read_bytes(), e["path"]


def test_interrupted_build_resumes_to_the_same_files(tiny, tmp_path):
    partial = tmp_path / "partial"
    shutil.copytree(tiny, partial)
    entries = read_manifest(partial)
    removed = [e for e in entries if e["source"] in ("midi", "procedural", "mix")][::3]
    for e in removed:
        (partial / e["path"]).unlink()
        (partial / "records" / f"{e['id']}.json").unlink()
    (partial / "manifest.jsonl").unlink()
    build_or_fail(partial, **TINY)
    log = json.loads((partial / "build_log.json").read_text())
    written = sum(v["clips_written"] for v in log.values() if isinstance(v, dict))
    assert written == len(removed)
    assert (partial / "manifest.jsonl").read_bytes() == (tiny / "manifest.jsonl").read_bytes()
    for e in removed:
        assert (partial / e["path"]).read_bytes() == (tiny / e["path"]).read_bytes(), e["path"]


def test_excluded_class_is_absent_everywhere(tmp_path):
    out = tmp_path / "no-rain"
    code = corpus_main(
        [str(out), "--sources", "procedural", "--per-class", "2", "--mixes", "4", "--exclude-class", "rain", "--quiet"]
    )
    assert code == 0
    entries = read_manifest(out)
    assert entries and all(e["class"] != "rain" for e in entries)
    assert all("rain" not in e["ground_truth"]["params"].get("classes", []) for e in entries)
    assert json.loads((out / "classes.json").read_text())["excluded"] == ["rain"]
    assert not list((out / "audio" / "procedural").glob("rain"))


def test_unknown_class_is_refused_with_the_allowed_values(tmp_path, capsys):
    with pytest.raises(SystemExit):
        corpus_main([str(tmp_path / "x"), "--exclude-class", "kalimbaa"])
    assert "invalid choice" in capsys.readouterr().err


def test_clips_are_not_silent(tiny, entries):
    for e in entries:
        x, _ = sf.read(str(tiny / e["path"]))
        assert np.max(np.abs(x)) > 1e-3, e["id"]
