"""The MIDI handler driven with mido.Message objects: notes and controllers become actions, a
controller sets the adapter scale, and MIDI clock sets the tempo that turns bars into seconds.

These run on messages alone, without ports; a real port is exercised in test_midi_port.py."""

from __future__ import annotations

import random

import mido
import pytest

from soundloom.bridge.errors import BridgeError
from soundloom.bridge.listen_actions import Again, Generate, NextVariation
from soundloom.bridge.midi_clock import PULSES_PER_QUARTER, MidiClock
from soundloom.bridge.midi_handler import MidiHandler
from soundloom.bridge.midi_mapping import Binding, MidiMapping, default_mapping


def _mapping(**kwargs) -> MidiMapping:
    notes = {
        (None, 36): Binding("again"),
        (None, 37): Binding("next_variation"),
        (None, 38): Binding("generate", "a snare", seconds=1.5),
        (None, 40): Binding("generate", "a breakbeat", bars=2, loop=True, seed=9),
        (3, 41): Binding("again"),  # channel 4 only
    }
    controls = {(None, 1): Binding("adapter_scale"), (None, 64): Binding("next_variation")}
    return MidiMapping(notes, controls, **kwargs)


def _clock(handler: MidiHandler, bpm: float, beats: float, start: float = 0.0, jitter_s: float = 0.0, seed: int = 0):
    """Send `beats` beats of clock at `bpm`, each pulse late or early by up to `jitter_s`; returns the end time."""
    rng = random.Random(seed)
    interval = 60.0 / (bpm * PULSES_PER_QUARTER)
    pulses = int(beats * PULSES_PER_QUARTER)
    for i in range(pulses):
        handler.handle(mido.Message("clock"), now=start + i * interval + rng.uniform(-jitter_s, jitter_s))
    return start + pulses * interval


def test_notes_map_to_their_actions_and_note_offs_do_nothing():
    handler = MidiHandler(_mapping())
    assert handler.handle(mido.Message("note_on", note=36, velocity=100)) == Again()
    assert handler.handle(mido.Message("note_on", note=37, velocity=1, channel=15)) == NextVariation()
    assert handler.handle(mido.Message("note_on", note=38, velocity=90)) == Generate("a snare", 1.5)
    assert handler.handle(mido.Message("note_on", note=36, velocity=0)) is None  # a note-off in disguise
    assert handler.handle(mido.Message("note_off", note=36)) is None
    assert handler.handle(mido.Message("note_on", note=50, velocity=100)) is None  # not mapped
    assert handler.handle(mido.Message("note_on", note=41, velocity=100, channel=0)) is None
    assert handler.handle(mido.Message("note_on", note=41, velocity=100, channel=3)) == Again()
    assert handler.handle(mido.Message("pitchwheel", pitch=100)) is None


def test_a_controller_sets_the_adapter_scale_that_later_actions_carry():
    handler = MidiHandler(_mapping())
    assert handler.adapter_scale is None
    assert handler.handle(mido.Message("control_change", control=1, value=127)) is None
    assert handler.adapter_scale == 2.0
    handler.handle(mido.Message("control_change", control=1, value=0))
    assert handler.adapter_scale == 0.0
    handler.handle(mido.Message("control_change", control=1, value=64))
    assert handler.adapter_scale == pytest.approx(64 / 127 * 2, abs=1e-4)
    assert handler.handle(mido.Message("note_on", note=36, velocity=100)) == Again(None, handler.adapter_scale)
    assert handler.handle(mido.Message("note_on", note=38, velocity=100)).adapter_scale == handler.adapter_scale
    # the scale stays until the knob moves again
    assert handler.handle(mido.Message("note_on", note=37, velocity=100)).adapter_scale == handler.adapter_scale


