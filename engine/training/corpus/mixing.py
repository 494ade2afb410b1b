"""Tango-style augmentation: mix two clips of different classes at a relative pressure level.

The level of each clip is its sound pressure level (loudest 100 ms frame, `measure.
pressure_level_db`), so a short hit and a long texture are weighed by how loud they sound,
not by how much silence they contain. The training loop can call `tango_mix` on the fly; the
corpus builder can also write some mixes to disk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .audio import MAX_DURATION_S, PEAK_CEILING_DB, SAMPLE_RATE, db_to_gain
from .captions import join
from .measure import pressure_level_db

MIX_SPREAD_DB = 6.0  # relative levels are drawn from +-this many dB


@dataclass(frozen=True)
class Mix:
    """A mixed clip and how it was made: gains in dB applied to each input, and the level of the
    second input relative to the first after mixing (dB)."""

    audio: np.ndarray
    gain_a_db: float
    gain_b_db: float
    relative_db: float


def mix_pair(a: np.ndarray, b: np.ndarray, relative_db: float, ceiling_db: float = PEAK_CEILING_DB) -> Mix:
    """Mix `b` into `a` so that b's pressure level is `relative_db` dB relative to a's.

    As in Tango, the weights are t and 1-t with t chosen from the two levels, then divided by
    sqrt(t^2 + (1-t)^2) so the mix keeps roughly the inputs' power; if the sum would clip,
    both are scaled down together, which keeps the stated relative level. The result is as long
    as the longer input (at most 10 s); the shorter one is padded with silence."""
    la, lb = pressure_level_db(a), pressure_level_db(b)
    k = 10.0 ** ((relative_db + la - lb) / 20.0)  # = (1 - t) / t
    t = 1.0 / (1.0 + k)
    norm = np.sqrt(t * t + (1.0 - t) * (1.0 - t))
    ga, gb = t / norm, (1.0 - t) / norm
    n = min(max(len(a), len(b)), int(MAX_DURATION_S * SAMPLE_RATE))
    out = np.zeros(n, dtype=np.float64)
    out[: min(n, len(a))] += ga * np.asarray(a[:n], dtype=np.float64)
    out[: min(n, len(b))] += gb * np.asarray(b[:n], dtype=np.float64)
    peak = float(np.max(np.abs(out))) if n else 0.0
    if peak > db_to_gain(ceiling_db):
        scale = db_to_gain(ceiling_db) / peak
        out *= scale
        ga, gb = ga * scale, gb * scale
    return Mix(out.astype(np.float32), float(20 * np.log10(ga)), float(20 * np.log10(gb)), float(relative_db))


def random_relative_db(rng: np.random.Generator, spread_db: float = MIX_SPREAD_DB) -> float:
    """A relative level in dB drawn uniformly from [-spread_db, +spread_db]."""
    return round(float(rng.uniform(-spread_db, spread_db)), 2)


def tango_mix(
    a: np.ndarray, b: np.ndarray, caption_a: str, caption_b: str, rng: np.random.Generator
) -> tuple[np.ndarray, str, Mix]:
    """On-the-fly augmentation for training: a random-level mix of two clips of different
    classes and the joined caption ("a snare hit and rain")."""
    mix = mix_pair(a, b, random_relative_db(rng))
    return mix.audio, join(caption_a, caption_b), mix
