"""A model folder declares its default sampling steps; requests that leave `steps` unset use them."""

import json
import shutil

import pytest

from soundloom.engine.engine import STARTER_PATH
from soundloom.engine.models.loading import load_model
from soundloom.engine.models.settings import FALLBACK_STEPS, SETTINGS_FILE, read_settings
from soundloom.engine.pipelines import GenerateRequest, InpaintRequest, generate, inpaint
from soundloom.daemon.registry import ModelRegistry
from soundloom.protocol.errors import ErrorCode, SoundloomError


@pytest.fixture(scope="module")
def two_step_model(tiny_model_path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("declared") / "two-step"
    shutil.copytree(tiny_model_path, folder)
    (folder / SETTINGS_FILE).write_text(json.dumps({"default_steps": 2}))
    return folder


def test_the_starter_declares_ten_steps_and_a_folder_without_settings_gets_the_fallback(tiny_model_path):
    assert read_settings(STARTER_PATH).default_steps == 10
    assert read_settings(tiny_model_path).default_steps == FALLBACK_STEPS == 25


@pytest.mark.parametrize("value", [0, 1001, 2.5, "10", True])
def test_a_bad_default_is_refused_naming_the_file_and_the_range(tmp_path, value):
    (tmp_path / SETTINGS_FILE).write_text(json.dumps({"default_steps": value}))
    with pytest.raises(SoundloomError) as info:
        read_settings(tmp_path)
    assert info.value.code is ErrorCode.MODEL_INCOMPLETE
    assert SETTINGS_FILE in info.value.message and "1 to 1000" in info.value.message


def test_unset_steps_run_the_models_default_and_explicit_steps_win(two_step_model):
    model = load_model(two_step_model)
    assert model.default_steps == 2
    totals = []
    result = generate(model, GenerateRequest(prompt="rain", seconds=0.5, seed=1), on_step=lambda s, t: totals.append(t))
    assert result.metadata[0]["steps"] == 2 and set(totals) == {2}
    explicit = generate(model, GenerateRequest(prompt="rain", seconds=0.5, seed=1, steps=3))
    assert explicit.metadata[0]["steps"] == 3
    clip = result.audio[0]
    edited = inpaint(model, InpaintRequest(prompt="zap", audio=clip, sample_rate=model.sample_rate, regions=[(0.1, 0.3)], seed=0))
    assert edited.metadata[0]["steps"] == 2


def test_the_registry_reports_each_models_default(two_step_model, tiny_model_path):
    registry = ModelRegistry(models=[two_step_model, tiny_model_path])
    assert {e.name: e.default_steps for e in registry.entries()} == {"two-step": 2, "tiny-audioldm": 25}
