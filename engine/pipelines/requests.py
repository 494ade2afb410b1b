"""What each operation accepts, with the allowed ranges checked in one place.

Field names are the wire format's; every violation names its field and the allowed range.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass, field

import numpy as np

from soundloom.engine.audio import as_clip
from soundloom.engine.pipelines.schedulers import SCHEDULERS
from soundloom.protocol.errors import ErrorCode, SoundloomError, out_of_range

MAX_SECONDS = 60.0
MIN_SECONDS = 0.5
MAX_SEED = 2**32 - 1


def _number(name: str, value, low: float, high: float, allowed: str, integer: bool = False):
    kind = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind):
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"expected {'an integer' if integer else 'a number'}, got {value!r}", name)
    if not math.isfinite(value) or not low <= value <= high:
        raise out_of_range(name, value, allowed)


@dataclass(kw_only=True)
class Sampling:
    """Settings every operation shares. guidance ≤ 1 turns classifier-free guidance off."""

    prompt: str
    negative_prompt: str = ""
    steps: int = 25
    guidance: float = 3.0
    seed: int | None = None  # None: a random seed, reported in the result so it can be replayed
    variations: int = 1  # variation i uses seed + i
    scheduler: str = "dpmpp"

    def validate(self, max_seconds: float = MAX_SECONDS) -> None:
        if not isinstance(self.prompt, str) or not self.prompt.strip():
            raise SoundloomError(ErrorCode.INVALID_ARGUMENT, "must be a non-empty string", "prompt")
        if not isinstance(self.negative_prompt, str):
            raise SoundloomError(ErrorCode.INVALID_ARGUMENT, "must be a string", "negative_prompt")
        _number("steps", self.steps, 1, 1000, "1 to 1000", integer=True)
        _number("guidance", self.guidance, 0.0, 30.0, "0 to 30")
        if self.seed is not None:
            _number("seed", self.seed, 0, MAX_SEED, f"0 to {MAX_SEED}", integer=True)
        _number("variations", self.variations, 1, 16, "1 to 16", integer=True)
        if self.scheduler not in SCHEDULERS:
            raise SoundloomError(
                ErrorCode.INVALID_ARGUMENT, f"unknown scheduler {self.scheduler!r}; allowed: {', '.join(SCHEDULERS)}", "scheduler"
            )

    def resolved_seed(self) -> int:
        if self.seed is None:
            self.seed = secrets.randbelow(MAX_SEED + 1)
        return self.seed


@dataclass(kw_only=True)
class GenerateRequest(Sampling):
    """Text to audio; `seconds` is the clip length."""

    seconds: float = 5.0

    def validate(self, max_seconds: float = MAX_SECONDS) -> None:
        super().validate(max_seconds)
        _number("seconds", self.seconds, MIN_SECONDS, max_seconds, f"{MIN_SECONDS} to {max_seconds:g} seconds")


@dataclass(kw_only=True)
class ClipRequest(Sampling):
    """An operation on an input clip: `audio` is [channels, samples] (or [samples]) at `sample_rate` Hz."""

    audio: np.ndarray = field(repr=False)
    sample_rate: int

    @property
    def clip_seconds(self) -> float:
        return self.audio.shape[-1] / self.sample_rate

    def validate(self, max_seconds: float = MAX_SECONDS) -> None:
        super().validate(max_seconds)
        _number("sample_rate", self.sample_rate, 1000, 384000, "1000 to 384000 Hz", integer=True)
        self.audio = as_clip(self.audio)
        if not 0.1 <= self.clip_seconds <= max_seconds:
            raise out_of_range("audio", f"{self.clip_seconds:.3f} s", f"clips of 0.1 to {max_seconds:g} seconds")


@dataclass(kw_only=True)
class InpaintRequest(ClipRequest):
    """Regenerate `regions`, each (start, end) in seconds; everything outside stays bit-identical."""

    regions: list[tuple[float, float]]

    def validate(self, max_seconds: float = MAX_SECONDS) -> None:
        super().validate(max_seconds)
        if not isinstance(self.regions, (list, tuple)) or not self.regions:
            raise SoundloomError(ErrorCode.INVALID_ARGUMENT, "give at least one region (start, end) in seconds", "regions")
        duration = self.clip_seconds
        spans = []
        for i, region in enumerate(self.regions):
            name = f"regions[{i}]"
            if not isinstance(region, (list, tuple)) or len(region) != 2:
                raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"expected (start, end) in seconds, got {region!r}", name)
            start, end = region
            _number(name, start, 0.0, duration, f"0 to {duration:.3f} seconds (the clip)")
            _number(name, end, 0.0, duration, f"0 to {duration:.3f} seconds (the clip)")
            if end - start < 0.01:
                raise SoundloomError(
                    ErrorCode.OUT_OF_RANGE, f"region {start}–{end} s is empty; end must exceed start by at least 0.01 s", name
                )
            spans.append((float(start), float(end), name))
        spans.sort()
        for (_, end_a, name_a), (start_b, _, name_b) in zip(spans, spans[1:]):
            if start_b < end_a:
                raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"overlaps {name_a}; regions must not overlap", name_b)
        self.regions = [(s, e) for s, e, _ in spans]


@dataclass(kw_only=True)
class TransferRequest(ClipRequest):
    """Re-imagine a clip after `prompt`; `strength` 0 keeps it, 1 ignores it."""

    strength: float = 0.5

    def validate(self, max_seconds: float = MAX_SECONDS) -> None:
        super().validate(max_seconds)
        _number("strength", self.strength, 0.0, 1.0, "0 to 1")


@dataclass(kw_only=True)
class ExtendRequest(ClipRequest):
    """Continue a clip by `seconds` past its end; the original part stays bit-identical."""

    seconds: float = 5.0

    def validate(self, max_seconds: float = MAX_SECONDS) -> None:
        super().validate(max_seconds)
        room = max_seconds - self.clip_seconds
        _number("seconds", self.seconds, 0.1, max(room, 0.1), f"0.1 to {room:.2f} seconds (clip plus extension ≤ {max_seconds:g} s)")
        if room < 0.1:
            raise out_of_range("seconds", self.seconds, f"nothing: the clip is already {self.clip_seconds:.2f} s of the {max_seconds:g} s maximum")
