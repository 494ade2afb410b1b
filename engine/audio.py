"""Audio DSP for the engine: checking input clips, converting to the model's rate, splicing regions.

Arrays are float32 `[channels, samples]`; times are in seconds, rates in Hz.
"""

from __future__ import annotations

import numpy as np
import soxr

from soundloom.protocol.errors import ErrorCode, SoundloomError


def as_clip(samples: np.ndarray, field: str = "audio") -> np.ndarray:
    """A validated float32 [channels, samples] copy of `samples` (1-D input is one channel)."""
    array = np.asarray(samples)
    if array.ndim == 1:
        array = array[np.newaxis, :]
    if array.ndim != 2 or array.shape[0] < 1 or array.shape[0] > 64:
        raise SoundloomError(ErrorCode.INVALID_AUDIO, f"expected [channels, samples], got shape {array.shape}", field)
    if array.shape[1] == 0:
        raise SoundloomError(ErrorCode.INVALID_AUDIO, "the clip has no samples", field)
    if not np.issubdtype(array.dtype, np.floating):
        raise SoundloomError(ErrorCode.INVALID_AUDIO, f"samples must be floating point, got {array.dtype}", field)
    if not np.all(np.isfinite(array)):
        raise SoundloomError(ErrorCode.INVALID_AUDIO, "the clip contains NaN or infinite samples", field)
    return np.ascontiguousarray(array, dtype=np.float32)


def resample(samples: np.ndarray, rate: int, target_rate: int) -> np.ndarray:
    """Resample [channels, samples] from `rate` to `target_rate` (soxr, high quality)."""
    if rate == target_rate:
        return samples
    out = soxr.resample(samples.T, rate, target_rate, quality="HQ")
    return np.ascontiguousarray(out.T, dtype=np.float32)


def to_model_input(clip: np.ndarray, rate: int, model_rate: int) -> np.ndarray:
    """Mono mix at the model's rate, [samples]."""
    mono = clip.mean(axis=0, keepdims=True, dtype=np.float32)
    return resample(mono, rate, model_rate)[0]


def to_model_channels(clip: np.ndarray, channels: int) -> np.ndarray:
    """`clip` [channels, samples] as a model with `channels` channels reads it: as it is when the
    counts agree, else the mono mix, repeated to every channel the model has."""
    if clip.shape[0] == channels:
        return clip
    mono = clip.mean(axis=0, keepdims=True, dtype=np.float32)
    return np.repeat(mono, channels, axis=0)


def to_clip_channels(generated: np.ndarray, channels: int) -> tuple[np.ndarray, str | None]:
    """Model output [model channels, samples] laid out on a clip's `channels`, and a note when the
    layout is not the model's own: each channel kept when the counts agree, else the mono mix copied
    to every channel (a mono model's output into a stereo clip is the same sound on both sides)."""
    if generated.shape[0] == channels:
        return generated, None
    mono = generated.mean(axis=0, keepdims=True, dtype=np.float32)
    note = None
    if generated.shape[0] == 1:
        note = f"the model makes mono audio: the same sound is on all {channels} channels"
    elif channels > 1:
        note = f"the model makes {generated.shape[0]}-channel audio: its mono mix is on all {channels} channels"
    return np.repeat(mono, channels, axis=0), note


def fit_length(samples: np.ndarray, length: int) -> np.ndarray:
    """Trim or zero-pad the last axis to `length` samples."""
    if samples.shape[-1] >= length:
        return samples[..., :length]
    pad = [(0, 0)] * (samples.ndim - 1) + [(0, length - samples.shape[-1])]
    return np.pad(samples, pad)


def splice(original: np.ndarray, generated: np.ndarray, spans: list[tuple[int, int]], fade: int) -> np.ndarray:
    """`original` with each span [start, end) (samples) replaced by `generated`.

    Samples outside the spans are copied unchanged, so they stay bit-identical. Inside each span,
    an equal-power crossfade of up to `fade` samples leads from the original into the generated
    audio and back out; an edge at the very start or end of the clip has nothing to fade from.
    """
    out = original.copy()
    splice_into(out, original, generated, 0, spans, fade)
    return out


def splice_into(
    out: np.ndarray, original: np.ndarray, generated: np.ndarray, offset: int, spans: list[tuple[int, int]], fade: int
) -> None:
    """`splice` in place: write each span of `out` from `generated`, which holds samples from `offset`
    on (it must cover the spans), crossfading against `original` as `splice` does."""
    length = original.shape[-1]
    for start, end in spans:
        out[:, start:end] = generated[:, start - offset : end - offset]
        n = min(fade, (end - start) // 2)
        if n <= 0:
            continue
        theta = (np.arange(n, dtype=np.float64) + 0.5) / n * (np.pi / 2)
        fade_in, fade_out = np.sin(theta).astype(np.float32), np.cos(theta).astype(np.float32)
        if start > 0:
            head = slice(start, start + n)
            out[:, head] = original[:, head] * fade_out + generated[:, start - offset : start - offset + n] * fade_in
        if end < length:
            tail = slice(end - n, end)
            out[:, tail] = original[:, tail] * fade_in + generated[:, end - n - offset : end - offset] * fade_out
