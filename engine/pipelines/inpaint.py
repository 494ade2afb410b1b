"""Regenerate selected regions of a clip; every sample outside them stays bit-identical."""

from __future__ import annotations

import math

import numpy as np
import torch

from soundloom.engine.audio import fit_length, resample, splice_into, to_clip_channels, to_model_channels
from soundloom.engine.models.base import AudioModel
from soundloom.engine.pipelines import common
from soundloom.engine.pipelines.level import match_context
from soundloom.engine.pipelines.requests import ANY_LENGTH, ClipRequest, InpaintRequest
from soundloom.engine.pipelines.result import Result
from soundloom.engine.pipelines.sampling import KnownLatents, StepCallback, denoise
from soundloom.engine.pipelines.schedulers import scheduler_for
from soundloom.engine.pipelines.windows import Window, plan_windows, training_frames
from soundloom.protocol.messages import CROSSFADE_SECONDS

RESAMPLE_MARGIN_DIVISOR = 20  # read 1/20 s of the clip beyond a window on each side when resampling


def regenerate(
    model: AudioModel,
    request: ClipRequest,
    clip: np.ndarray,
    regions: list[tuple[float, float]],
    on_step: StepCallback | None,
    window_frames: int | None = None,
) -> tuple[list[np.ndarray], list[str]]:
    """Inpaint `regions` (seconds) of `clip` ([channels, samples] at request.sample_rate).

    The model works at its own rate and channel count (a stereo model reads a stereo clip's two
    channels as they are, a mono model the mono mix), one window of latent frames around each group
    of regions at a time (see `windows`: the cost follows the regions, not the clip's length);
    what it makes for each region is resampled to the clip's rate, laid out on the clip's channels
    (channel for channel when they agree, else the mono mix on every channel, with a note) and
    spliced in, so the clip keeps its rate, channels and every sample outside the regions.
    `window_frames` overrides the model's training length as the window length (in frames).
    """
    rate = request.sample_rate
    seed = request.resolved_seed()
    request.resolve_steps(model.default_steps)
    length = clip.shape[1]
    model_length = math.ceil(length * model.sample_rate / rate)
    total = common.latent_frames(model, model_length)
    per_frame = model.samples_per_latent_frame / model.sample_rate  # seconds
    frames = [(math.floor(s / per_frame), math.ceil(e / per_frame)) for s, e in regions]
    multiple = model.time_multiple
    window_length = window_frames or training_frames(model.unet.config.sample_size, multiple)
    plan = plan_windows(frames, total, window_length, multiple)
    # A family conditioned on duration is told how long the sound in a window is.
    cond = common.conditioning(model, request, min(model_length, window_length * model.samples_per_latent_frame) / model.sample_rate)
    progress = _WindowProgress(on_step, len(plan))

    spans = [(round(s * rate), min(round(e * rate), length)) for s, e in regions]
    fade = round(CROSSFADE_SECONDS * rate)
    out = [clip.copy() for _ in range(request.variations)]
    notes = set()
    for window in plan:
        generated, offset = _denoise_window(model, request, clip, window, seed, cond, progress.for_next_window())
        inside = [span for span, (a, b) in zip(spans, frames) if window.start <= a and b <= window.stop]
        length = generated.shape[-1]
        generated = match_context(generated, clip[:, offset : offset + length], _kept(spans, offset, length))
        for target, row in zip(out, generated):
            laid_out, note = to_clip_channels(row, clip.shape[0])
            notes.update([note] if note else [])
            splice_into(target, clip, laid_out, offset, inside, fade)
    return out, cond.warnings + sorted(notes)


def _kept(spans: list[tuple[int, int]], offset: int, length: int) -> np.ndarray:
    """Which of the `length` clip samples from `offset` on lie outside every region."""
    kept = np.ones(length, dtype=bool)
    for start, end in spans:
        kept[max(start - offset, 0) : max(end - offset, 0)] = False
    return kept


