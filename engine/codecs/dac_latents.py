"""The continuous latent space of coarse-to-fine diffusion on DAC (DiscoDiff).

DiscoDiff diffuses the per-level latents of the 44.1 kHz DAC: the `codebook_dim`-channel projections
of every level before they are snapped to a codebook, concatenated level after level (9 × 8 = 72
channels at 86 frames a second). Each level is standardised by its own mean and standard deviation.
A first model generates the coarse levels [0, k) (k = 1: the first codebook's 8 channels), a second
generates the fine levels [k, n) given them; the result becomes a quantised latent by snapping every
level to its codebook and summing the up-projections (`DAC.latents_to_z`).
"""

from __future__ import annotations

import torch

from soundloom.protocol.errors import ErrorCode, SoundloomError

# Per-level statistics of the published 44.1 kHz DAC's latents on DiscoDiff's music corpus, as
# published with DiscoDiff (github.com/ETH-DISCO/discodiff, diffusion/gaussian_ddpm.py). They fit
# only that codec's weights; a retrained codec needs its own, measured with `level_statistics`.
DISCODIFF_LEVEL_MEANS = (0.58, -0.11, -0.18, -0.04, -0.23, -0.06, 0.08, 0.0, 0.03)
DISCODIFF_LEVEL_STDS = (4.95, 4.00, 3.61, 3.41, 3.24, 3.16, 3.06, 2.93, 2.79)
# DiscoDiff's coarse model generates the first level alone.
DISCODIFF_COARSE_LEVELS = 1


def _levels_of(latents: torch.Tensor, codebook_dim: int) -> int:
    if latents.dim() != 3 or latents.shape[1] % codebook_dim:
        raise SoundloomError(
            ErrorCode.INVALID_ARGUMENT,
            f"must be [batch, levels × {codebook_dim}, frames], got shape {list(latents.shape)}",
            "latents",
        )
    return latents.shape[1] // codebook_dim


def split_levels(latents: torch.Tensor, k: int, codebook_dim: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    """(coarse, fine): the latents of levels [0, k) and of levels [k, n), from [B, n · codebook_dim, F]."""
    n = _levels_of(latents, codebook_dim)
    if not 1 <= k < n:
        raise SoundloomError(ErrorCode.OUT_OF_RANGE, f"must be between 1 and {n - 1} (levels in the latents: {n}), got {k}", "k")
    return latents[:, : k * codebook_dim], latents[:, k * codebook_dim :]


def join_levels(coarse: torch.Tensor, fine: torch.Tensor) -> torch.Tensor:
    """The inverse of `split_levels`: levels [0, k) followed by levels [k, n)."""
    if coarse.shape[0] != fine.shape[0] or coarse.shape[2:] != fine.shape[2:]:
        raise SoundloomError(
            ErrorCode.INVALID_ARGUMENT,
            f"coarse {list(coarse.shape)} and fine {list(fine.shape)} latents differ in batch or frames",
            "fine",
        )
    return torch.cat([coarse, fine], dim=1)


def _per_channel(values, n: int, codebook_dim: int, like: torch.Tensor) -> torch.Tensor:
    if len(values) < n:
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"has {len(values)} levels, the latents {n}", "statistics")
    per_level = torch.as_tensor(values[:n], dtype=like.dtype, device=like.device)
    return per_level.repeat_interleave(codebook_dim)[None, :, None]


def normalize_latents(
    latents: torch.Tensor, means=DISCODIFF_LEVEL_MEANS, stds=DISCODIFF_LEVEL_STDS, codebook_dim: int = 8
) -> torch.Tensor:
    """Standardise every level by its own mean and deviation (a new tensor; the input is untouched)."""
    n = _levels_of(latents, codebook_dim)
    return (latents - _per_channel(means, n, codebook_dim, latents)) / _per_channel(stds, n, codebook_dim, latents)


def denormalize_latents(
    latents: torch.Tensor, means=DISCODIFF_LEVEL_MEANS, stds=DISCODIFF_LEVEL_STDS, codebook_dim: int = 8
) -> torch.Tensor:
    """The inverse of `normalize_latents`."""
    n = _levels_of(latents, codebook_dim)
    return latents * _per_channel(stds, n, codebook_dim, latents) + _per_channel(means, n, codebook_dim, latents)


def level_statistics(latents: torch.Tensor, codebook_dim: int = 8) -> tuple[list[float], list[float]]:
    """(means, stds) of every level over batch, channels and frames: the constants `normalize_latents` takes."""
    n = _levels_of(latents, codebook_dim)
    levels = latents.transpose(0, 1).reshape(n, -1)
    return levels.mean(dim=1).tolist(), levels.std(dim=1).tolist()
