"""A vocoder for the starter: a small HiFi-GAN generator trained on the corpus, kept only if it beats
Griffin-Lim on held-out clips.

Without a discriminator (too slow on a CPU) the generator learns from spectral losses alone: a
multi-resolution STFT loss (spectral convergence plus log magnitude) and the log-mel L1 that the
front end defines. The same multi-resolution STFT distance decides between it and Griffin-Lim.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
from tqdm import tqdm
from transformers import SpeechT5HifiGan, SpeechT5HifiGanConfig

from soundloom.engine.models.griffin_lim import GriffinLim
from soundloom.engine.models.mel import MelConfig, MelFrontEnd
from soundloom.engine.training.checkpoint import load_latest, save_checkpoint
from soundloom.engine.training.schedule import cosine_lr, descend, set_lr

RESOLUTIONS = ((512, 128, 512), (1024, 256, 1024), (256, 64, 256))  # (n_fft, hop, window) in samples


@dataclass
class VocoderConfig:
    channels: int = 64  # first upsampling layer's width; halves at each of the four upsamplings
    steps: int = 6000
    batch: int = 8
    segment_s: float = 1.0
    lr: float = 5e-4
    checkpoint_every: int = 250
    seed: int = 0


def make_vocoder(config: VocoderConfig, mel: MelConfig) -> SpeechT5HifiGan:
    return SpeechT5HifiGan(SpeechT5HifiGanConfig(
        model_in_dim=mel.n_mels, sampling_rate=mel.sample_rate, upsample_initial_channel=config.channels,
        upsample_rates=[5, 4, 4, 2], upsample_kernel_sizes=[10, 8, 8, 4],
        resblock_kernel_sizes=[3, 7], resblock_dilation_sizes=[[1, 3, 5], [1, 3, 5]], normalize_before=False,
    ))


def mr_stft_distance(estimate: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Multi-resolution STFT distance: mean over resolutions of spectral convergence + log-magnitude L1."""
    total = 0.0
    for n_fft, hop, window in RESOLUTIONS:
        w = torch.hann_window(window, device=target.device)
        spec = [torch.stft(x, n_fft, hop, window, w, return_complex=True).abs().clamp(min=1e-7) for x in (estimate, target)]
        convergence = torch.linalg.norm(spec[1] - spec[0], dim=(-2, -1)) / torch.linalg.norm(spec[1], dim=(-2, -1))
        total = total + convergence.mean() + (spec[1].log() - spec[0].log()).abs().mean()
    return total / len(RESOLUTIONS)


class Segments:
    """Random fixed-length segments of corpus clips, read from disk on demand (16 kHz mono files)."""

    def __init__(self, paths: list[Path], samples: int):
        self.paths, self.samples = paths, samples

    def sample(self, rng: np.random.Generator, count: int) -> torch.Tensor:
        rows = []
        while len(rows) < count:
            audio, _ = sf.read(self.paths[rng.integers(len(self.paths))], dtype="float32", always_2d=True)
            audio = audio.mean(axis=1)
            if len(audio) < self.samples:
                continue
            start = int(rng.integers(0, len(audio) - self.samples + 1))
            rows.append(audio[start : start + self.samples])
        return torch.from_numpy(np.stack(rows))


def train_vocoder(train: Segments, out: Path, config: VocoderConfig, mel: MelConfig) -> SpeechT5HifiGan:
    """Train (resuming from `out/checkpoints`) and return the generator in eval mode."""
    torch.manual_seed(config.seed)
    vocoder = make_vocoder(config, mel)
    front = MelFrontEnd(mel)
    optimizer = torch.optim.AdamW(vocoder.parameters(), lr=config.lr, betas=(0.8, 0.99))
    state, start = load_latest(out / "checkpoints"), 0
    if state is not None:
        vocoder.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        start = state["step"]
    rng = np.random.default_rng([config.seed, start])
    began = time.monotonic()
    vocoder.train()
    bar = tqdm(range(start, config.steps), initial=start, total=config.steps, desc="vocoder", unit="step")
    for step in bar:
        set_lr(optimizer, cosine_lr(step, config.steps, config.lr))
        audio = train.sample(rng, config.batch)
        with torch.no_grad():
            log_mel = front(audio)
        estimate = vocoder(log_mel)[:, : audio.shape[1]]
        loss = mr_stft_distance(estimate, audio) + (front(estimate) - log_mel).abs().mean()
        descend(optimizer, loss, vocoder.parameters())
        bar.set_postfix(loss=f"{loss.item():.3f}")
        if (step + 1) % config.checkpoint_every == 0 or step + 1 == config.steps:
            save_checkpoint(out / "checkpoints", step + 1, {"model": vocoder.state_dict(), "optimizer": optimizer.state_dict(),
                                                             "elapsed_s": time.monotonic() - began})
    return vocoder.eval()


@torch.no_grad()
def compare_with_griffin_lim(vocoder: torch.nn.Module, clips: list[np.ndarray], mel: MelConfig) -> dict:
    """Held-out multi-resolution STFT distance of the vocoder and of Griffin-Lim (lower is better)."""
    front, griffin_lim = MelFrontEnd(mel), GriffinLim(mel)
    scores = {"vocoder": [], "griffin_lim": []}
    for clip in clips:
        audio = torch.from_numpy(clip[: len(clip) // mel.hop_length * mel.hop_length].astype(np.float32))[None]
        log_mel = front(audio)
        for name, invert in (("vocoder", vocoder), ("griffin_lim", griffin_lim)):
            estimate = invert(log_mel)[:, : audio.shape[1]]
            scores[name].append(float(mr_stft_distance(estimate, audio)))
    return {name: round(float(np.mean(values)), 4) for name, values in scores.items()}
