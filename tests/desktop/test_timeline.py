"""The waveform's view and selection model, without a window."""

from __future__ import annotations

import pytest

from soundloom.desktop.selection import Region, parse_seconds
from soundloom.desktop.timeline import MIN_SPAN_FRAMES, Timeline


@pytest.fixture
def timeline():
    t = Timeline()
    t.reset(10.0, 48000)
    return t


def test_zoom_keeps_the_anchor_under_the_pointer(timeline):
    timeline.zoom(4.0, anchor=7.5)
    assert timeline.span == pytest.approx(2.5)
    assert timeline.x_at(7.5, 1000) == pytest.approx(750)
    timeline.zoom(1e9, anchor=7.5)
    assert timeline.span == pytest.approx(MIN_SPAN_FRAMES / 48000)
    timeline.zoom(1e-9)
    assert (timeline.start, timeline.span) == (0.0, 10.0)


def test_scrolling_stays_inside_the_clip(timeline):
    timeline.zoom(5.0, anchor=0.0)
    timeline.scroll(100)
    assert timeline.end == pytest.approx(10.0)
    timeline.scroll(-100)
    assert timeline.start == 0.0


def test_selection_in_either_direction_clipped_and_typed(timeline):
    seen = []
    timeline.selection_changed.connect(lambda: seen.append(timeline.selection))
    timeline.select(6.0, 2.0)
    assert timeline.selection == Region(2.0, 6.0)
    timeline.select(8.0, 30.0)
    assert timeline.selection == Region(8.0, 10.0)
    timeline.set_selection_start(1.25)
    timeline.set_selection_length(0.5)
    assert timeline.selection == Region(1.25, 1.75)
    timeline.set_selection_end(3.0)
    assert timeline.selection.length == pytest.approx(1.75)
    timeline.select(4.0, 4.0)
    assert timeline.selection is None
    assert seen[-1] is None and len(seen) == 6


def test_zoom_to_selection_and_time_at(timeline):
    timeline.select(2.0, 3.0)
    timeline.zoom_to_selection()
    assert timeline.start < 2.0 and timeline.end > 3.0 and timeline.span < 1.2
    assert timeline.time_at(0, 500) == pytest.approx(timeline.start)


def test_typed_times():
    assert parse_seconds("2.45") == 2.45
    assert parse_seconds(" 2.45s ") == 2.45
    assert parse_seconds("1:02.5") == 62.5
    assert parse_seconds("1:00:02") == 3602
    for bad in ("", "abc", "-1", "inf", "1:x"):
        with pytest.raises(ValueError):
            parse_seconds(bad)
    with pytest.raises(ValueError, match="end > start"):
        Region(2.0, 1.0)
    assert Region(1.2, 2.45).label() == "1.20-2.45s"
