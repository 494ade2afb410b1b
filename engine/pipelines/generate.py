"""Text to audio."""

from __future__ import annotations

import numpy as np

from soundloom.engine.models.base import AudioModel
from soundloom.engine.pipelines import common
from soundloom.engine.pipelines.requests import GenerateRequest
from soundloom.engine.pipelines.result import Result
from soundloom.engine.pipelines.sampling import StepCallback, denoise
from soundloom.engine.pipelines.schedulers import make_scheduler


def generate(model: AudioModel, request: GenerateRequest, on_step: StepCallback | None = None) -> Result:
    """`request.variations` clips of `request.seconds` seconds at the model's rate, mono."""
    request.validate()
    seed = request.resolved_seed()
    samples = int(request.seconds * model.sample_rate)
    frames = common.latent_frames(model, samples)
    gens = common.generators(seed, request.variations, model.device)
    scheduler = make_scheduler(request.scheduler, model.scheduler_config)
    scheduler.set_timesteps(request.steps, device=model.device)
    cond = common.conditioning(model, request)
    latents = common.noise(model, frames, gens) * scheduler.init_noise_sigma
    latents = denoise(model, scheduler, latents, scheduler.timesteps, cond, request.guidance, gens, on_step)
    audio = common.decode(model, latents, samples)
    return Result(
        audio=[row[np.newaxis] for row in audio],
        sample_rate=model.sample_rate,
        metadata=common.metadata(model, request, "generate"),
        warnings=cond.warnings,
    )
