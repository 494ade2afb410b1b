"""Reading the one pitch a prompt names."""

import pytest

from soundloom.engine.models.prompt_pitch import named_pitches, prompt_pitch


@pytest.mark.parametrize(
    "prompt, midi",
    [
        ("a cello playing a low sustained C3", 48),
        ("A4 on a flute", 69),
        ("D#5 played on a piano", 75),
        ("a Bb2 bass note", 46),
        ("solo violin tone sounding C sharp 4", 61),
        ("a horn, B flat 3", 58),
        ("middle C on a piano", 60),
        ("a lone G#-1 from a synth", 8),
    ],
)
def test_note_names_in_scientific_pitch_notation(prompt, midi):
    assert prompt_pitch(prompt) == midi


def test_a_frequency_is_a_fractional_midi_pitch():
    assert prompt_pitch("a drone pitched at 110 Hz") == pytest.approx(45.0)
    assert prompt_pitch("a beep at 2.5 kHz") == pytest.approx(99.08, abs=0.01)


@pytest.mark.parametrize(
    "prompt",
    [
        "soft rain on a window",
        "A 3 second whoosh",  # a sentence-initial article, not the note A3
        "a C major chord on piano",  # no octave: a key, not a pitch
        "a rising sweep from 200 Hz to 2 kHz",  # two pitches: none is *the* pitch
        "C4 then E4 on a marimba",
        "a 5 Hz tremolo",  # below hearing: a rate, not a pitch
    ],
)
def test_prompts_naming_no_single_pitch(prompt):
    assert prompt_pitch(prompt) is None


def test_every_named_pitch_in_order():
    assert named_pitches("C4 then E4, then 440 Hz") == [60, 64, pytest.approx(69.0)]
