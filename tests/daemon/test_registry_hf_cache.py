"""The daemon's registry over a Hugging Face cache: snapshots listed by repo id, repo ids resolved offline."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from soundloom.daemon.registry import ModelRegistry
from soundloom.engine.models.hf_cache import add_folder_to_cache
from soundloom.protocol.errors import SoundloomError


@pytest.fixture(scope="module")
def cache(tmp_path_factory, tiny_model_path):
    """A hub cache in huggingface_hub's layout with a tiny AudioLDM and a tiny Tango release (plus its T5 and scheduler)."""
    from soundloom.engine.models.untrained_tango import build_untrained_tango, write_tango_dependencies

    root = tmp_path_factory.mktemp("hf-hub")
    add_folder_to_cache(tiny_model_path, "cvssp/audioldm-tiny", root)
    write_tango_dependencies(root)
    add_folder_to_cache(build_untrained_tango(tmp_path_factory.mktemp("release") / "tango"), "declare-lab/tango-tiny", root)
    return root


def test_a_cache_as_models_dir_lists_each_snapshot_by_repo_id(cache):
    registry = ModelRegistry(roots=[cache])
    entries = {e.name: e for e in registry.entries()}
    assert set(entries) == {"cvssp/audioldm-tiny", "declare-lab/tango-tiny"}
    tango = entries["declare-lab/tango-tiny"]
    assert (tango.family, tango.sample_rate, tango.channels) == ("tango", 16000, 1)
    assert tango.operations == ("generate", "inpaint", "transfer", "extend")
    assert tango.path.parent.name == "snapshots" and (tango.path / "main_config.json").is_file()
    assert registry.resolve("cvssp/audioldm-tiny").family == "audioldm"


def test_a_model_cached_after_the_scan_is_found_by_its_repo_id(cache, tmp_path_factory, tiny_model_path):
    registry = ModelRegistry(roots=[cache])
    assert "sanchit/later" not in {e.name for e in registry.entries()}
    add_folder_to_cache(tiny_model_path, "sanchit/later", cache)
    try:
        assert registry.resolve("sanchit/later").family == "audioldm"
    finally:
        shutil.rmtree(cache / "models--sanchit--later")
    with pytest.raises(SoundloomError):
        registry.resolve("nobody/nothing")


def test_a_repo_id_as_model_resolves_in_the_users_cache(cache, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    registry = ModelRegistry(models=[Path("cvssp/audioldm-tiny")])
    assert registry.default == "cvssp/audioldm-tiny"
    assert registry.resolve(None).path == registry.resolve("cvssp/audioldm-tiny").path
    assert (registry.resolve(None).path / "model_index.json").is_file()


def test_a_repo_id_missing_from_the_cache_says_where_it_looked(cache, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    with pytest.raises(SoundloomError) as info:
        ModelRegistry(models=[Path("cvssp/audioldm2")])
    assert "cvssp/audioldm2" in info.value.message and str(cache) in info.value.message


@pytest.mark.slow
def test_serve_lists_the_cache_and_generates_with_a_cached_tango(cache, tmp_path, monkeypatch, connect):
    from soundloom.protocol.codec import extract_audio

    from tests.conftest import Daemon

    monkeypatch.setenv("HF_HUB_CACHE", str(cache))  # the daemon inherits it: the repo id and Tango's T5 resolve there
    daemon = Daemon(tmp_path, Path("cvssp/audioldm-tiny"), "--models-dir", str(cache))
    try:
        peer = connect(daemon.start(), events=True)
        listed = peer.request("models_list_request")["content"]
        assert listed["default_model"] == "cvssp/audioldm-tiny"
        families = {m["name"]: (m["family"], m["sample_rate"]) for m in listed["models"]}
        assert families == {"cvssp/audioldm-tiny": ("audioldm", 16000), "declare-lab/tango-tiny": ("tango", 16000)}
        reply = peer.request("generate_request", {"prompt": "rain", "model": "declare-lab/tango-tiny", "seed": 3,
                                                  "seconds": 0.5, "steps": 2}, timeout=180)
        assert reply["content"]["status"] == "ok", reply["content"]
        audio, rate = extract_audio(reply, reply["content"]["audio"][0])
        assert rate == 16000 and audio.shape == (1, 8000) and np.abs(audio).max() > 0.01
        assert reply["content"]["metadata"]["model"] == "declare-lab/tango-tiny"
    finally:
        daemon.stop()
