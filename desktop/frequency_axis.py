"""The spectrogram's frequency axis: which frequencies are labelled, where, and what the labels say.

Every label carries its unit, as the time ruler's do: "50 Hz", "500 Hz", "5 kHz", "20 kHz". The
axis is logarithmic, so the labels are the 1-2-5 steps of each decade. Where the view is too short
for all of them the decades come first (100 Hz, 1 kHz, 10 kHz: what the eye measures against),
then the 5s, then the 2s, each only where it runs into no label already placed.
"""

from __future__ import annotations

import math

LABELS_HZ = (100, 1000, 10000, 50, 500, 5000, 200, 2000, 20000)  # most wanted first
LABEL_GAP = 5  # pixels kept free between one label and the next: tighter, the axis reads as a column of text


def frequency_label(hz: float) -> str:
    """"500 Hz", "1 kHz", "2.5 kHz": kilohertz from 1 kHz up."""
    return f"{hz / 1000:g} kHz" if hz >= 1000 else f"{hz:g} Hz"


def frequency_y(hz: float, fmin: float, fmax: float, height: float) -> float:
    """Pixels from the top of a view `height` high whose log axis runs from `fmin` (bottom) to
    `fmax` (top), in Hz."""
    return height * (1 - math.log(hz / fmin) / math.log(fmax / fmin))


def axis_ticks(fmin: float, fmax: float, height: float, label_height: float) -> list[tuple[float, str]]:
    """(y in pixels, label) of the labelled frequencies strictly between `fmin` and `fmax` Hz, bottom
    up, each at least a label's height (`label_height` pixels) and a gap from any other."""
    if height <= 0 or not 0 < fmin < fmax:
        return []
    placed: dict[float, float] = {}  # hz → y
    for hz in LABELS_HZ:
        if not fmin < hz < fmax:
            continue
        y = frequency_y(hz, fmin, fmax, height)
        if all(abs(y - other) >= label_height + LABEL_GAP for other in placed.values()):
            placed[hz] = y
    return [(placed[hz], frequency_label(hz)) for hz in sorted(placed)]