def test_a_controller_button_fires_once_per_press():
    handler = MidiHandler(_mapping())
    press, release = (mido.Message("control_change", control=64, value=v) for v in (127, 0))
    assert handler.handle(press) == NextVariation()
    assert handler.handle(mido.Message("control_change", control=64, value=100)) is None  # still held
    assert handler.handle(release) is None
    assert handler.handle(press) == NextVariation()
    assert handler.handle(mido.Message("control_change", control=7, value=127)) is None  # not mapped


def test_midi_clock_sets_the_tempo_despite_jitter():
    handler = MidiHandler(_mapping())
    assert handler.bpm is None
    end = _clock(handler, 120.0, beats=0.5)
    assert handler.bpm is None  # half a beat is too little to measure
    _clock(handler, 120.0, beats=7.5, start=end, jitter_s=0.003)  # ±3 ms on pulses 20.8 ms apart
    assert handler.bpm == pytest.approx(120.0, abs=0.3)


def test_clock_follows_a_tempo_change_and_a_pause():
    handler = MidiHandler(_mapping())
    end = _clock(handler, 128.0, beats=8, jitter_s=0.002, seed=1)
    assert handler.bpm == pytest.approx(128.0, abs=0.3)
    handler.handle(mido.Message("stop"))
    assert handler.bpm == pytest.approx(128.0, abs=0.3)  # stopping keeps the tempo
    handler.handle(mido.Message("start"))
    # the new clock starts 5 s later: the pause is not taken for one very long pulse
    end = _clock(handler, 87.5, beats=0.2, start=end + 5.0, seed=2)
    assert handler.bpm == pytest.approx(128.0, abs=0.3)
    _clock(handler, 87.5, beats=6, start=end, jitter_s=0.002, seed=3)
    assert handler.bpm == pytest.approx(87.5, abs=0.3)


def test_a_clock_pause_without_stop_starts_a_new_measurement():
    clock = MidiClock()
    interval = 60.0 / (100 * PULSES_PER_QUARTER)
    times = [i * interval for i in range(48)] + [10.0 + i * interval for i in range(48)]
    for t in times:
        clock.pulse(t)
    assert clock.bpm == pytest.approx(100.0, abs=0.1)


def test_bars_are_turned_into_seconds_at_the_clock_tempo_or_the_mapping_tempo():
    handler = MidiHandler(_mapping(bpm=90.0))
    breakbeat = mido.Message("note_on", note=40, velocity=100)
    assert handler.handle(breakbeat) == Generate("a breakbeat", pytest.approx(2 * 4 * 60 / 90), True, 9)
    _clock(handler, 120.0, beats=8)
    action = handler.handle(breakbeat)
    assert action.seconds == pytest.approx(4.0, abs=0.02)  # 2 bars of 4/4 at 120 BPM
    six_eight = MidiHandler(_mapping(bpm=120.0, time_signature="6/8"))
    assert six_eight.handle(breakbeat).seconds == pytest.approx(3.0)  # a 6/8 bar is 3 quarter notes


def test_bars_without_a_tempo_or_too_long_at_this_tempo_are_errors():
    handler = MidiHandler(_mapping())
    breakbeat = mido.Message("note_on", note=40, velocity=100)
    with pytest.raises(BridgeError, match="needs a tempo") as caught:
        handler.handle(breakbeat)
    assert caught.value.field == "bars"
    slow = MidiHandler(MidiMapping({(None, 40): Binding("generate", "a long drone", bars=16)}, bpm=30.0))
    with pytest.raises(BridgeError, match=r"16 bars at 30 BPM last 128.00 s; allowed: 0.5–60 s"):
        slow.handle(breakbeat)


def test_the_default_mapping_without_a_file():
    handler = MidiHandler(default_mapping())
    assert handler.handle(mido.Message("note_on", note=36, velocity=1)) == Again()
    assert handler.handle(mido.Message("note_on", note=37, velocity=1)) == NextVariation()
    handler.handle(mido.Message("control_change", control=1, value=127))
    assert handler.adapter_scale == 2.0
