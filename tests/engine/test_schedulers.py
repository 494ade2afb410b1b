"""The samplers a request picks are built from the model folder's own noise schedule."""

import json

import diffusers
import pytest

from soundloom.engine.engine import STARTER_PATH
from soundloom.engine.pipelines.schedulers import scheduler_for


@pytest.fixture
def dpm_solver_folder_model(tiny_model):
    """The tiny model with the starter's sampler config: DPM-Solver++, with no `clip_sample` key,
    which DDIM would otherwise read as its default, True."""
    original = tiny_model.scheduler_config
    config = json.loads((STARTER_PATH / "scheduler" / "scheduler_config.json").read_text())
    assert config["_class_name"] == "DPMSolverMultistepScheduler" and "clip_sample" not in config
    tiny_model.scheduler_config = config
    yield tiny_model
    tiny_model.scheduler_config = original


def test_ddim_never_clips_latents_to_the_unit_range(dpm_solver_folder_model):
    ddim = scheduler_for(dpm_solver_folder_model, "ddim")
    assert isinstance(ddim, diffusers.DDIMScheduler)
    assert ddim.config.clip_sample is False


def test_the_folders_noise_schedule_carries_over_to_every_sampler(dpm_solver_folder_model):
    source = dpm_solver_folder_model.scheduler_config
    for name in ("ddim", "dpmpp", "euler"):
        built = scheduler_for(dpm_solver_folder_model, name).config
        for key in ("beta_start", "beta_end", "beta_schedule", "prediction_type", "num_train_timesteps"):
            assert built[key] == source[key], (name, key)
