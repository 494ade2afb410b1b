""""More like this": rank the library by audio features, each aspect weighted by the user.

Distances per aspect: timbre and loudness envelope Euclidean, duration the difference of log2
lengths, pitch the semitone distance (octave = 1, at most 2) weighted by how pitched both sounds
are, plus the difference of their confidences. Each aspect's distance d becomes d / (d + m), m its
median over the library: 0 for the same, 0.5 for a typical distance, below 1 however far, so a
weight means the same for every aspect whatever its units and no single aspect can swamp the
others. The score is 1 minus the weighted mean: 1 for an identical sound, 0.5 for a typical one.
"""

from __future__ import annotations

import numpy as np

from soundloom.library.features import ASPECTS

DEFAULT_WEIGHTS = {"timbre": 1.0, "pitch": 1.0, "loudness": 1.0, "duration": 1.0}


def check_weights(weights: dict[str, float] | None) -> dict[str, float]:
    if weights is None:
        return dict(DEFAULT_WEIGHTS)
    unknown = set(weights) - set(ASPECTS)
    if unknown:
        raise ValueError(f"weights: unknown aspect {sorted(unknown)[0]!r}; allowed: {', '.join(ASPECTS)}")
    merged = {aspect: float(weights.get(aspect, 0.0)) for aspect in ASPECTS}
    if any(w < 0 or not np.isfinite(w) for w in merged.values()) or sum(merged.values()) <= 0:
        raise ValueError("weights: each must be ≥ 0 and at least one > 0")
    return merged


def aspect_distances(matrix: np.ndarray, query: np.ndarray) -> dict[str, np.ndarray]:
    out = {}
    for aspect, part in ASPECTS.items():
        rows, q = matrix[:, part], query[part]
        if aspect == "pitch":
            confident = np.minimum(rows[:, 1], q[1])
            semitones = np.minimum(np.abs(rows[:, 0] - q[0]) * 127.0 / 12.0, 2.0)
            out[aspect] = np.abs(rows[:, 1] - q[1]) + confident * semitones
        else:
            out[aspect] = np.sqrt(((rows - q) ** 2).sum(axis=1))
    return out


def rank(matrix: np.ndarray, query: np.ndarray, weights: dict[str, float]) -> np.ndarray:
    """Scores 0–1 of every row of `matrix` [n, SIZE] against `query` [SIZE]."""
    if matrix.shape[0] == 0:
        return np.zeros(0)
    total = np.zeros(matrix.shape[0])
    for aspect, distance in aspect_distances(matrix, query).items():
        weight = weights.get(aspect, 0.0)
        if weight <= 0:
            continue
        scale = max(float(np.median(distance)), 1e-6)
        total += weight * distance / (distance + scale)
    return 1.0 - total / sum(weights.values())
