"""The Hugging Face cache as a model source: found like huggingface_hub finds it, read offline, listed."""

from __future__ import annotations

import json

import pytest

from soundloom.engine.models.hf_cache import (
    add_folder_to_cache,
    cached_snapshots,
    hub_cache_dir,
    is_repo_id,
    snapshot_path,
)
from soundloom.protocol.errors import SoundloomError


@pytest.fixture(scope="module")
def cache(tmp_path_factory, tiny_model_path, tango_release_path):
    """A hub cache in huggingface_hub's layout: a tiny AudioLDM, a Tango release with its FLAN-T5 and scheduler."""
    from soundloom.engine.models.untrained_tango import write_tango_dependencies

    root = tmp_path_factory.mktemp("hf-hub")
    add_folder_to_cache(tiny_model_path, "cvssp/audioldm-tiny", root)
    write_tango_dependencies(root)
    add_folder_to_cache(tango_release_path, "declare-lab/tango-tiny", root)
    return root


def test_the_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "home"))
    assert hub_cache_dir() == tmp_path / "home" / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "elsewhere"))
    assert hub_cache_dir() == tmp_path / "elsewhere"


def test_the_layout_is_huggingface_hubs_own(cache):
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache("cvssp/audioldm-tiny", "model_index.json", cache_dir=cache)
    assert isinstance(found, str) and json.loads(open(found).read())["_class_name"] == "AudioLDMPipeline"
    snapshot = snapshot_path("cvssp/audioldm-tiny", cache)
    assert snapshot.parent.name == "snapshots" and (snapshot / "unet" / "config.json").is_symlink()


def test_every_cached_repo_is_listed_by_its_id(cache):
    ids = [s.repo_id for s in cached_snapshots(cache)]
    assert ids == sorted(ids)
    assert {"cvssp/audioldm-tiny", "declare-lab/tango-tiny", "google/flan-t5-large"} <= set(ids)


def test_a_repo_not_in_the_cache_names_itself_and_the_cache(cache):
    with pytest.raises(SoundloomError) as info:
        snapshot_path("cvssp/audioldm2", cache)
    assert "cvssp/audioldm2" in info.value.message and str(cache) in info.value.message
    assert info.value.code.value == "model_not_found"


def test_repo_ids_are_told_from_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert is_repo_id("cvssp/audioldm2") and not is_repo_id("/abs/path") and not is_repo_id("a/b/c")
    (tmp_path / "cvssp" / "audioldm2").mkdir(parents=True)
    assert not is_repo_id("cvssp/audioldm2")  # an existing folder of that name wins


def test_models_list_shows_family_rate_channels_and_operations(cache, capsys):
    from soundloom.engine.models.cli import main

    assert main(["list", "--models-dir", str(cache), "--json"]) == 0
    rows = {row["name"]: row for row in map(json.loads, capsys.readouterr().out.splitlines())}
    assert set(rows) == {"cvssp/audioldm-tiny", "declare-lab/tango-tiny"}  # the T5 and scheduler repos are not models
    for name, family in (("cvssp/audioldm-tiny", "audioldm"), ("declare-lab/tango-tiny", "tango")):
        assert rows[name]["family"] == family and rows[name]["sample_rate"] == 16000 and rows[name]["channels"] == 1
        assert rows[name]["operations"] == ["generate", "inpaint", "transfer", "extend"]
    assert main(["list", "--models-dir", str(cache)]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["NAME", "FAMILY", "RATE", "CHANNELS", "OPERATIONS"]
    assert any(line.split()[:5] == ["declare-lab/tango-tiny", "tango", "16000", "Hz", "1"] for line in table)
