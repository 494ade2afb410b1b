"""The one sampling loop: classifier-free guidance, latent inpainting, progress and cancellation.

Every operation (generate, inpaint, transfer, extend) and every model family runs through
`denoise`; they differ only in the starting latents, the timesteps and the known latents.
The loop is blind to the latents' layout (mel images [B, C, frames, W] or sequences [B, C, frames])
and to the kind of noise schedule: the scheduler scales the model input, steps, and noises the
known latents to its own level (x0·√ᾱ + n·√(1−ᾱ) for DDPM schedules, x0 + σ·n for EDM ones).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable

import torch

from soundloom.engine.models.base import AudioModel, Conditioning

StepCallback = Callable[[int, int], None]
"""Called after every step with (step, total); raise from it to stop the run within one step."""


@dataclass
class KnownLatents:
    """Latents to keep: `mask` is 1 where the model generates and 0 where `latents` are kept.

    `mask` is per latent frame ([1, 1, frames, 1, …], see `AudioModel.time_mask`); `noise` is the
    noise the run started from, so the kept part is noised consistently from step to step.
    """

    latents: torch.Tensor
    mask: torch.Tensor
    noise: torch.Tensor


def _step_kwargs(scheduler, generators: list[torch.Generator]) -> dict:
    params = inspect.signature(scheduler.step).parameters
    return {"generator": generators} if "generator" in params else {}


@torch.no_grad()
def denoise(
    model: AudioModel,
    scheduler,
    latents: torch.Tensor,
    timesteps: torch.Tensor,
    conditioning: Conditioning,
    guidance: float,
    generators: list[torch.Generator],
    on_step: StepCallback | None = None,
    known: KnownLatents | None = None,
    repeats: list[int] | None = None,
) -> torch.Tensor:
    """Run the reverse process over `timesteps`, starting from `latents` (already noised).

    Conditioning row i drives `repeats[i]` consecutive latent rows (default: all of them).
    """
    guided = conditioning.uncond is not None
    unet_kwargs = conditioning.unet_kwargs(repeats or [latents.shape[0]])
    step_kwargs = _step_kwargs(scheduler, generators)
    total = len(timesteps)
    # The UNet may compute in a lower precision (`compute_dtype`, see engine.device); the latents,
    # the scheduler and the inpainting blend stay float32, so only the network's arithmetic changes.
    low_precision = model.compute_dtype != latents.dtype
    for i, t in enumerate(timesteps):
        model_input = torch.cat([latents] * 2) if guided else latents
        model_input = scheduler.scale_model_input(model_input, t)
        with torch.autocast(latents.device.type, dtype=model.compute_dtype, enabled=low_precision):
            noise_pred = model.predict(model_input, t, unet_kwargs).to(latents.dtype)
        if guided:
            uncond, cond = noise_pred.chunk(2)
            noise_pred = uncond + guidance * (cond - uncond)
        latents = scheduler.step(noise_pred, t, latents, **step_kwargs).prev_sample
        if known is not None:
            # AudioLDM eq. 11: outside the mask, replace the sample by the known latents noised to
            # the level of the next step, so the generated part is denoised in their context. The
            # scheduler's `add_noise` knows its own parametrisation (DDPM ᾱ or EDM σ).
            if i + 1 < total:
                kept = scheduler.add_noise(known.latents, known.noise, timesteps[i + 1 : i + 2])
            else:
                kept = known.latents
            latents = known.mask * latents + (1 - known.mask) * kept
        if on_step is not None:
            on_step(i + 1, total)
    return latents
