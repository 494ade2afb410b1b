"""The waveform's time ruler: every label says its unit, ticks fall on steps that read well, and
labels never run into each other, from a whole long file down to the deepest zoom."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt6.QtGui import QFontMetrics, QImage, QPainter

from soundloom.desktop.ruler import LABEL_ROOM, nice_step, paint_ruler, ticks, time_label
from soundloom.desktop.timeline import Timeline


def test_labels_name_their_unit_in_seconds_or_on_a_clock():
    assert time_label(0, 2) == "0 s"
    assert time_label(0.5, 0.5) == "0.5 s"
    assert time_label(1.0, 0.5) == "1.0 s"  # one decimal for every tick of that step
    assert time_label(12.3456, 0.0001) == "12.3456 s"
    assert time_label(65, 5, clock=True) == "1:05"
    assert time_label(65.25, 0.05, clock=True) == "1:05.25"
    assert time_label(0, 30, clock=True) == "0:00"
    assert time_label(59.99999, 0.5, clock=True) == "1:00.0"  # rounded once: never "0:60.0"
    assert time_label(3725, 60, clock=True) == "1:02:05"


def test_clock_steps_are_whole_seconds_and_minutes_a_clock_reads_well():
    assert nice_step(600, 600, 60, clock=True) == 60
    assert nice_step(240, 600, 60, clock=True) == 30
    assert nice_step(150, 600, 60, clock=True) == 15
    assert nice_step(1, 600, 60, clock=True) == 0.1  # below a second: 1-2-5 as ever
    assert nice_step(10, 600, 60) == 1
    assert nice_step(40, 600, 60) == 5


@pytest.mark.parametrize("duration, rate", [(2.0, 16000), (45.0, 48000), (600.0, 48000), (5400.0, 48000)])
def test_at_every_zoom_the_labels_fit_between_their_ticks(qapp, duration, rate):
    metrics = QFontMetrics(qapp.font())
    timeline = Timeline()
    timeline.reset(duration, rate)
    timeline.set_view(duration * 0.37, duration)  # whole file, then ever deeper
    width = 640
    while True:
        step, clock = ticks(timeline, width, metrics.horizontalAdvance)
        first = np.ceil(timeline.start / step - 1e-9) * step
        labels = [time_label(t, step, clock) for t in np.arange(first, timeline.end + step / 2, step)]
        assert len(labels) >= 2 or timeline.span < 3 * step, (timeline.span, step)
        gap = step / timeline.span * width
        widest = max(metrics.horizontalAdvance(text) for text in labels)
        assert widest + LABEL_ROOM <= gap + 0.5, (labels, gap)
        assert len(set(labels)) == len(labels), labels  # neighbours never read the same
        assert all(text.endswith(" s") for text in labels) != clock
        if timeline.span <= timeline.min_span:
            break
        timeline.zoom(3.0, timeline.start + timeline.span / 3)


def test_the_ruler_is_painted_with_its_units(qtbot):
    timeline = Timeline()
    timeline.reset(8.0, 48000)
    drawn = []

    class Recording(QPainter):
        def drawText(self, *args):
            drawn.append(args[-1])
            return super().drawText(*args)

    image = QImage(500, 40, QImage.Format.Format_ARGB32)
    painter = Recording(image)
    paint_ruler(painter, timeline, 500)
    painter.end()
    assert drawn[0] == "0 s" and len(drawn) >= 4 and all(text.endswith(" s") for text in drawn)
