"""A region of a clip, in seconds: the same word the SDK and the wire format use."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    """start..end in seconds from the clip's start, start < end."""

    start: float
    end: float

    def __post_init__(self):
        if not self.end > self.start:
            raise ValueError(f"a region needs end > start, got {self.start:.3f}..{self.end:.3f} s")

    @property
    def length(self) -> float:
        return self.end - self.start

    @classmethod
    def between(cls, a: float, b: float, duration: float) -> "Region | None":
        """The region between two times in either order, clipped to 0..duration; None if empty."""
        start, end = sorted((min(max(a, 0.0), duration), min(max(b, 0.0), duration)))
        return cls(start, end) if end > start else None

    def frames(self, rate: int) -> tuple[int, int]:
        """(first, stop) frame indices at `rate` Hz."""
        return int(round(self.start * rate)), int(round(self.end * rate))

    def label(self) -> str:
        """`1.20-2.45s`, as used in exported file names."""
        return f"{self.start:.2f}-{self.end:.2f}s"


def parse_seconds(text: str) -> float:
    """Seconds from what a user types: `2.45`, `2.45s`, `1:02.5` (m:s) or `1:00:02` (h:m:s)."""
    text = text.strip().lower().removesuffix("s").strip()
    if not text:
        raise ValueError("type a time in seconds, e.g. 1.25 or 0:01.25")
    total = 0.0
    for part in text.split(":"):
        total = total * 60 + float(part)
    if not math.isfinite(total) or total < 0:
        raise ValueError(f"not a time in seconds: {text}")
    return total
