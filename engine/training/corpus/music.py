"""Pitch names, chords and scales, in the words a musician would type.

MIDI pitch 60 is C4 (scientific pitch notation) and 69 is A4 = 440 Hz.
"""

from __future__ import annotations

SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
FLAT_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")

# Intervals in semitones above the root, and how the quality is said after the root name.
CHORDS: dict[str, tuple[tuple[int, ...], str]] = {
    "major": ((0, 4, 7), "major"),
    "minor": ((0, 3, 7), "minor"),
    "dominant7": ((0, 4, 7, 10), "seventh"),
    "major7": ((0, 4, 7, 11), "major seventh"),
    "minor7": ((0, 3, 7, 10), "minor seventh"),
    "sus2": ((0, 2, 7), "sus2"),
    "sus4": ((0, 5, 7), "sus4"),
    "diminished": ((0, 3, 6), "diminished"),
    "power": ((0, 7, 12), "power"),
}

SCALES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "pentatonic": (0, 2, 4, 7, 9),
}


def pitch_class(pitch: int, flats: bool = False) -> str:
    """Name of the pitch class, e.g. 61 -> "C#" (or "Db" with `flats`)."""
    return (FLAT_NAMES if flats else SHARP_NAMES)[pitch % 12]


def note_name(pitch: int) -> str:
    """Scientific pitch name of a MIDI pitch: 69 -> "A4", 36 -> "C2"."""
    return f"{pitch_class(pitch)}{pitch // 12 - 1}"


def spoken_pitch_class(name: str) -> str:
    """ "C#" -> "C sharp", "Bb" -> "B flat" (captions use both spellings)."""
    if len(name) == 2 and name[1] == "#":
        return f"{name[0]} sharp"
    if len(name) == 2 and name[1] == "b":
        return f"{name[0]} flat"
    return name


def chord_name(root: int, quality: str) -> str:
    """E.g. (57, "minor") -> "A minor"; (60, "dominant7") -> "C seventh"."""
    return f"{pitch_class(root)} {CHORDS[quality][1]}"


def chord_pitches(root: int, quality: str) -> list[int]:
    return [root + i for i in CHORDS[quality][0]]


def register_word(pitch: int, low: int, high: int) -> str:
    """ "low", "mid" or "high" for a pitch within an instrument's range (MIDI pitches)."""
    third = (high - low) / 3.0
    if pitch < low + third:
        return "low"
    if pitch > high - third:
        return "high"
    return "mid"
