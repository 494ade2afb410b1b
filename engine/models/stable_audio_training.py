"""The training objective Stable Audio Open's transformer was trained with, for fine-tuning it.

The cosine DPM-Solver++ samples an EDM process x0 + σ·n and hands the network c_in·x = cos·x0 +
sin·n at timestep t = 2·atan(σ)/π: that is v-diffusion on the cosine schedule, α = cos(πt/2),
σ = sin(πt/2), with the network predicting v = α·n − σ·x0. Training draws t uniformly in (0, 1).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from soundloom.engine.models.stable_audio import StableAudioModel


def v_diffusion_loss(model: StableAudioModel, latents: torch.Tensor, cond: dict, generator: torch.Generator) -> torch.Tensor:
    """Mean squared error of the predicted v at random noise levels, one per row; `cond` holds the
    transformer's conditioning keyword arguments (a `Conditioning`'s `cond`, rows as `latents`).

    Noise and levels are drawn on the CPU generator (reproducible on any device).
    """
    rows = latents.shape[0]
    noise = torch.randn(latents.shape, generator=generator).to(latents.device, latents.dtype)
    t = torch.rand((rows,), generator=generator).to(latents.device, latents.dtype)
    shape = (rows,) + (1,) * (latents.ndim - 1)
    alpha, sigma = torch.cos(t * math.pi / 2).view(shape), torch.sin(t * math.pi / 2).view(shape)
    noisy = alpha * latents + sigma * noise
    target = alpha * noise - sigma * latents
    return F.mse_loss(model.predict(noisy, t, cond).float(), target.float())
