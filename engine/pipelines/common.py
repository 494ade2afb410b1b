"""Pieces the operations share: seeds, latent sizes, conditioning, decoding, metadata."""

from __future__ import annotations

import math
from dataclasses import fields

import numpy as np
import torch

import soundloom
from soundloom.engine.models.base import AudioModel, Conditioning
from soundloom.engine.pipelines.requests import ClipRequest, Sampling


def generators(seed: int, count: int, device: torch.device) -> list[torch.Generator]:
    """One generator per variation, seeded seed, seed+1, …, so variation i can be replayed alone."""
    return [torch.Generator(device).manual_seed(variation_seed(seed, i)) for i in range(count)]


def variation_seed(seed: int, index: int) -> int:
    return (seed + index) % 2**32


def latent_frames(model: AudioModel, samples: int) -> int:
    """Latent time steps covering `samples`, padded up to what the UNet's down-sampling needs."""
    frames = math.ceil(samples / model.samples_per_latent_frame)
    multiple = model.time_multiple
    return math.ceil(frames / multiple) * multiple


def noise(model: AudioModel, frames: int, gens: list[torch.Generator]) -> torch.Tensor:
    channels, width = model.latent_shape_per_frame
    rows = [torch.randn((1, channels, frames, width), generator=g, device=model.device, dtype=model.dtype) for g in gens]
    return torch.cat(rows)


def conditioning(model: AudioModel, request: Sampling) -> Conditioning:
    negatives = [request.negative_prompt] if request.guidance > 1.0 else None
    return model.encode_text([request.prompt], negatives)


def encode_mono(model: AudioModel, mono: np.ndarray, frames: int) -> torch.Tensor:
    """Clean latents [1, C, frames, W] of a mono clip at the model's rate, zero-padded to fit."""
    padded = np.zeros(frames * model.samples_per_latent_frame, dtype=np.float32)
    padded[: len(mono)] = mono[: len(padded)]
    return model.waveform_to_latents(torch.from_numpy(padded)[None].to(model.device))


def decode(model: AudioModel, latents: torch.Tensor, samples: int) -> np.ndarray:
    """Waveforms [batch, samples] trimmed to `samples`."""
    waveform = model.latents_to_waveform(latents).numpy()
    out = np.zeros((waveform.shape[0], samples), dtype=np.float32)
    n = min(samples, waveform.shape[1])
    out[:, :n] = waveform[:, :n]
    return out


def metadata(model: AudioModel, request: Sampling, operation: str, **extra) -> list[dict]:
    """Per-variation metadata: the request's settings with each variation's own seed."""
    skip = ("audio", "seed")
    settings = {f.name: getattr(request, f.name) for f in fields(request) if f.name not in skip}
    if isinstance(request, ClipRequest):
        settings["input_seconds"] = round(request.clip_seconds, 6)
    base = {"operation": operation, "model": model.name, "soundloom_version": soundloom.__version__, **settings, **extra}
    return [{**base, "seed": variation_seed(request.seed, i)} for i in range(request.variations)]
