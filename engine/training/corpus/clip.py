"""The two values that travel through a corpus build: what to make, and what was made."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class ClipSpec:
    """Everything needed to make one clip, decided before any audio is rendered.

    `params` say how the generator makes it (JSON-serialisable, seeds included) and `attrs` say
    what it is in words (the slots captions are filled from). `group` ties clips that must land
    in the same split, e.g. the velocity layers of one recorded drum.
    """

    id: str
    source: str  # midi, drums, recordings, procedural, speech, mix
    cls: str
    params: dict
    attrs: dict
    group: str

    @property
    def relpath(self) -> str:
        """Audio path relative to the corpus root, without the extension."""
        return f"audio/{self.source}/{self.cls}/{self.id}"


@dataclass
class Rendered:
    """A generator's output before the common finishing steps (length, peak, measurements).

    `onsets_s` are event start times in seconds from the start of `audio`; `onset_origin` says
    whether they come from the score/generator ("generator") or were measured ("detected").
    """

    audio: np.ndarray
    onsets_s: list[float]
    midi_pitch: int | None = None
    pitches: list[int] | None = None
    f0_hz: float | None = None
    onset_origin: str = "generator"
    extra: dict = field(default_factory=dict)


def stable_hash(*parts: object) -> int:
    """A 32-bit hash that is the same on every run and machine (unlike Python's `hash`)."""
    return zlib.crc32("\x1f".join(str(p) for p in parts).encode("utf-8"))


def rng_for(seed: int, *parts: object) -> np.random.Generator:
    """The random generator of one decision, derived from the corpus seed and a name.

    Deriving per clip (not drawing from one shared stream) keeps a clip identical when other
    clips are added, removed or rendered in another order."""
    return np.random.default_rng([int(seed), stable_hash(*parts)])


def pick(rng: np.random.Generator, options):
    """One element of `options`, as the plain Python value (JSON-ready, unlike numpy scalars)."""
    return options[int(rng.integers(len(options)))]


def uniform(rng: np.random.Generator, low: float, high: float, digits: int = 3) -> float:
    """A uniform draw rounded to `digits` decimals, so the stored parameter reproduces the clip."""
    return round(float(rng.uniform(low, high)), digits)


def log_uniform(rng: np.random.Generator, low: float, high: float, digits: int = 1) -> float:
    """A draw uniform on a log scale (for frequencies in Hz), rounded to `digits` decimals."""
    return round(float(np.exp(rng.uniform(np.log(low), np.log(high)))), digits)
