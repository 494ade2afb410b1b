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
from soundloom.protocol.messages import (
    DEFAULTS,
    MAX_CLIP_SECONDS,
    MAX_INPAINT_AUDIO_SECONDS,
    MAX_INPAINT_CLIP_SECONDS,
    MAX_PROMPT_CHARS,
    MAX_REGIONS,
    RANGES,
    Normalize,
)

MAX_SECONDS = MAX_CLIP_SECONDS
NORMALIZE_MODES = tuple(m.value for m in Normalize)
# The operations themselves check every field but length: how long a clip may be is the caller's
# policy (Engine.max_seconds, the daemon's --max-seconds), checked before a request reaches them.
ANY_LENGTH = math.inf
MIN_SECONDS, _ = RANGES["seconds"]
MAX_SEED = int(RANGES["seed"][1])


def _ranged(name: str, value, integer: bool = False) -> None:
    """Check `value` against the wire contract's range for `name`."""
    low, high = RANGES[name]
    show = lambda x: str(int(x)) if float(x).is_integer() else f"{x:g}"  # noqa: E731
    check_number(name, value, low, high, f"{show(low)} to {show(high)}", integer)


def check_number(name: str, value, low: float, high: float, allowed: str, integer: bool = False) -> None:
    """`invalid_argument` unless `value` is a finite number (an int when `integer`), `out_of_range` outside [low, high]."""
    kind = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind):
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"expected {'an integer' if integer else 'a number'}, got {value!r}", name)
    if not math.isfinite(value) or not low <= value <= high:
        raise out_of_range(name, value, allowed)


@dataclass(kw_only=True)
class Sampling:
    """Settings every operation shares. guidance ≤ 1 turns classifier-free guidance off."""

    prompt: str
    negative_prompt: str = DEFAULTS["negative_prompt"]
    steps: int | None = DEFAULTS["steps"]  # None: the model's default, set by `resolve_steps` when it runs
    guidance: float = DEFAULTS["guidance"]
    seed: int | None = None  # None: a random seed, reported in the result so it can be replayed
    variations: int = DEFAULTS["variations"]  # variation i uses seed + i
    scheduler: str = DEFAULTS["scheduler"]
    adapter_scale: float = DEFAULTS["adapter_scale"]  # strength of a fine-tuned variant's adapter; 0 = base model

    def validate(self, max_seconds: float = MAX_SECONDS) -> None:
        if not isinstance(self.prompt, str) or not self.prompt.strip():
            raise SoundloomError(ErrorCode.INVALID_ARGUMENT, "must be a non-empty string", "prompt")
        if not isinstance(self.negative_prompt, str):
            raise SoundloomError(ErrorCode.INVALID_ARGUMENT, "must be a string", "negative_prompt")
        for name in ("prompt", "negative_prompt"):
            if len(getattr(self, name)) > MAX_PROMPT_CHARS:
                raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{len(getattr(self, name))} characters; at most {MAX_PROMPT_CHARS}", name)
        if self.steps is not None:
            _ranged("steps", self.steps, integer=True)
        _ranged("guidance", self.guidance)
        if self.seed is not None:
            _ranged("seed", self.seed, integer=True)
        _ranged("variations", self.variations, integer=True)
        _ranged("adapter_scale", self.adapter_scale)
        if self.scheduler not in SCHEDULERS:
            raise SoundloomError(
                ErrorCode.INVALID_ARGUMENT, f"unknown scheduler {self.scheduler!r}; allowed: {', '.join(SCHEDULERS)}", "scheduler"
            )

    def resolve_steps(self, default: int) -> int:
        """The steps to run: the request's, else (and from now on) the model's `default`."""
        if self.steps is None:
            self.steps = default
        return self.steps

    def resolved_seed(self) -> int:
        if self.seed is None:
            self.seed = secrets.randbelow(MAX_SEED + 1)
        return self.seed


