"""Regions of a clip, in seconds or in musical time (bars and beats).

Grammar of a region: `START:END`.
- Seconds: `1.25:2.5` (an optional `s` suffix, `1.25s:2.5s`, is also accepted, and is the way to
  give seconds when a tempo is set).
- With a tempo (`bpm`): `BAR.BEAT[.FRACTION]` positions, 1-based as DAWs show them, counted from
  the file's first sample (bar 1, beat 1). `3.1:5.1` is the start of bar 3 to the start of bar 5;
  `2.3.50:2.4` runs from halfway through beat 3 of bar 2 to beat 4. A bare `BAR` is `BAR.1`.
  FRACTION is the decimal part of a beat (`.5` and `.50` are both half a beat).
Tempo: `bpm` counts quarter notes per minute (the REAPER and Ardour default); a beat is one
1/DENOMINATOR note of the time signature and a bar holds NUMERATOR beats, so at 120 BPM a 4/4
bar is 2 s and a 6/8 bar (six eighths) is 1.5 s.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from soundloom.bridge.errors import BridgeError
from soundloom.protocol.errors import ErrorCode
from soundloom.protocol.messages import CROSSFADE_SECONDS, MAX_REGIONS

MIN_REGION_SECONDS = 0.01  # the engine's shortest region
BPM_RANGE = (20.0, 999.0)
DENOMINATORS = (1, 2, 4, 8, 16, 32)
_SECONDS = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*s?\s*$")
_SECONDS_SUFFIXED = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*s\s*$")
_MUSICAL = re.compile(r"^\s*(\d+)(?:\.(\d+)(?:\.(\d+))?)?\s*$")


@dataclass(frozen=True, order=True)
class Region:
    """A span of the source file: `start` to `end` in seconds."""

    start: float
    end: float

    def frames(self, rate: int) -> tuple[int, int]:
        """[first, stop) in samples at `rate` Hz, rounded as the engine rounds them."""
        return round(self.start * rate), round(self.end * rate)

    @property
    def seconds(self) -> float:
        return self.end - self.start

    def label(self) -> str:
        """`1.20-2.45 s`."""
        return f"{self.start:.2f}-{self.end:.2f} s"

    def as_list(self) -> list[float]:
        return [self.start, self.end]


@dataclass(frozen=True)
class TimeSignature:
    """NUMERATOR beats of 1/DENOMINATOR notes in a bar."""

    numerator: int
    denominator: int

    @classmethod
    def parse(cls, text: str) -> "TimeSignature":
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(text))
        if not match:
            raise BridgeError(f"{text!r} is not N/D (e.g. 4/4, 6/8)", "time_signature")
        numerator, denominator = int(match[1]), int(match[2])
        if not 1 <= numerator <= 32 or denominator not in DENOMINATORS:
            raise BridgeError(f"{text!r}: allowed 1 to 32 beats of 1/{'/'.join(map(str, DENOMINATORS))} notes",
                              "time_signature", ErrorCode.OUT_OF_RANGE)
        return cls(numerator, denominator)

    def __str__(self) -> str:
        return f"{self.numerator}/{self.denominator}"


def check_bpm(bpm: float, field: str = "bpm") -> float:
    low, high = BPM_RANGE
    if not isinstance(bpm, (int, float)) or not math.isfinite(bpm) or not low <= bpm <= high:
        raise BridgeError(f"{bpm!r} is out of range; allowed: {low:g} to {high:g} BPM (quarter notes per minute)",
                          field, ErrorCode.OUT_OF_RANGE)
    return float(bpm)


def beat_seconds(bpm: float, time_signature: str | TimeSignature = "4/4") -> float:
    """Length of one beat in seconds: a 1/DENOMINATOR note at `bpm` quarter notes per minute."""
    signature = time_signature if isinstance(time_signature, TimeSignature) else TimeSignature.parse(time_signature)
    return 60.0 / check_bpm(bpm) * 4.0 / signature.denominator


def bar_seconds(bpm: float, time_signature: str | TimeSignature = "4/4") -> float:
    """Length of one bar in seconds."""
    signature = time_signature if isinstance(time_signature, TimeSignature) else TimeSignature.parse(time_signature)
    return beat_seconds(bpm, signature) * signature.numerator


def bars_to_seconds(bars: float, bpm: float, time_signature: str | TimeSignature = "4/4") -> float:
    """Length of `bars` bars in seconds (for `generate --bars`)."""
    if not isinstance(bars, (int, float)) or not math.isfinite(bars) or bars <= 0:
        raise BridgeError(f"{bars!r} is out of range; allowed: more than 0 bars", "bars", ErrorCode.OUT_OF_RANGE)
    return bars * bar_seconds(bpm, time_signature)


def _position(text: str, bpm: float | None, signature: TimeSignature, field: str) -> float:
    """One end of a region in seconds from the file's start."""
    if bpm is None or _SECONDS_SUFFIXED.match(text):
        match = _SECONDS.match(text)
        if not match:
            hint = "seconds (e.g. 1.25)" if bpm is None else "BAR.BEAT[.FRACTION] (e.g. 3.1) or seconds with s (1.25s)"
            raise BridgeError(f"{text!r} is not a position; give {hint}", field)
        return float(match[1])
    match = _MUSICAL.match(text)
    if not match:
        raise BridgeError(f"{text!r} is not BAR.BEAT[.FRACTION] (e.g. 3.1 or 2.3.50), 1-based; "
                          "give seconds with an s suffix (1.25s)", field)
    bar, beat = int(match[1]), int(match[2] or 1)
    fraction = float(f"0.{match[3]}") if match[3] else 0.0
    if bar < 1:
        raise BridgeError(f"{text!r}: bar {bar} is out of range; bars count from 1", field, ErrorCode.OUT_OF_RANGE)
    if not 1 <= beat <= signature.numerator:
        raise BridgeError(f"{text!r}: beat {beat} is out of range; allowed: 1 to {signature.numerator} in "
                          f"{signature}", field, ErrorCode.OUT_OF_RANGE)
    beats = (bar - 1) * signature.numerator + (beat - 1) + fraction
    return beats * beat_seconds(bpm, signature)


