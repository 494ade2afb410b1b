"""DAC's residual vector quantiser with factorised, L2-normalised codebooks.

Each level projects the residual left by the levels before it down to a few channels (`in_proj`),
snaps that projection to the codebook entry of highest cosine similarity, and projects the entry
back up (`out_proj`); the quantised latent is the sum of those projections over the levels used.
The per-level projections before snapping ("latents", `codebook_dim` channels each, concatenated
level after level) are the continuous space that coarse-to-fine latent diffusion works in.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from soundloom.engine.codecs.dac_layers import wn_conv1d


class Quantized(NamedTuple):
    """Result of quantising with the first n levels.

    z_q: [B, latent_dim, F] sum of the levels' up-projected codebook entries.
    codes: [B, n, F] codebook indices.
    latents: [B, n · codebook_dim, F] per-level projections before snapping, level after level.
    commitment_loss, codebook_loss: scalars, summed over the levels (for training).
    """

    z_q: torch.Tensor
    codes: torch.Tensor
    latents: torch.Tensor
    commitment_loss: torch.Tensor
    codebook_loss: torch.Tensor


class CodebookLevel(nn.Module):
    """One level: down-projection, a codebook of `size` vectors of `dim` channels, up-projection."""

    def __init__(self, latent_dim: int, size: int, dim: int):
        super().__init__()
        self.in_proj = wn_conv1d(latent_dim, dim, kernel_size=1)
        self.out_proj = wn_conv1d(dim, latent_dim, kernel_size=1)
        self.codebook = nn.Embedding(size, dim)

    def nearest(self, latent: torch.Tensor) -> torch.Tensor:
        """Codes [B, F] of the entries closest in direction to `latent` [B, dim, F]."""
        # Comparing unit vectors makes Euclidean distance equivalent to cosine similarity (ViT-VQGAN),
        # so the nearest entry is the one with the largest dot product after normalising both sides.
        directions = F.normalize(latent.transpose(1, 2), dim=-1)
        entries = F.normalize(self.codebook.weight, dim=-1)
        return (directions @ entries.t()).argmax(dim=-1)

    def entries(self, codes: torch.Tensor) -> torch.Tensor:
        """Codebook vectors [B, dim, F] of codes [B, F], unnormalised."""
        return self.codebook(codes).transpose(1, 2)

    def forward(self, residual: torch.Tensor):
        latent = self.in_proj(residual)
        codes = self.nearest(latent)
        snapped = self.entries(codes)
        commitment = F.mse_loss(latent, snapped.detach())
        codebook = F.mse_loss(snapped, latent.detach())
        # Straight-through: the forward value is the snapped entry, the gradient flows to the encoder.
        snapped = latent + (snapped - latent).detach()
        return self.out_proj(snapped), codes, latent, commitment, codebook


class ResidualVectorQuantizer(nn.Module):
    def __init__(self, latent_dim: int, n_codebooks: int, codebook_size: int, codebook_dim: int):
        super().__init__()
        self.codebook_dim = codebook_dim
        self.quantizers = nn.ModuleList(CodebookLevel(latent_dim, codebook_size, codebook_dim) for _ in range(n_codebooks))

    @property
    def n_levels(self) -> int:
        return len(self.quantizers)

    def forward(self, z: torch.Tensor, n_levels: int) -> Quantized:
        """Quantise z [B, latent_dim, F] with the first `n_levels` levels, each coding what the earlier ones missed."""
        residual = z
        z_q = torch.zeros_like(z)
        codes, latents = [], []
        commitment = codebook = z.new_zeros(())
        for level in self.quantizers[:n_levels]:
            step, level_codes, latent, level_commitment, level_codebook = level(residual)
            z_q = z_q + step
            residual = residual - step
            codes.append(level_codes)
            latents.append(latent)
            commitment = commitment + level_commitment
            codebook = codebook + level_codebook
        return Quantized(z_q, torch.stack(codes, dim=1), torch.cat(latents, dim=1), commitment, codebook)

    def from_codes(self, codes: torch.Tensor) -> torch.Tensor:
        """z_q [B, latent_dim, F] from codes [B, n, F] of the first n levels."""
        return sum(level.out_proj(level.entries(codes[:, i])) for i, level in enumerate(self.quantizers[: codes.shape[1]]))

    def from_latents(self, latents: torch.Tensor, snap: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
        """(z_q [B, latent_dim, F], codes [B, n, F]) from per-level latents [B, n · codebook_dim, F].

        With `snap`, each level's latent is replaced by its nearest codebook entry first, which is
        how a generated latent becomes a valid codec latent; without it the latent is projected up
        as it is (codes are still reported).
        """
        chunks = latents.split(self.codebook_dim, dim=1)
        z_q, codes = 0, []
        for level, latent in zip(self.quantizers, chunks):
            level_codes = level.nearest(latent)
            codes.append(level_codes)
            z_q = z_q + level.out_proj(level.entries(level_codes) if snap else latent)
        return z_q, torch.stack(codes, dim=1)
