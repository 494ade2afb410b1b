"""Style transfer by AudioLDM's shallow reverse process: noise the clip's latents part-way, denoise."""

from __future__ import annotations


from soundloom.engine.audio import fit_length, resample, to_clip_channels, to_model_channels
from soundloom.engine.models.base import AudioModel
from soundloom.engine.pipelines import common
from soundloom.engine.pipelines.requests import ANY_LENGTH, TransferRequest
from soundloom.engine.pipelines.result import Result
from soundloom.engine.pipelines.sampling import StepCallback, denoise
from soundloom.engine.pipelines.schedulers import scheduler_for


def transfer(model: AudioModel, request: TransferRequest, on_step: StepCallback | None = None) -> Result:
    """The clip re-imagined after the prompt, at the clip's own rate, channel count and length.

    A stereo model reads and writes each channel of a stereo clip; other layouts go through the
    mono mix (see `audio.to_model_channels`, `audio.to_clip_channels`), with a note in the result.

    Strength s runs the last s × steps steps: 0 returns the clip through the VAE and vocoder,
    1 starts from pure noise and equals `generate` with the same seed.
    """
    request.validate(ANY_LENGTH)
    request.resolve_steps(model.default_steps)
    seed = request.resolved_seed()
    model_clip = to_model_channels(request.audio, model.audio_channels)
    model_clip = resample(model_clip, request.sample_rate, model.sample_rate)
    length = model_clip.shape[1]
    frames = common.latent_frames(model, length)
    gens = common.generators(seed, request.variations, model.device)
    scheduler = scheduler_for(model, request.scheduler)
    scheduler.set_timesteps(request.steps, device=model.device)
    cond = common.conditioning(model, request, length / model.sample_rate)

    run_steps = min(int(round(request.steps * request.strength)), request.steps)
    start = (request.steps - run_steps) * scheduler.order
    timesteps = scheduler.timesteps[start:]
    start_noise = common.noise(model, frames, gens)
    if run_steps == request.steps:
        latents = start_noise * scheduler.init_noise_sigma
    else:
        clean = common.encode_clip(model, model_clip, frames)
        clean = clean.repeat(request.variations, *([1] * (clean.ndim - 1)))
        if run_steps == 0:
            latents = clean
        else:
            if hasattr(scheduler, "set_begin_index"):
                scheduler.set_begin_index(start)
            # x0·√ᾱ + n·√(1−ᾱ) or x0 + σ·n: the scheduler noises to its own level at the first step.
            latents = scheduler.add_noise(clean, start_noise, timesteps[:1])
    if run_steps:
        latents = denoise(model, scheduler, latents, timesteps, cond, request.guidance, gens, on_step)
    channels, clip_length = request.audio.shape
    audio, notes = [], set()
    for row in common.decode_clips(model, latents, length):
        laid_out, note = to_clip_channels(resample(row, model.sample_rate, request.sample_rate), channels)
        audio.append(fit_length(laid_out, clip_length))
        notes.update([note] if note else [])
    return Result(
        audio=audio,
        sample_rate=request.sample_rate,
        metadata=common.metadata(model, request, "transfer"),
        warnings=cond.warnings + sorted(notes),
    )
