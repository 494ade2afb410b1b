"""The spectrogram's frequency labels carry their unit, as the time ruler's do, and never run into
each other however short the view; the decades are named first."""

from __future__ import annotations

import pytest
from PyQt6.QtGui import QFontMetrics

from soundloom.desktop.frequency_axis import axis_ticks, frequency_label, frequency_y
from soundloom.desktop.spectrogram_view import SpectrogramView
from soundloom.desktop.spectrum import compute
from soundloom.desktop.timeline import Timeline

from sounds import write_tone


def test_labels_are_in_hz_and_khz():
    assert [frequency_label(hz) for hz in (50, 500, 1000, 2500, 5000, 20000)] == \
        ["50 Hz", "500 Hz", "1 kHz", "2.5 kHz", "5 kHz", "20 kHz"]


def test_the_axis_is_logarithmic_from_the_bottom_up():
    assert frequency_y(20.0, 20.0, 20000.0, 300) == pytest.approx(300)
    assert frequency_y(20000.0, 20.0, 20000.0, 300) == pytest.approx(0)
    assert frequency_y(632.46, 20.0, 20000.0, 300) == pytest.approx(150, abs=0.1)  # a decade and a half up


@pytest.mark.parametrize("height", [40, 70, 120, 200, 400, 900])
def test_labels_inside_the_range_and_apart_at_any_height(height):
    label_height = 12
    ticks = axis_ticks(20.0, 24000.0, height, label_height)
    assert ticks, "at least one frequency is named"
    ys = [y for y, _ in ticks]
    assert all(0 < y < height for y in ys)
    assert all(a - b >= label_height for a, b in zip(ys, ys[1:]))  # bottom up, never overlapping
    assert all(label.endswith((" Hz", " kHz")) for _, label in ticks)
    if height >= 70:
        assert {"100 Hz", "1 kHz", "10 kHz"} <= {label for _, label in ticks}  # the decades first
    if height >= 400:
        assert [label for _, label in ticks] == ["50 Hz", "100 Hz", "200 Hz", "500 Hz", "1 kHz", "2 kHz",
                                                 "5 kHz", "10 kHz", "20 kHz"]


def test_a_range_without_room_or_frequencies_names_nothing():
    assert axis_ticks(20.0, 24000.0, 0, 12) == []
    assert axis_ticks(2100.0, 4900.0, 300, 12) == []  # no 1-2-5 step inside


def test_the_view_paints_its_labelled_axis(qtbot, tmp_path, monkeypatch):
    import soundloom.desktop.spectrogram_view as spectrogram_view

    path = write_tone(tmp_path / "tone.wav", 1.0, rate=48000, channels=1, hz=1000.0)
    timeline = Timeline()
    timeline.reset(1.0, 48000)
    view = SpectrogramView(timeline)
    qtbot.addWidget(view)
    view.resize(300, 160)
    view.show()
    view.set_spectrogram(compute(str(path), 0.0, 1.0, columns=300, rows=160))
    painted = []

    def recorded(*args):
        painted.append(axis_ticks(*args))
        return painted[-1]
    monkeypatch.setattr(spectrogram_view, "axis_ticks", recorded)
    labelled = view.grab().toImage()
    monkeypatch.setattr(spectrogram_view, "axis_ticks", lambda *args: [])
    bare = view.grab().toImage()

    labels = [label for _, label in painted[-1]]
    assert "1 kHz" in labels and all(label.endswith("Hz") for label in labels)
    for y, label in painted[-1]:  # each label drawn beside its tick, nothing drawn right of the labels
        row = round(y)
        changed = [x for x in range(0, 120) if labelled.pixelColor(x, row) != bare.pixelColor(x, row)]
        assert changed and max(changed) < 10 + QFontMetrics(view.font()).horizontalAdvance(label), label
