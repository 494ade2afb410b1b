"""VAE latents of every training clip, encoded once with the frozen VAE (posterior mean)."""

from __future__ import annotations

import numpy as np
import torch
from tqdm import tqdm

from soundloom.engine.training.mel_cache import MelCache


@torch.no_grad()
def encode_all(vae, cache: MelCache, indices: list[int], multiple: int, floor: float, batch: int = 32) -> list[np.ndarray]:
    """Scaled latents [C, frames/scale, W] (float16) per clip; mel lengths padded to `multiple` frames."""
    scale = vae.config.scaling_factor
    out: list[np.ndarray] = [None] * len(indices)  # type: ignore[list-item]
    order = sorted(range(len(indices)), key=lambda k: cache.clips[indices[k]]["frames"])
    for start in tqdm(range(0, len(order), batch), desc="latents", unit="batch"):
        group = order[start : start + batch]
        mels = [np.asarray(cache.clip_mel(indices[k]), dtype=np.float32) for k in group]
        longest = max(len(m) for m in mels)
        frames = -(-longest // multiple) * multiple
        padded = np.full((len(mels), 1, frames, mels[0].shape[1]), floor, dtype=np.float32)
        for row, mel in enumerate(mels):
            padded[row, 0, : len(mel)] = mel
        latents = vae.encode(torch.from_numpy(padded)).latent_dist.mode() * scale
        per_frame = frames // latents.shape[2]
        for row, k in enumerate(group):
            keep = -(-len(mels[row]) // per_frame)
            out[k] = latents[row, :, :keep].numpy().astype(np.float16)
    return out


@torch.no_grad()
def silence_latent(vae, n_mels: int, floor: float) -> np.ndarray:
    """The latent of one frame-group of silence [C, 1, W], used to pad short clips."""
    scale = vae.config.scaling_factor
    mel = torch.full((1, 1, 64, n_mels), floor)
    latent = vae.encode(mel).latent_dist.mode() * scale
    return latent[0, :, latent.shape[2] // 2 : latent.shape[2] // 2 + 1].numpy().astype(np.float32)
