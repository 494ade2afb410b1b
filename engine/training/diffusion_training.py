"""Stage 2 of the starter: the text-conditioned latent diffusion UNet.

As in Tango, the frozen sentence encoder's token states drive the UNet's cross-attention, and
10 % of captions are dropped to the empty string so classifier-free guidance and negative prompts
work. The VAE and text encoder stay frozen; only the UNet trains.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from diffusers import DDPMScheduler, UNet2DConditionModel
from tqdm import tqdm

from soundloom.engine.models.prompt_pitch import prompt_pitch
from soundloom.engine.training.checkpoint import load_latest, save_checkpoint
from soundloom.engine.training.schedule import cosine_lr, descend, set_lr

NOISE_SCHEDULE = dict(num_train_timesteps=1000, beta_schedule="scaled_linear", beta_start=0.0015, beta_end=0.0195)


@dataclass
class UNetConfig:
    """Widths and schedule; `crop` is latent frames per example (one latent frame = 80 ms here)."""

    channels: tuple[int, ...] = (64, 128, 192)
    latent_channels: int = 16
    head_dim: int = 32
    norm_groups: int = 32
    prediction_type: str = "v_prediction"
    steps: int = 32300
    batch: int = 16
    crop: int = 32  # 2.56 s
    lr: float = 3e-4
    caption_dropout: float = 0.1
    # Clips whose captions name a note are drawn this many times as often as the rest: they are a
    # fifth of the corpus, and a wrong octave or a neighbouring semitone was the model's main pitch
    # error (the published weights drew them 3× as often up to step 28,000, 10× after).
    pitched_weight: float = 10.0
    checkpoint_every: int = 200
    seed: int = 0


def make_unet(config: UNetConfig) -> UNet2DConditionModel:
    levels = len(config.channels)
    return UNet2DConditionModel(
        sample_size=config.crop, in_channels=config.latent_channels, out_channels=config.latent_channels,
        block_out_channels=config.channels, layers_per_block=1, norm_num_groups=config.norm_groups,
        down_block_types=("DownBlock2D",) + ("CrossAttnDownBlock2D",) * (levels - 1),
        up_block_types=("CrossAttnUpBlock2D",) * (levels - 1) + ("UpBlock2D",),
        cross_attention_dim=384, attention_head_dim=config.head_dim,
    )


def make_noise_scheduler(config: UNetConfig) -> DDPMScheduler:
    return DDPMScheduler(**NOISE_SCHEDULE, prediction_type=config.prediction_type, clip_sample=False)


class LatentBatches:
    """Random training batches: start-aligned windows (one-shots keep their attack), padded with silence."""

    def __init__(self, latents: list[np.ndarray], captions: list[list[str]], silence: np.ndarray, config: UNetConfig):
        self.latents, self.captions, self.silence, self.config = latents, captions, silence, config
        pitched = np.array([any(prompt_pitch(text) is not None for text in texts) for texts in captions])
        weights = np.where(pitched, config.pitched_weight, 1.0)
        self.probabilities = weights / weights.sum()

    def sample(self, rng: np.random.Generator) -> tuple[torch.Tensor, list[str]]:
        c = self.config
        rows, texts = [], []
        for i in rng.choice(len(self.latents), size=c.batch, p=self.probabilities):
            latent = self.latents[i].astype(np.float32)
            frames = latent.shape[1]
            if frames > c.crop:
                # Mostly from the start, where one-shots have their attack; sometimes anywhere (textures).
                offset = 0 if rng.random() < 0.5 else int(rng.integers(0, frames - c.crop + 1))
                latent = latent[:, offset : offset + c.crop]
            elif frames < c.crop:
                latent = np.concatenate([latent, np.repeat(self.silence, c.crop - frames, axis=1)], axis=1)
            rows.append(latent)
            texts.append("" if rng.random() < c.caption_dropout else str(rng.choice(self.captions[i])))
        return torch.from_numpy(np.stack(rows)), texts


def uniform_timesteps(count: int, batch: int, generator: torch.Generator) -> torch.Tensor:
    return torch.randint(0, count, (batch,), generator=generator)


def diffusion_loss(unet, scheduler: DDPMScheduler, latents: torch.Tensor, cond: dict, generator: torch.Generator,
                   error=F.mse_loss, timesteps=uniform_timesteps) -> torch.Tensor:
    """The denoising loss at random timesteps; `cond` is the UNet's conditioning keyword arguments.

    `error(prediction, target)` and `timesteps(count, batch, generator)` default to the usual
    squared error at uniformly drawn timesteps; a family trained otherwise passes its own. Noise
    and timesteps are drawn on the CPU generator (reproducible on any device), then moved to the
    latents' device.
    """
    noise = torch.randn(latents.shape, generator=generator).to(latents.device)
    t = timesteps(scheduler.config.num_train_timesteps, latents.shape[0], generator).to(latents.device)
    noisy = scheduler.add_noise(latents, noise, t)
    target = scheduler.get_velocity(latents, noise, t) if scheduler.config.prediction_type == "v_prediction" else noise
    return error(unet(noisy, t, **cond).sample.float(), target.float())


def train_unet(batches: LatentBatches, encode_text, out: Path, config: UNetConfig,
               on_step=None) -> tuple[UNet2DConditionModel, float]:
    """Train (resuming from `out/checkpoints`); `encode_text(list[str]) -> (states, mask)` is frozen.

    Returns the UNet in eval mode and its training time in seconds, summed over every resumed run.
    """
    torch.manual_seed(config.seed)
    unet = make_unet(config)
    scheduler = make_noise_scheduler(config)
    optimizer = torch.optim.AdamW(unet.parameters(), lr=config.lr, weight_decay=1e-2)
    start = 0
    state = load_latest(out / "checkpoints")
    if state is not None:
        unet.load_state_dict(state["model"])
        if "optimizer" in state:  # absent when continuing from a published model's weights
            optimizer.load_state_dict(state["optimizer"])
        start = state["step"]
    rng = np.random.default_rng([config.seed, start])
    generator = torch.Generator().manual_seed(config.seed * 7919 + start)
    losses: list[float] = list(state.get("losses", [])) if state else []
    unet.train()
    began = time.monotonic() - (state.get("elapsed_s", 0.0) if state else 0.0)
    bar = tqdm(range(start, config.steps), initial=start, total=config.steps, desc="unet", unit="step")
    for step in bar:
        set_lr(optimizer, cosine_lr(step, config.steps, config.lr, warmup=200))
        latents, texts = batches.sample(rng)
        states, mask = encode_text(texts)
        loss = diffusion_loss(unet, scheduler, latents, {"encoder_hidden_states": states, "encoder_attention_mask": mask}, generator)
        descend(optimizer, loss, unet.parameters())
        losses.append(loss.item())
        bar.set_postfix(loss=f"{np.mean(losses[-50:]):.4f}")
        if on_step:
            on_step(step + 1, config.steps, loss.item())
        if (step + 1) % config.checkpoint_every == 0 or step + 1 == config.steps:
            save_checkpoint(out / "checkpoints", step + 1, {
                "model": unet.state_dict(), "optimizer": optimizer.state_dict(),
                "losses": losses, "elapsed_s": time.monotonic() - began,
            })
    return unet.eval(), time.monotonic() - began
