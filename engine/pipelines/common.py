"""Pieces the operations share: seeds, latent sizes, conditioning, decoding, metadata."""

from __future__ import annotations

import math
from dataclasses import fields

import numpy as np
import torch

import soundloom
from soundloom.engine.models import text_cache
from soundloom.engine.models.base import AudioModel, Conditioning
from soundloom.engine.pipelines.requests import ClipRequest, Sampling


def generators(seed: int, count: int, device: torch.device) -> list[torch.Generator]:
    """One generator per variation, seeded seed, seed+1, …, so variation i can be replayed alone."""
    return [torch.Generator(device).manual_seed(variation_seed(seed, i)) for i in range(count)]


def variation_seed(seed: int, index: int) -> int:
    return (seed + index) % 2**32


def latent_frames(model: AudioModel, samples: int) -> int:
    """Latent time steps covering `samples`, padded up to the model's shortest run and to what the
    UNet's down-sampling needs."""
    frames = max(math.ceil(samples / model.samples_per_latent_frame), model.min_latent_frames)
    multiple = model.time_multiple
    return math.ceil(frames / multiple) * multiple


def noise(model: AudioModel, frames: int, gens: list[torch.Generator]) -> torch.Tensor:
    shape = (1, *model.latent_shape(frames))
    rows = [torch.randn(shape, generator=g, device=model.device, dtype=model.dtype) for g in gens]
    return torch.cat(rows)


def conditioning(model: AudioModel, request: Sampling, seconds: float | None = None) -> Conditioning:
    """The request's prompts encoded for audio of `seconds` (None: the model's full length); a
    prompt the model encoded before comes from its cache (`text_cache`)."""
    negatives = [request.negative_prompt] if request.guidance > 1.0 else None
    return text_cache.condition(model, [request.prompt], negatives, seconds)


def encode_mono(model: AudioModel, mono: np.ndarray, frames: int) -> torch.Tensor:
    """Clean latents [1, C, frames, …] of a mono clip at the model's rate, zero-padded to fit."""
    return encode_clip(model, np.repeat(mono[np.newaxis], model.audio_channels, axis=0), frames)


def encode_clip(model: AudioModel, clip: np.ndarray, frames: int) -> torch.Tensor:
    """Clean latents [1, C, frames, …] of a clip [channels, samples] at the model's rate and channel
    count (see `audio.to_model_channels`), zero-padded to fit."""
    padded = np.zeros((clip.shape[0], frames * model.samples_per_latent_frame), dtype=np.float32)
    n = min(clip.shape[1], padded.shape[1])
    padded[:, :n] = clip[:, :n]
    waveform = torch.from_numpy(padded if model.audio_channels > 1 else padded[0])[None]
    return model.waveform_to_latents(waveform.to(model.device))


def decode(model: AudioModel, latents: torch.Tensor, samples: int) -> np.ndarray:
    """Waveforms trimmed to `samples`: [batch, samples] from a mono model, [batch, channels,
    samples] from one with several channels."""
    if model.decode_context_frames is not None:
        # A model that fills a long fixed window decodes only the frames the clip needs.
        latents = latents[:, :, : math.ceil(samples / model.samples_per_latent_frame) + model.decode_context_frames]
    waveform = model.latents_to_waveform(latents).numpy()
    out = np.zeros((*waveform.shape[:-1], samples), dtype=np.float32)
    n = min(samples, waveform.shape[-1])
    out[..., :n] = waveform[..., :n]
    return out


def decode_clips(model: AudioModel, latents: torch.Tensor, samples: int) -> np.ndarray:
    """Waveforms [batch, channels, samples] trimmed to `samples`, whatever the model's channels."""
    audio = decode(model, latents, samples)
    return audio if audio.ndim == 3 else audio[:, np.newaxis]


def metadata(model: AudioModel, request: Sampling, operation: str, **extra) -> list[dict]:
    """Per-variation metadata: the request's settings with each variation's own seed."""
    skip = ("audio", "seed")
    settings = {f.name: getattr(request, f.name) for f in fields(request) if f.name not in skip}
    if isinstance(request, ClipRequest):
        settings["input_seconds"] = round(request.clip_seconds, 6)
    base = {"operation": operation, "model": model.name, "soundloom_version": soundloom.__version__, **settings, **extra}
    return [{**base, "seed": variation_seed(request.seed, i)} for i in range(request.variations)]
