"""The time ruler above the waveform: where its ticks go and what they say, at any zoom.

Every label carries its unit. A sound shorter than a minute is labelled in seconds ("0.5 s",
"12 s", "1.2345 s" deep in); a longer one on a clock, m:ss or h:mm:ss with as many decimals as the
tick step needs ("1:05", "1:05.250"), with steps a clock reads well (15 s, 30 s, 1 min, 5 min).
The format follows the sound's length, not the zoom, so it stays put while zooming and scrolling.
"""

from __future__ import annotations

import math

import numpy as np
from PyQt6.QtCore import QLineF, QPointF, QRectF
from PyQt6.QtGui import QPainter

from soundloom.desktop import theme
from soundloom.desktop.timeline import Timeline

RULER_HEIGHT = 16
CLOCK_FROM = 60.0  # seconds: sounds this long or longer are labelled m:ss
CLOCK_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)  # seconds
MIN_GAP = 60       # pixels between ticks, at least; more when the labels are wider
LABEL_ROOM = 14    # pixels kept free after a label, before the next tick


def nice_step(span: float, pixels: int, min_gap: float = MIN_GAP, clock: bool = False) -> float:
    """The tick step in seconds, at least `min_gap` pixels apart: 1-2-5 steps, or under `clock`
    whole seconds and minutes a clock reads well (15 s, 30 s, 1 min, 5 min…) from 1 s up."""
    if span <= 0 or pixels <= 0:
        return 1.0
    raw = span * min_gap / pixels
    if clock and raw > 1:
        return float(next((step for step in CLOCK_STEPS if step >= raw), 3600 * math.ceil(raw / 3600)))
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5):
        if multiple * power >= raw * (1 - 1e-9):
            return multiple * power
    return 10 * power


def decimals_for(step: float) -> int:
    """Decimal places that tell ticks `step` seconds apart from each other."""
    return max(0, math.ceil(-math.log10(step) - 1e-9)) if step < 1 else 0


def time_label(seconds: float, step: float, clock: bool = False) -> str:
    """A tick's label: "2.5 s", or on a clock "1:02.5" / "1:00:05"."""
    decimals = decimals_for(step)
    if not clock:
        return f"{max(seconds, 0.0):.{decimals}f} s"
    scale = 10 ** decimals
    units = max(0, round(seconds * scale))  # rounded once, so 59.9999 reads 1:00, never 0:60
    whole, fraction = divmod(units, scale)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    return text + (f".{fraction:0{decimals}d}" if decimals else "")


def ticks(timeline: Timeline, pixels: int, label_width) -> tuple[float, bool]:
    """(step in seconds, clock?) for a ruler `pixels` wide; `label_width(text)` in pixels, so
    that the labels never run into each other."""
    clock = timeline.duration >= CLOCK_FROM
    gap = MIN_GAP
    step = nice_step(timeline.span, pixels, gap, clock)
    for _ in range(3):  # a wider step can mean fewer decimals: settle in a couple of rounds
        needed = label_width(time_label(timeline.end, step, clock)) + LABEL_ROOM
        if needed <= gap:
            break
        gap = needed
        step = nice_step(timeline.span, pixels, gap, clock)
    return step, clock


def paint_ruler(painter: QPainter, timeline: Timeline, width: int) -> None:
    painter.fillRect(QRectF(0, 0, width, RULER_HEIGHT), theme.WINDOW)
    if timeline.span <= 0:
        return
    metrics = painter.fontMetrics()
    step, clock = ticks(timeline, width, metrics.horizontalAdvance)
    painter.setPen(theme.RULER)
    first = math.ceil(timeline.start / step - 1e-9) * step
    for t in np.arange(first, timeline.end + step / 2, step):
        x = timeline.x_at(t, width)
        painter.drawLine(QLineF(x, RULER_HEIGHT - 5, x, RULER_HEIGHT))
        painter.drawText(QPointF(x + 3, RULER_HEIGHT - 5), time_label(t, step, clock))
