"""The bext line, the record of takes, and the chain of parents, without an engine."""

from __future__ import annotations

import json

from clips import write_clip
from soundloom.bridge import sidecar
from soundloom.bridge.clip import read_float
from soundloom.bridge.provenance import describe, lineage
from soundloom.bridge.regions import Region
from soundloom.bridge.takes import write_take


def test_describe_names_prompt_seed_model_adapter_parent_and_regions():
    line = describe({"prompt": "glass shatter", "seed": 7, "model": "starter+foley", "adapter_scale": 0.8,
                     "parent": "/sessions/a/take.wav", "regions": [[1.2, 2.45], [3, 3.5]]})
    assert line == ("prompt: glass shatter; seed: 7; model: starter+foley; adapter: foley x0.8; "
                    "made from take.wav 1.20-2.45 s, 3.00-3.50 s")


def test_describe_fits_the_256_ascii_characters_of_bext_keeping_the_rest():
    line = describe({"prompt": "verr\u00fcckt " * 60, "seed": 1, "model": "starter", "parent": "x.wav",
                     "regions": [[0, 1]]})
    assert len(line) <= 256 and line.isascii()
    assert line.endswith("; seed: 1; model: starter; made from x.wav 0.00-1.00 s")
    assert "..." in line


def _take(source, parent_meta_name, prompt, seed):
    path = write_take(source, read_float(source), 16000, [Region(0.1, 0.2)],
                      {"prompt": prompt, "seed": seed, "model": "tiny", "parent": parent_meta_name,
                       "regions": [[0.1, 0.2]]})
    sidecar.record_take(path, {"parent": str(source), "prompt": prompt, "seed": seed, "regions": [[0.1, 0.2]],
                               "model": "tiny"})
    return path


def test_the_record_finds_the_newest_take_and_a_take_finds_itself(tmp_path):
    source = write_clip(tmp_path / "a.wav", 0.3, 16000, 1)
    first = _take(source, "a.wav", "one", 1)
    second = _take(source, "a.wav", "two", 2)
    assert sidecar.last_take(source)["take"] == str(second)
    assert sidecar.last_take(first)["prompt"] == "one"  # no take made from it: its own entry
    assert sidecar.last_take(tmp_path / "other.wav") is None
    stored = json.loads((tmp_path / sidecar.SIDECAR_NAME).read_text())
    assert stored["takes"]["a.take-2.wav"]["parent"] == "a.wav" and stored["takes"]["a.take-2.wav"]["order"] == 2


def test_a_damaged_record_does_not_block_new_takes(tmp_path):
    source = write_clip(tmp_path / "a.wav", 0.3, 16000, 1)
    (tmp_path / sidecar.SIDECAR_NAME).write_text("{not json")
    take = _take(source, "a.wav", "one", 1)
    assert sidecar.last_take(source)["take"] == str(take)


def test_lineage_follows_takes_of_takes_back_to_the_recording(tmp_path):
    source = write_clip(tmp_path / "a.wav", 0.3, 16000, 1)
    first = _take(source, "a.wav", "rain", 1)
    second = _take(first, "a.take-1.wav", "hail", 2)
    chain = lineage(second)
    assert [(c["path"], c["prompt"], c["seed"]) for c in chain] == [
        (second, "hail", 2), (first, "rain", 1), (source, None, None)]
    (tmp_path / sidecar.SIDECAR_NAME).unlink()  # the files alone still tell the story
    assert [c["path"] for c in lineage(second)] == [second, first, source]
