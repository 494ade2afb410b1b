"""Model folders: the family is detected, and a broken folder gets an error naming what is wrong."""

import json
import shutil

import pytest

from soundloom.engine.models.loading import load_model
from soundloom.protocol.errors import SoundloomError


@pytest.fixture
def copy_of(tiny_model_path, tmp_path):
    target = tmp_path / "model"
    shutil.copytree(tiny_model_path, target)
    return target


def _error(path) -> SoundloomError:
    with pytest.raises(SoundloomError) as err:
        load_model(path)
    return err.value


def test_an_audioldm_folder_loads_with_its_family(tiny_model):
    assert tiny_model.family == "audioldm"
    assert tiny_model.sample_rate == 16000
    assert tiny_model.samples_per_latent_frame == 160 * 2


def test_a_missing_folder_is_model_not_found(tmp_path):
    err = _error(tmp_path / "nothing-here")
    assert err.code.value == "model_not_found" and err.field == "model"


def test_missing_components_are_all_named(copy_of):
    shutil.rmtree(copy_of / "vocoder")
    shutil.rmtree(copy_of / "tokenizer")
    err = _error(copy_of)
    assert err.code.value == "model_incomplete"
    assert "vocoder" in err.message and "tokenizer" in err.message


def test_a_folder_without_model_index_is_explained(copy_of):
    (copy_of / "model_index.json").unlink()
    assert "model_index.json" in _error(copy_of).message


def test_an_unknown_pipeline_names_the_supported_ones(copy_of):
    index = json.loads((copy_of / "model_index.json").read_text())
    index["_class_name"] = "StableDiffusionPipeline"
    (copy_of / "model_index.json").write_text(json.dumps(index))
    err = _error(copy_of)
    assert err.code.value == "unknown_model_family" and "AudioLDMPipeline" in err.message


def test_a_component_from_an_unexpected_library_is_refused(copy_of):
    index = json.loads((copy_of / "model_index.json").read_text())
    index["vae"] = ["os", "system"]
    (copy_of / "model_index.json").write_text(json.dumps(index))
    assert "not allowed" in _error(copy_of).message


def test_corrupt_weights_name_the_component(copy_of):
    for weights in (copy_of / "unet").glob("*.safetensors"):
        weights.write_bytes(b"not a tensor file")
    err = _error(copy_of)
    assert err.code.value == "model_incomplete" and "unet" in err.message