def _window_generators(seed: int, start: int, count: int, device: torch.device) -> list[torch.Generator]:
    """One generator per variation for the window starting at frame `start`: its noise depends on
    the seed and the window's place only (a window at frame 0 draws what a whole-clip run did)."""
    return [torch.Generator(device).manual_seed(common.variation_seed(seed, i) + (start << 32)) for i in range(count)]


def _window_input(model: AudioModel, clip: np.ndarray, rate: int, first: int, last: int) -> np.ndarray:
    """Samples [first, last) at the model's rate and channels ([model channels, samples]) of `clip`
    (at `rate`), read from the clip near that span only; zeros past the clip's end."""
    model_rate = model.sample_rate
    if rate == model_rate:
        return to_model_channels(clip[:, first:last], model.audio_channels)
    # Start on a clip sample that falls exactly on a model-rate sample, with a margin that keeps
    # the resampler's edge out of the span.
    step = rate // math.gcd(rate, model_rate)
    margin = rate // RESAMPLE_MARGIN_DIVISOR
    begin = max(0, (first * rate // model_rate - margin) // step * step)
    stop = min(clip.shape[1], math.ceil(last * rate / model_rate) + margin)
    near = resample(to_model_channels(clip[:, begin:stop], model.audio_channels), rate, model_rate)
    skip = begin * model_rate // rate
    return near[:, first - skip : last - skip]


def _denoise_window(
    model: AudioModel, request: ClipRequest, clip: np.ndarray, window: Window, seed: int, cond, on_step
) -> tuple[np.ndarray, int]:
    """Generated audio for `window` at the clip's rate, [variations, model channels, samples], and
    the clip sample it starts at."""
    rate = request.sample_rate
    frames = window.stop - window.start
    per_frame = model.samples_per_latent_frame
    first = window.start * per_frame
    audio = _window_input(model, clip, rate, first, window.stop * per_frame)
    gens = _window_generators(seed, window.start, request.variations, model.device)
    scheduler = scheduler_for(model, request.scheduler)
    scheduler.set_timesteps(request.steps, device=model.device)

    known = common.encode_clip(model, audio, frames)
    known = known.repeat(request.variations, *([1] * (known.ndim - 1)))
    mask = model.time_mask(frames).to(known.dtype)
    for a, b in window.regions:
        mask[:, :, a - window.start : b - window.start] = 1.0
    start_noise = common.noise(model, frames, gens)
    latents = start_noise * scheduler.init_noise_sigma
    latents = denoise(
        model, scheduler, latents, scheduler.timesteps, cond, request.guidance, gens, on_step,
        known=KnownLatents(latents=known, mask=mask, noise=start_noise),
    )
    # Decoded up to the clip's end (and a resampling margin), not through a window's padding.
    needed = math.ceil(clip.shape[1] * model.sample_rate / rate) - first + model.sample_rate // RESAMPLE_MARGIN_DIVISOR
    generated = common.decode_clips(model, latents, min(frames * per_frame, needed))
    offset = round(first * rate / model.sample_rate)
    covered = min(clip.shape[1], round(window.stop * per_frame * rate / model.sample_rate)) - offset
    return np.stack([fit_length(resample(row, model.sample_rate, rate), covered) for row in generated]), offset


class _WindowProgress:
    """Reports the steps of all windows as one run: (step, steps × windows)."""

    def __init__(self, on_step: StepCallback | None, windows: int):
        self.on_step, self.windows, self.done = on_step, windows, 0

    def for_next_window(self) -> StepCallback | None:
        if self.on_step is None:
            return None
        before = self.done

        def report(step: int, total: int) -> None:
            self.done = before + step
            self.on_step(self.done, total * self.windows)

        return report


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
    request.validate(ANY_LENGTH)
    regions, notes = join_close_regions(request.regions)
    audio, warnings = regenerate(model, request, request.audio, regions, on_step)
    return Result(
        audio=audio,
        sample_rate=request.sample_rate,
        metadata=common.metadata(model, request, "inpaint", regions=regions),
        warnings=notes + warnings,
    )
