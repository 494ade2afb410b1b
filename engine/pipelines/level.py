"""Output level of generated clips: what a sound designer can drop on a track without a gain stage.

A latent model's raw level follows its training data and its mel inversion, not the prompt's
meaning: the starter's speech peaks 17 dB over full scale while its low cello sits near -47 LUFS.
So a generated clip is scaled, by one gain for the whole clip (the shape of its envelope is the
model's), to one of:

- `peak`: its highest sample at -1 dBFS, as sample libraries deliver one-shots;
- `loudness`: -23 LUFS integrated (EBU R128), lowered further if its peak would pass -1 dBFS,
  so that clips of different kinds sit together at one perceived level;
- `off`: the model's own output, for comparing models or reproducing published numbers.

A clip that is silence for all practical purposes is left as it is, and no gain exceeds
`MAX_GAIN_DB` (a near-silent result is not to be turned into amplified noise).

Inpainting and extension instead keep the level of the clip they work in (`match_context`): the
model re-creates the kept context along with the new part, and the ratio between the clip's context
and that re-creation is the model's own gain error (±5 dB for the starter's mel inversion),
which is removed from the new part before it is spliced in.
"""

from __future__ import annotations

import math

import numpy as np
import pyloudnorm

PEAK_CEILING_DBFS = -1.0
LOUDNESS_TARGET_LUFS = -23.0
MAX_GAIN_DB = 48.0
SILENCE_DBFS = -90.0  # a clip whose peak is below this is left alone
MAX_CONTEXT_CORRECTION_DB = 12.0  # beyond this the two are too different for a ratio to mean a gain error
QUIET_CONTEXT_DBFS = -70.0  # context this quiet (RMS) says nothing about a gain


def normalize(clip: np.ndarray, rate: int, mode: str) -> tuple[np.ndarray, float]:
    """`clip` ([channels, samples]) scaled as `mode` says, and the gain applied in dB."""
    if mode == "off":
        return clip, 0.0
    peak_db = _db(float(np.max(np.abs(clip), initial=0.0)))
    if peak_db < SILENCE_DBFS:
        return clip, 0.0
    gain_db = PEAK_CEILING_DBFS - peak_db
    if mode == "loudness":
        loudness = _integrated_loudness(clip, rate)
        if math.isfinite(loudness):
            gain_db = min(gain_db, LOUDNESS_TARGET_LUFS - loudness)
    gain_db = min(gain_db, MAX_GAIN_DB)
    return (clip * np.float32(10.0 ** (gain_db / 20.0))).astype(clip.dtype, copy=False), round(gain_db, 2)


def match_context(generated: np.ndarray, clip: np.ndarray, context: np.ndarray) -> np.ndarray:
    """`generated` ([variations, channels, samples], the model's render of a stretch of `clip`
    ([channels, samples], the same stretch) with some of it new) scaled, per variation, by the
    gain that brings its render of the `context` samples (a boolean mask over the stretch: what
    the clip keeps) to the clip's own level there."""
    if not context.any():
        return generated
    kept = _rms_db(clip.mean(axis=0)[context])
    if kept < QUIET_CONTEXT_DBFS:
        return generated
    out = generated.copy()
    for row in out:
        rendered = _rms_db(row.mean(axis=0)[context])
        if rendered >= QUIET_CONTEXT_DBFS:
            correction = float(np.clip(kept - rendered, -MAX_CONTEXT_CORRECTION_DB, MAX_CONTEXT_CORRECTION_DB))
            row *= np.float32(10.0 ** (correction / 20.0))
    return out


def _rms_db(x: np.ndarray) -> float:
    return _db(float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))))


def _integrated_loudness(clip: np.ndarray, rate: int) -> float:
    """BS.1770 integrated loudness in LUFS; -inf when the clip is too short or gated out entirely."""
    meter = pyloudnorm.Meter(rate)
    if clip.shape[-1] < meter.block_size * rate:
        return -math.inf
    return float(meter.integrated_loudness(np.asarray(clip, np.float64).T))


def _db(amplitude: float) -> float:
    return 20.0 * math.log10(amplitude) if amplitude > 0 else -math.inf
