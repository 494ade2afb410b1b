"""The content of operation requests, built from the SDK's arguments before anything is sent.

Options left at None are omitted, so the engine's own defaults apply; audio inputs are turned
into float32 [channels, samples] arrays and refused here, with the field named, when malformed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence, Union

import numpy as np

from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.sdk.audio import Audio

AudioInput = Union[Audio, str, os.PathLike, "tuple[np.ndarray, int]"]
_MAX_CHANNELS = 64  # more "channels" than this is a (samples, channels) array passed the wrong way round


def library_path(folder: str | os.PathLike[str]) -> str:
    """`folder` as the absolute, resolved path the engine needs: a relative path means nothing to a
    daemon with its own working folder, and resolving here names the same folder the user sees."""
    return str(Path(folder).expanduser().resolve())


def finetune_content(
    folder: str | os.PathLike[str],
    *,
    name: str,
    model: str | None = None,
    steps: int | None = None,
    rank: int | None = None,
    learning_rate: float | None = None,
    batch_size: int | None = None,
    seed: int | None = None,
    mix: bool | None = None,
    convolutions: bool | None = None,
    validation_prompts: Sequence[str] | None = None,
    validate_every: int | None = None,
    checkpoint_every: int | None = None,
    resume: bool = False,
) -> dict[str, Any]:
    """A finetune request's content: only the options given, so the engine's defaults apply to the rest."""
    content = {
        "folder": library_path(folder),
        "name": name,
        "model": model,
        "steps": steps,
        "rank": rank,
        "learning_rate": learning_rate,
        "batch_size": batch_size,
        "seed": seed,
        "mix": mix,
        "convolutions": convolutions,
        "validation_prompts": _prompts(validation_prompts),
        "validate_every": validate_every,
        "checkpoint_every": checkpoint_every,
        "resume": True if resume else None,
    }
    return {key: value for key, value in content.items() if value is not None}


def operation_fields(
    prompt, negative_prompt, steps, guidance, seed, variations, scheduler, model, priority, adapter_scale=None
) -> dict[str, Any]:
    """The fields every audio operation shares (those left at None are dropped before sending)."""
    return {
        "prompt": prompt,
        "negative_prompt": negative_prompt,
        "steps": steps,
        "guidance": guidance,
        "seed": seed,
        "variations": variations,
        "scheduler": scheduler,
        "model": model,
        "priority": priority,
        "adapter_scale": adapter_scale,
    }


def clip_samples(audio: AudioInput) -> tuple[np.ndarray, int]:
    """(float32 samples [channels, samples], sample_rate Hz) of an Audio, a file path, or a (samples, rate) tuple.

    The samples are copied, so the caller may change their array while the request is in flight.
    """
    if isinstance(audio, (str, os.PathLike)):
        audio = Audio.load(audio)
    if isinstance(audio, Audio):
        samples, sample_rate = audio.samples, audio.sample_rate
    elif isinstance(audio, tuple) and len(audio) == 2:
        samples, sample_rate = audio
    else:
        raise SoundloomError(
            ErrorCode.INVALID_ARGUMENT,
            f"expected an Audio, a file path or a (samples, sample_rate) tuple, got {type(audio).__name__}",
            "audio",
        )
    samples = np.array(samples, dtype=np.float32, order="C")
    if samples.ndim == 2 and samples.shape[0] > _MAX_CHANNELS:
        raise SoundloomError(
            ErrorCode.INVALID_ARGUMENT,
            f"shape {samples.shape} has {samples.shape[0]} channels; samples are [channels, samples] "
            "(transpose a soundfile-style [samples, channels] array)",
            "audio",
        )
    return samples, sample_rate


def _prompts(prompts: Sequence[str] | None) -> list[str] | None:
    # An empty list is meaningful (render nothing), so only None is left out; a lone string is one
    # prompt, not a sequence of one-letter prompts.
    if prompts is None:
        return None
    return [prompts] if isinstance(prompts, str) else list(prompts)
