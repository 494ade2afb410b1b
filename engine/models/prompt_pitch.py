"""The one pitch a prompt names, as a MIDI number: "a cello playing C#3", "a hum at 120 Hz".

Sound designers name notes in scientific pitch notation (C4 = MIDI 60), sometimes spelled out
("C sharp 4", "middle C"), and steady tones by frequency. A prompt that names several pitches
(a sweep "from 200 Hz to 2 kHz", a chord) names no single pitch and gets None.
"""

from __future__ import annotations

import re

from soundloom.engine.pitch import hz_to_midi

_LETTERS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_ACCIDENTALS = {"#": 1, "♯": 1, "sharp": 1, "b": -1, "♭": -1, "flat": -1, "": 0}
# Upper-case letter, optional accidental (symbol, or the word between spaces), octave -1..9.
_NOTE = re.compile(r"(?<![\w#])([A-G])(#|♯|b|♭|\s+sharp\s+|\s+flat\s+)?(-1|\d)(?![\w.])")
_MIDDLE_C = re.compile(r"\bmiddle\s+C\b", re.IGNORECASE)
_FREQUENCY = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*(kHz|Hz|hertz|kilohertz)\b", re.IGNORECASE)


def named_pitches(text: str) -> list[float]:
    """Every pitch the text names, in order of appearance (MIDI numbers, fractional for Hz)."""
    found: list[tuple[int, float]] = []
    for match in _NOTE.finditer(text):
        letter, accidental, octave = match.group(1), (match.group(2) or "").strip(), int(match.group(3))
        found.append((match.start(), 12 * (octave + 1) + _LETTERS[letter] + _ACCIDENTALS[accidental]))
    found += [(m.start(), 60.0) for m in _MIDDLE_C.finditer(text)]
    for match in _FREQUENCY.finditer(text):
        value = float(match.group(1)) * (1000.0 if match.group(2).lower().startswith("k") else 1.0)
        if 20.0 <= value <= 20000.0:
            found.append((match.start(), hz_to_midi(value)))
    return [pitch for _, pitch in sorted(found)]


def prompt_pitch(text: str) -> float | None:
    """The single pitch the prompt names, or None when it names none or several different ones."""
    pitches = {round(p, 3) for p in named_pitches(text)}
    return pitches.pop() if len(pitches) == 1 else None
