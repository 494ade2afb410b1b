"""A model folder may take a large shared component (a text encoder) from the local Hugging Face
cache by repo id instead of shipping it, as DiscoDiff's FLAN-T5 is usually at hand already."""

from __future__ import annotations

import json
import shutil

import pytest
import torch

from soundloom.engine.models.hf_cache import add_folder_to_cache
from soundloom.engine.models.loading import load_model
from soundloom.protocol.errors import ErrorCode, SoundloomError

REPO = "google/flan-t5-tiny-test"


@pytest.fixture(scope="module")
def shipped(discodiff_path):
    return discodiff_path


def _slim_copy(shipped, folder):
    """The same model without its text encoder and tokenizer, naming them in the cache instead."""
    shutil.copytree(shipped, folder)
    for name in ("text_encoder", "tokenizer"):
        shutil.rmtree(folder / name)
    (folder / "soundloom.json").write_text(json.dumps({"from_cache": {"text_encoder": REPO, "tokenizer": REPO}}))
    return folder


def test_a_text_encoder_named_by_repo_id_loads_from_the_cache(shipped, tmp_path, monkeypatch):
    cache = tmp_path / "hub"
    # The repo holds encoder and tokenizer files side by side, as a published T5 repo does.
    add_folder_to_cache(shipped / "text_encoder", REPO, cache, revision="a" * 40)
    add_folder_to_cache(shipped / "tokenizer", REPO, cache, revision="a" * 40)
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    slim = load_model(_slim_copy(shipped, tmp_path / "slim"))
    full = load_model(shipped)
    ours, theirs = slim.modules()["text_encoder"].state_dict(), full.modules()["text_encoder"].state_dict()
    assert ours.keys() == theirs.keys() and all(torch.equal(ours[k], theirs[k]) for k in ours)


def test_a_component_missing_from_the_cache_names_the_repo_and_where_it_looked(shipped, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-hub"))
    with pytest.raises(SoundloomError) as info:
        load_model(_slim_copy(shipped, tmp_path / "slim"))
    assert info.value.code is ErrorCode.MODEL_NOT_FOUND
    assert REPO in info.value.message and str(tmp_path / "empty-hub") in info.value.message


def test_from_cache_must_name_repo_ids(shipped, tmp_path):
    folder = _slim_copy(shipped, tmp_path / "slim")
    (folder / "soundloom.json").write_text(json.dumps({"from_cache": {"text_encoder": 3}}))
    with pytest.raises(SoundloomError, match="from_cache"):
        load_model(folder)
