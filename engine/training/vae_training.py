"""Stage 1 of the starter: a mel-spectrogram VAE (AutoencoderKL) trained on the corpus.

Loss as in AudioLDM's first stage without its adversary (too slow on a CPU): L1 between input and
reconstructed log-mel plus a small KL term that keeps the latent space smooth for diffusion.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from diffusers import AutoencoderKL
from tqdm import tqdm

from soundloom.engine.training.checkpoint import load_latest, save_checkpoint
from soundloom.engine.training.mel_cache import MelCache, crop
from soundloom.engine.training.schedule import cosine_lr, descend, set_lr


@dataclass
class VAEConfig:
    """Widths and schedule; `crop_frames` of mel per example (100 frames = 1 s)."""

    # Four levels: compression 8 along time and mel. Coarser than AudioLDM's 4, so the UNet sees
    # 4× fewer positions and trains 3–4× faster on a CPU; 16 channels keep 16 values per mel frame.
    channels: tuple[int, ...] = (16, 32, 64, 64)  # narrow at full resolution, where convolutions cost most
    latent_channels: int = 16
    norm_groups: int = 16
    steps: int = 2500
    batch: int = 8
    crop_frames: int = 128
    lr: float = 1e-3
    kl_weight: float = 1e-6
    # 0: plain log-mel L1. Above 0: the decoder refinement's loss (decoder_training.decoder_loss), bands
    # near each frame's loudest weighted up to 1 + peak_weight, plus the band-to-band slope.
    peak_weight: float = 0.0
    peak_range: float = 4.0
    checkpoint_every: int = 250
    seed: int = 0


def make_vae(config: VAEConfig) -> AutoencoderKL:
    levels = len(config.channels)
    return AutoencoderKL(
        in_channels=1, out_channels=1, block_out_channels=list(config.channels),
        down_block_types=["DownEncoderBlock2D"] * levels, up_block_types=["UpDecoderBlock2D"] * levels,
        latent_channels=config.latent_channels, layers_per_block=1, norm_num_groups=config.norm_groups,
    )


def mel_batch(cache: MelCache, indices: list[int], config, rng: np.random.Generator, floor: float) -> torch.Tensor:
    """[config.batch, 1, config.crop_frames, n_mels] random crops of clips drawn from `indices`."""
    chosen = rng.choice(indices, size=config.batch)
    return torch.from_numpy(np.stack([crop(cache.clip_mel(i), config.crop_frames, rng, floor) for i in chosen]))[:, None]


def reconstruction_error(vae: AutoencoderKL, mels: torch.Tensor) -> float:
    """Mean absolute log-mel error of encode → decode on [batch, 1, frames, n_mels] (posterior mean)."""
    with torch.no_grad():
        rebuilt = vae.decode(vae.encode(mels).latent_dist.mode()).sample
    return (rebuilt - mels).abs().mean().item()


def train_vae(cache: MelCache, out: Path, config: VAEConfig, floor: float, on_step=None) -> AutoencoderKL:
    """Train (resuming from `out/checkpoints` when present) and return the VAE in eval mode."""
    from soundloom.engine.training.decoder_training import decoder_loss  # it builds on this module

    torch.manual_seed(config.seed)
    vae = make_vae(config)
    optimizer = torch.optim.AdamW(vae.parameters(), lr=config.lr, weight_decay=0.0)
    start, rng = 0, np.random.default_rng(config.seed)
    state = load_latest(out / "checkpoints")
    if state is not None:
        vae.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        start, rng = state["step"], np.random.default_rng([config.seed, state["step"]])
    train = cache.split("train")
    vae.train()
    bar = tqdm(range(start, config.steps), initial=start, total=config.steps, desc="vae", unit="step")
    began = time.monotonic()
    for step in bar:
        set_lr(optimizer, cosine_lr(step, config.steps, config.lr))
        mels = mel_batch(cache, train, config, rng, floor)
        posterior = vae.encode(mels).latent_dist
        rebuilt = vae.decode(posterior.sample()).sample
        recon = (rebuilt - mels).abs().mean()
        fitted = decoder_loss(rebuilt, mels, config) if config.peak_weight > 0 else recon
        loss = fitted + config.kl_weight * posterior.kl().mean()
        descend(optimizer, loss, vae.parameters())
        bar.set_postfix(l1=f"{recon.item():.3f}")
        if on_step:
            on_step(step + 1, config.steps, recon.item())
        if (step + 1) % config.checkpoint_every == 0 or step + 1 == config.steps:
            save_checkpoint(out / "checkpoints", step + 1, {"model": vae.state_dict(), "optimizer": optimizer.state_dict(),
                                                             "elapsed_s": time.monotonic() - began})
    return vae.eval()
