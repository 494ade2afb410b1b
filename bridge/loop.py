"""Clips of an exact length, and loops whose end flows into their start.

A loop is made from a generation a little longer than the loop: the extra tail (what the model
made right after the loop's last sample) is crossfaded, equal-power, into the loop's head. The
loop's last sample is then followed, on repeat, by audio that continues it, and the clip keeps
exactly the requested number of samples.
"""

from __future__ import annotations

import numpy as np

MAX_FADE_SECONDS = 0.25
MIN_FADE_SECONDS = 0.005


def fade_frames(frames: int, rate: int) -> int:
    """Crossfade length of a loop of `frames` samples at `rate` Hz: up to 0.25 s, at most a quarter of it."""
    return max(1, min(round(MAX_FADE_SECONDS * rate), frames // 4))


def fit_frames(samples: np.ndarray, frames: int) -> np.ndarray:
    """[channels, n] trimmed or zero-padded to exactly `frames` samples."""
    samples = np.asarray(samples, dtype=np.float32)
    if samples.shape[-1] >= frames:
        return np.ascontiguousarray(samples[..., :frames])
    return np.pad(samples, ((0, 0), (0, frames - samples.shape[-1])))


def make_loop(samples: np.ndarray, frames: int, fade: int) -> np.ndarray:
    """A seamless loop of exactly `frames` samples from `samples` [channels, ≥ frames + fade]: the
    `fade` samples that follow the loop's end are crossfaded (equal power) into its head."""
    samples = np.asarray(samples, dtype=np.float32)
    if samples.shape[-1] < frames + fade:
        samples = fit_frames(samples, frames + fade)
    out = samples[:, :frames].copy()
    theta = (np.arange(fade, dtype=np.float64) + 0.5) / fade * (np.pi / 2)
    fade_in, fade_out = np.sin(theta).astype(np.float32), np.cos(theta).astype(np.float32)
    out[:, :fade] = samples[:, :fade] * fade_in + samples[:, frames:frames + fade] * fade_out
    return out


def wrap_jump(samples: np.ndarray) -> float:
    """How abrupt a clip's wrap point is: |first − last sample| over the median step between
    neighbouring samples (about 1 for a seamless loop, much larger for a click). Channels averaged."""
    samples = np.atleast_2d(np.asarray(samples, dtype=np.float64))
    steps = np.median(np.abs(np.diff(samples, axis=-1)), axis=-1)
    jump = np.abs(samples[:, 0] - samples[:, -1])
    return float(np.mean(jump / np.maximum(steps, 1e-12)))
