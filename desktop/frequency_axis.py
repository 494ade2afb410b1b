"""The spectrogram's frequency axis: which frequencies are labelled, where, and what the labels say.

Every label carries its unit, as the time ruler's do: "50 Hz", "500 Hz", "5 kHz", "20 kHz". The
axis is logarithmic, so the labels are the 1-2-5 steps of each decade; where the view is too short
for all of them, those that would run into the one below are left out.
"""

from __future__ import annotations

import math

LABELS_HZ = (50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000)
LABEL_GAP = 2  # pixels kept free between one label and the next


def frequency_label(hz: float) -> str:
    """"500 Hz", "1 kHz", "2.5 kHz": kilohertz from 1 kHz up."""
    return f"{hz / 1000:g} kHz" if hz >= 1000 else f"{hz:g} Hz"


def frequency_y(hz: float, fmin: float, fmax: float, height: float) -> float:
    """Pixels from the top of a view `height` high whose log axis runs from `fmin` (bottom) to
    `fmax` (top), in Hz."""
    return height * (1 - math.log(hz / fmin) / math.log(fmax / fmin))


def axis_ticks(fmin: float, fmax: float, height: float, label_height: float) -> list[tuple[float, str]]:
    """(y in pixels, label) of the labelled frequencies strictly between `fmin` and `fmax` Hz, bottom
    up, each at least a label's height (`label_height` pixels) and a gap above the one before."""
    if height <= 0 or not 0 < fmin < fmax:
        return []
    shown, last_y = [], None
    for hz in LABELS_HZ:
        if not fmin < hz < fmax:
            continue
        y = frequency_y(hz, fmin, fmax, height)
        if last_y is not None and last_y - y < label_height + LABEL_GAP:
            continue
        shown.append((y, frequency_label(hz)))
        last_y = y
    return shown
