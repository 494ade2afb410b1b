"""Regenerate selected regions of a clip; every sample outside them stays bit-identical."""

from __future__ import annotations

import math

import numpy as np
import torch

from soundloom.engine.audio import fit_length, resample, splice, to_model_input
from soundloom.engine.models.base import AudioModel
from soundloom.engine.pipelines import common
from soundloom.engine.pipelines.requests import ClipRequest, InpaintRequest
from soundloom.engine.pipelines.result import Result
from soundloom.engine.pipelines.sampling import KnownLatents, StepCallback, denoise
from soundloom.engine.pipelines.schedulers import make_scheduler
from soundloom.protocol.messages import CROSSFADE_SECONDS


def regenerate(
    model: AudioModel,
    request: ClipRequest,
    clip: np.ndarray,
    regions: list[tuple[float, float]],
    on_step: StepCallback | None,
) -> tuple[list[np.ndarray], list[str]]:
    """Inpaint `regions` (seconds) of `clip` ([channels, samples] at request.sample_rate).

    The model works on a mono mix at its own rate; what it makes for each region is resampled to
    the clip's rate, copied to every channel and spliced in, so the clip keeps its rate, channels
    and every sample outside the regions.
    """
    rate = request.sample_rate
    seed = request.resolved_seed()
    mono = to_model_input(clip, rate, model.sample_rate)
    frames = common.latent_frames(model, len(mono))
    gens = common.generators(seed, request.variations, model.device)
    scheduler = make_scheduler(request.scheduler, model.scheduler_config)
    scheduler.set_timesteps(request.steps, device=model.device)
    cond = common.conditioning(model, request)

    known = common.encode_mono(model, mono, frames).repeat(request.variations, 1, 1, 1)
    mask = torch.zeros((1, 1, frames, 1), device=model.device, dtype=known.dtype)
    per_frame = model.samples_per_latent_frame / model.sample_rate  # seconds
    for start, end in regions:
        mask[:, :, math.floor(start / per_frame) : math.ceil(end / per_frame)] = 1.0
    start_noise = common.noise(model, frames, gens)
    latents = start_noise * scheduler.init_noise_sigma
    latents = denoise(
        model, scheduler, latents, scheduler.timesteps, cond, request.guidance, gens, on_step,
        known=KnownLatents(latents=known, mask=mask, noise=start_noise),
    )
    generated = common.decode(model, latents, len(mono))

    length = clip.shape[1]
    spans = [(round(s * rate), min(round(e * rate), length)) for s, e in regions]
    fade = round(CROSSFADE_SECONDS * rate)
    out = []
    for row in generated:
        at_clip_rate = fit_length(resample(row[np.newaxis], model.sample_rate, rate), length)
        out.append(splice(clip, np.repeat(at_clip_rate, clip.shape[0], axis=0), spans, fade))
    return out, cond.warnings


def join_close_regions(regions: list[tuple[float, float]]) -> tuple[list[tuple[float, float]], list[str]]:
    """Sorted, non-overlapping `regions` (seconds) with every gap shorter than the crossfade closed,
    and a note for each join.

    Both edges of such a gap fade within less than one crossfade, so the few original samples
    between them cannot be heard as themselves: one region is what the ear gets, with half the
    edges to splice. The result's metadata lists the regions actually regenerated.
    """
    joined, notes = [regions[0]], []
    for start, end in regions[1:]:
        last_start, last_end = joined[-1]
        if start - last_end < CROSSFADE_SECONDS:
            notes.append(f"regions {last_start:g}–{last_end:g} s and {start:g}–{end:g} s are {1000 * (start - last_end):.1f} ms "
                         f"apart, closer than the {1000 * CROSSFADE_SECONDS:g} ms crossfade: regenerated as one region")
            joined[-1] = (last_start, end)
        else:
            joined.append((start, end))
    return joined, notes


def inpaint(model: AudioModel, request: InpaintRequest, on_step: StepCallback | None = None) -> Result:
    """The clip with each region regenerated after the prompt, at the clip's own rate and channels."""
    request.validate()
    regions, notes = join_close_regions(request.regions)
    audio, warnings = regenerate(model, request, request.audio, regions, on_step)
    return Result(
        audio=audio,
        sample_rate=request.sample_rate,
        metadata=common.metadata(model, request, "inpaint", regions=regions),
        warnings=notes + warnings,
    )