@dataclass(kw_only=True)
class GenerateRequest(Sampling):
    """Text to audio; `seconds` is the clip length; `tune`: a prompt naming one pitch gets a result
    tuned to it (see `tuning`); `normalize`: the level each clip is delivered at (see `level`)."""

    seconds: float = DEFAULTS["seconds"]
    tune: bool = DEFAULTS["tune"]
    normalize: str = DEFAULTS["normalize"]

    def validate(self, max_seconds: float = MAX_SECONDS) -> None:
        super().validate(max_seconds)
        check_number("seconds", self.seconds, MIN_SECONDS, max_seconds, f"{MIN_SECONDS} to {max_seconds:g} seconds")
        if not isinstance(self.tune, bool):
            raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"expected true or false, got {self.tune!r}", "tune")
        if self.normalize not in NORMALIZE_MODES:
            raise SoundloomError(ErrorCode.INVALID_ARGUMENT,
                                 f"unknown level {self.normalize!r}; allowed: {', '.join(NORMALIZE_MODES)}", "normalize")


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
        check_number("sample_rate", self.sample_rate, 1000, 384000, "1000 to 384000 Hz", integer=True)
        self.audio = as_clip(self.audio)
        longest = self.longest_clip(max_seconds)
        if not 0.1 <= self.clip_seconds <= longest:
            raise out_of_range("audio", f"{self.clip_seconds:.3f} s", f"clips of 0.1 to {longest:g} seconds")

    def longest_clip(self, max_seconds: float) -> float:
        """The longest input clip accepted, in seconds."""
        return max_seconds


@dataclass(kw_only=True)
class InpaintRequest(ClipRequest):
    """Regenerate `regions`, each (start, end) in seconds; everything outside stays bit-identical."""

    regions: list[tuple[float, float]]

    def longest_clip(self, max_seconds: float) -> float:
        # Only the regions and their context are denoised, so a clip may be a whole take.
        return max(max_seconds, MAX_INPAINT_CLIP_SECONDS)

    def validate(self, max_seconds: float = MAX_SECONDS) -> None:
        super().validate(max_seconds)
        if self.clip_seconds * self.variations > MAX_INPAINT_AUDIO_SECONDS:
            most = max(1, int(MAX_INPAINT_AUDIO_SECONDS // self.clip_seconds))
            raise out_of_range("variations", self.variations, f"1 to {most} for a {self.clip_seconds:.1f} s clip "
                               f"(clip length × variations ≤ {MAX_INPAINT_AUDIO_SECONDS:g} s)")
        if not isinstance(self.regions, (list, tuple)) or not self.regions:
            raise SoundloomError(ErrorCode.INVALID_ARGUMENT, "give at least one region (start, end) in seconds", "regions")
        if len(self.regions) > MAX_REGIONS:
            raise out_of_range("regions", f"{len(self.regions)} regions", f"1 to {MAX_REGIONS} regions")
        duration = self.clip_seconds
        spans = []
        for i, region in enumerate(self.regions):
            name = f"regions[{i}]"
            if not isinstance(region, (list, tuple)) or len(region) != 2:
                raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"expected (start, end) in seconds, got {region!r}", name)
            start, end = region
            check_number(name, start, 0.0, duration, f"0 to {duration:.3f} seconds (the clip)")
            check_number(name, end, 0.0, duration, f"0 to {duration:.3f} seconds (the clip)")
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
        regenerated = sum(e - s for s, e in self.regions)
        if regenerated > max_seconds:
            raise out_of_range("regions", f"{regenerated:.2f} s in all", f"regions of at most {max_seconds:g} seconds in all")


@dataclass(kw_only=True)
class TransferRequest(ClipRequest):
    """Re-imagine a clip after `prompt`; `strength` 0 keeps it, 1 ignores it."""

    strength: float = DEFAULTS["strength"]

    def validate(self, max_seconds: float = MAX_SECONDS) -> None:
        super().validate(max_seconds)
        _ranged("strength", self.strength)


@dataclass(kw_only=True)
class ExtendRequest(ClipRequest):
    """Continue a clip by `seconds` past its end; the original part stays bit-identical."""

    seconds: float = DEFAULTS["seconds"]

    def validate(self, max_seconds: float = MAX_SECONDS) -> None:
        super().validate(max_seconds)
        room = max_seconds - self.clip_seconds
        allowed = f"{MIN_SECONDS:g} to {room:.2f} seconds (clip plus extension ≤ {max_seconds:g} s)"
        check_number("seconds", self.seconds, MIN_SECONDS, max(room, MIN_SECONDS), allowed)
        if room < MIN_SECONDS:
            raise out_of_range("seconds", self.seconds, f"nothing: the clip is already {self.clip_seconds:.2f} s of the {max_seconds:g} s maximum")
