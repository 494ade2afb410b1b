"""What an operation returns."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Result:
    """One float32 [channels, samples] array per variation at `sample_rate` Hz, with its metadata.

    Each variation's metadata holds everything needed to reproduce it (prompt, seed, model, …).
    """

    audio: list[np.ndarray]
    sample_rate: int
    metadata: list[dict]
    warnings: list[str] = field(default_factory=list)
