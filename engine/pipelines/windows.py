"""Where inpaint and extend denoise: a window of latent frames around each group of regions.

Denoising a whole clip to regenerate one second of it costs what the clip is long. Instead each
region is regenerated inside a window of the clip's latent frames: the region plus context on both
sides, together as long as the model's training length (the length its UNet was trained on, where
it is at its best). The context rule:

  * A window is `training_frames` long, centred on its regions; a region (or group) longer than
    that gets at least a quarter of the training length of context on each side.
  * At the clip's start or end a window is shifted inward to keep its length, so a region at the
    very end (an extension) takes all its context from before it.
  * Regions whose windows would overlap share one window, so each sees the other's frames as
    part of one denoising run; windows never overlap.
  * A clip no longer than the training length is one window: the whole clip, as before.

What a region becomes therefore depends on the request (prompt, seed, steps, …), the audio inside
its window and the window's position, and on nothing else in the clip.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MIN_CONTEXT_FRACTION = 0.25  # of the training length, on each side of a region longer than it


@dataclass(frozen=True)
class Window:
    """Latent frames [start, stop) of the clip, and the region spans (frames, clip-relative) inside it."""

    start: int
    stop: int
    regions: tuple[tuple[int, int], ...]


def training_frames(sample_size, multiple: int) -> int:
    """The UNet's training length in latent frames (its config's `sample_size`, time first), padded to `multiple`."""
    frames = sample_size[0] if isinstance(sample_size, (list, tuple)) else sample_size
    frames = max(int(frames or 0), multiple)
    return math.ceil(frames / multiple) * multiple


def _place(first: int, last: int, total: int, length: int, multiple: int) -> tuple[int, int]:
    """[start, stop) of the window for region frames [first, last) in a clip of `total` frames."""
    span = last - first
    min_context = math.ceil(length * MIN_CONTEXT_FRACTION)
    size = math.ceil(max(length, span + 2 * min_context) / multiple) * multiple
    if size >= total:
        return 0, total
    start = first - (size - span) // 2
    start = max(0, min(start, total - size))
    return start, start + size


def plan_windows(regions: list[tuple[int, int]], total: int, length: int, multiple: int) -> list[Window]:
    """Windows covering sorted, non-overlapping region spans [first, last) (latent frames).

    `total` is the clip's length in frames, a multiple of `multiple` (the UNet's time granularity);
    `length` is the training length in frames. Every window's size is a multiple of `multiple`,
    as the UNet's down-sampling needs; its start may be any frame.
    """
    groups = [[span] for span in sorted(regions)]
    while True:
        placed = [_place(g[0][0], g[-1][1], total, length, multiple) for g in groups]
        merged = False
        for i in range(len(groups) - 1):
            if placed[i + 1][0] < placed[i][1]:  # windows overlap: denoise both groups together
                groups[i : i + 2] = [groups[i] + groups[i + 1]]
                merged = True
                break
        if not merged:
            return [Window(start, stop, tuple(g)) for (start, stop), g in zip(placed, groups)]
