"""Style transfer by AudioLDM's shallow reverse process: noise the clip's latents part-way, denoise."""

from __future__ import annotations

import numpy as np

from soundloom.engine.audio import fit_length, resample, to_model_input
from soundloom.engine.models.base import AudioModel
from soundloom.engine.pipelines import common
from soundloom.engine.pipelines.requests import TransferRequest
from soundloom.engine.pipelines.result import Result
from soundloom.engine.pipelines.sampling import StepCallback, denoise
from soundloom.engine.pipelines.schedulers import make_scheduler


def transfer(model: AudioModel, request: TransferRequest, on_step: StepCallback | None = None) -> Result:
    """The clip re-imagined after the prompt, at the clip's own rate, channel count and length.

    Strength s runs the last s × steps steps: 0 returns the clip through the VAE and vocoder,
    1 starts from pure noise and equals `generate` with the same seed.
    """
    request.validate()
    request.resolve_steps(model.default_steps)
    seed = request.resolved_seed()
    mono = to_model_input(request.audio, request.sample_rate, model.sample_rate)
    frames = common.latent_frames(model, len(mono))
    gens = common.generators(seed, request.variations, model.device)
    scheduler = make_scheduler(request.scheduler, model.scheduler_config)
    scheduler.set_timesteps(request.steps, device=model.device)
    cond = common.conditioning(model, request)

    run_steps = min(int(round(request.steps * request.strength)), request.steps)
    start = (request.steps - run_steps) * scheduler.order
    timesteps = scheduler.timesteps[start:]
    start_noise = common.noise(model, frames, gens)
    if run_steps == request.steps:
        latents = start_noise * scheduler.init_noise_sigma
    else:
        clean = common.encode_mono(model, mono, frames).repeat(request.variations, 1, 1, 1)
        if run_steps == 0:
            latents = clean
        else:
            if hasattr(scheduler, "set_begin_index"):
                scheduler.set_begin_index(start)
            latents = scheduler.add_noise(clean, start_noise, timesteps[:1])
    if run_steps:
        latents = denoise(model, scheduler, latents, timesteps, cond, request.guidance, gens, on_step)
    channels, length = request.audio.shape
    audio = [
        np.repeat(fit_length(resample(row[np.newaxis], model.sample_rate, request.sample_rate), length), channels, axis=0)
        for row in common.decode(model, latents, len(mono))
    ]
    return Result(
        audio=audio,
        sample_rate=request.sample_rate,
        metadata=common.metadata(model, request, "transfer"),
        warnings=cond.warnings,
    )
