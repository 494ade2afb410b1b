"""Stage 1b of the starter: refine the VAE's decoder with its encoder frozen.

The first stage's plain log-mel L1 spends most of its effort on the quiet floor between partials,
and a harmonic's exact place inside a mel band lives only in the balance of the two loud bands
around it: after the first stage, a low note decoded from its own latents often came back an
octave or two off, or unpitched. This stage trains only the decoder, with the error near each
frame's loudest bands and the error of the band-to-band slope (which is where a partial sits)
weighted up. The encoder is frozen, so the latents, and the UNet trained on them, stay valid:
the stage can run before or after the UNet.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from diffusers import AutoencoderKL
from tqdm import tqdm

from soundloom.engine.training.checkpoint import load_latest, save_checkpoint
from soundloom.engine.training.mel_cache import MelCache
from soundloom.engine.training.schedule import cosine_lr, descend, set_lr
from soundloom.engine.training.vae_training import mel_batch


@dataclass
class DecoderConfig:
    steps: int = 12000
    batch: int = 8
    crop_frames: int = 128
    lr: float = 3e-4
    # Bands within `peak_range` nats (4 ≈ 35 dB) of the frame's loudest count up to 1 + `peak_weight` times.
    peak_range: float = 4.0
    peak_weight: float = 3.0
    checkpoint_every: int = 250
    seed: int = 0


def peak_weights(mels: torch.Tensor, peak_range: float, peak_weight: float) -> torch.Tensor:
    """Per-band loss weights: 1 on the floor, rising to 1 + peak_weight at the frame's loudest band."""
    closeness = 1.0 - (mels.amax(dim=-1, keepdim=True) - mels) / peak_range
    return 1.0 + peak_weight * closeness.clamp(min=0.0)


def decoder_loss(rebuilt: torch.Tensor, mels: torch.Tensor, config: DecoderConfig) -> torch.Tensor:
    """Peak-weighted L1 of the log-mel and of its slope along the mel axis; mels are [batch, 1, frames, n_mels]."""
    weights = peak_weights(mels, config.peak_range, config.peak_weight)
    error = rebuilt - mels
    level = (error.abs() * weights).sum() / weights.sum()
    slope_weights = torch.maximum(weights[..., 1:], weights[..., :-1])
    slope = (error.diff(dim=-1).abs() * slope_weights).sum() / slope_weights.sum()
    return level + slope


def refine_decoder(vae: AutoencoderKL, cache: MelCache, out: Path, config: DecoderConfig, floor: float,
                   on_step=None) -> AutoencoderKL:
    """A copy of `vae` with its decoder refined (resuming from `out/checkpoints`); the encoder is unchanged."""
    torch.manual_seed(config.seed)
    vae = copy.deepcopy(vae).eval()
    trained = list(vae.post_quant_conv.parameters()) + list(vae.decoder.parameters())
    vae.requires_grad_(False)
    for p in trained:
        p.requires_grad_(True)
    optimizer = torch.optim.AdamW(trained, lr=config.lr, weight_decay=0.0)
    start, rng = 0, np.random.default_rng([config.seed, 1])
    state = load_latest(out / "checkpoints")
    if state is not None:
        vae.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        start, rng = state["step"], np.random.default_rng([config.seed, 1, state["step"]])
    train = cache.split("train")
    began = time.monotonic() - (state.get("elapsed_s", 0.0) if state else 0.0)
    bar = tqdm(range(start, config.steps), initial=start, total=config.steps, desc="decoder", unit="step")
    for step in bar:
        set_lr(optimizer, cosine_lr(step, config.steps, config.lr, warmup=50))
        mels = mel_batch(cache, train, config, rng, floor)
        with torch.no_grad():
            # Samples, not the mean: the UNet's latents are never exactly the encoder's mean either.
            latents = vae.encode(mels).latent_dist.sample()
        loss = decoder_loss(vae.decode(latents).sample, mels, config)
        descend(optimizer, loss, trained)
        bar.set_postfix(loss=f"{loss.item():.3f}")
        if on_step:
            on_step(step + 1, config.steps, loss.item())
        if (step + 1) % config.checkpoint_every == 0 or step + 1 == config.steps:
            save_checkpoint(out / "checkpoints", step + 1, {"model": vae.state_dict(), "optimizer": optimizer.state_dict(),
                                                             "elapsed_s": time.monotonic() - began})
    return vae.eval().requires_grad_(False)