def parse_region(text: str, *, bpm: float | None = None, time_signature: str = "4/4",
                 field: str = "region") -> Region:
    """A region from `START:END` (seconds, or bars/beats when `bpm` is given; see the module docstring)."""
    signature = TimeSignature.parse(time_signature)
    if bpm is not None:
        check_bpm(bpm)
    parts = str(text).split(":")
    if len(parts) != 2:
        example = "3.1:5.1 (bars.beats)" if bpm is not None else "1.25:2.5 (seconds)"
        raise BridgeError(f"{text!r} is not START:END, e.g. {example}", field)
    start = _position(parts[0], bpm, signature, field)
    end = _position(parts[1], bpm, signature, field)
    if end < start:
        raise BridgeError(f"{text!r} ends ({end:.3f} s) before it starts ({start:.3f} s); END must be after START",
                          field, ErrorCode.OUT_OF_RANGE)
    return Region(start, end)


def as_region(value, *, bpm: float | None = None, time_signature: str = "4/4", field: str = "region") -> Region:
    """A Region from a Region, a (start, end) pair in seconds, or a region string."""
    if isinstance(value, Region):
        return value
    if isinstance(value, str):
        return parse_region(value, bpm=bpm, time_signature=time_signature, field=field)
    try:
        start, end = (float(v) for v in value)
    except (TypeError, ValueError):
        raise BridgeError(f"{value!r} is not a region: give (start, end) in seconds or 'START:END'", field) from None
    if not (math.isfinite(start) and math.isfinite(end)):
        raise BridgeError(f"{value!r}: positions must be finite seconds", field, ErrorCode.OUT_OF_RANGE)
    if end < start:
        raise BridgeError(f"{start:g}:{end:g} ends before it starts; END must be after START", field,
                          ErrorCode.OUT_OF_RANGE)
    return Region(start, end)


def check_regions(regions: Iterable, clip) -> list[Region]:
    """The regions sorted by start; BridgeError for none, too many, a negative start, one past the
    clip's end, one shorter than 0.01 s, or two that overlap. `clip` is a ClipFormat."""
    given = [as_region(r, field=f"region[{i}]") for i, r in enumerate(regions)]
    if not given:
        raise BridgeError("give at least one region START:END", "region")
    if len(given) > MAX_REGIONS:
        raise BridgeError(f"{len(given)} regions; allowed: 1 to {MAX_REGIONS}", "region", ErrorCode.OUT_OF_RANGE)
    duration = clip.frames / clip.samplerate
    allowed = f"0 to {duration:.3f} s (the clip's length)"
    for i, region in enumerate(given):
        field = f"region[{i}]"
        if region.start < 0 or region.frames(clip.samplerate)[0] >= clip.frames:
            raise BridgeError(f"{region.start:g}:{region.end:g} starts outside the clip; allowed: {allowed}", field,
                              ErrorCode.OUT_OF_RANGE)
        if region.frames(clip.samplerate)[1] > clip.frames:
            raise BridgeError(f"{region.start:g}:{region.end:g} ends past the clip; allowed: {allowed}", field,
                              ErrorCode.OUT_OF_RANGE)
        if region.seconds < MIN_REGION_SECONDS:
            raise BridgeError(f"{region.start:g}:{region.end:g} is empty; END must exceed START by at least "
                              f"{MIN_REGION_SECONDS:g} s", field, ErrorCode.OUT_OF_RANGE)
    order = sorted(range(len(given)), key=lambda i: given[i])
    for a, b in zip(order, order[1:]):
        if given[b].start < given[a].end:
            raise BridgeError(f"{given[b].start:g}:{given[b].end:g} overlaps region[{a}] "
                              f"{given[a].start:g}:{given[a].end:g}; regions must not overlap", f"region[{b}]")
    return [given[i] for i in order]


def join_close(regions: Sequence[Region]) -> list[Region]:
    """Sorted regions with gaps shorter than the engine's crossfade closed, as the engine regenerates them."""
    joined: list[Region] = []
    for region in sorted(regions):
        if joined and region.start - joined[-1].end < CROSSFADE_SECONDS:
            joined[-1] = Region(joined[-1].start, max(joined[-1].end, region.end))
        else:
            joined.append(region)
    return joined
