"""Pitched General MIDI instruments: which programs feed which class, and the notes, chords and
short phrases a clip plays.

A drawn clip is a list of notes `[start_s, duration_s, pitch, velocity]` for one program, with
start times on FluidSynth's 4 ms processing grid so that the stated onsets are exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .clip import pick, uniform
from .music import SCALES, chord_name, chord_pitches, note_name, pitch_class, register_word

GRID_S = 0.004  # FluidSynth handles MIDI events once per 64-sample block at 16 kHz


def on_grid(seconds: float) -> float:
    """Round a time in seconds to the renderer's 4 ms event grid."""
    return round(round(seconds / GRID_S) * GRID_S, 3)


@dataclass(frozen=True)
class Program:
    """One General MIDI program (0-based number), how captions name it, and its playable range.

    `sounding_shift` (semitones) is where the lowest partial sits relative to the key played:
    FluidR3's drawbar, percussive and rock organs sound 16' and 32' stops below the 8' pitch the
    key names. Captions name the key (as an organist would); the ground truth's f0 is the
    lowest partial, which is what a pitch measurement finds (measured with FluidR3 2.3)."""

    number: int
    name: str
    low: int  # lowest MIDI pitch used
    high: int  # highest MIDI pitch used
    sounding_shift: int = 0


@dataclass(frozen=True)
class Instrument:
    """A class of pitched instrument: its programs, whether it plays chords, and how long (s)
    its sound rings after the key is released."""

    cls: str
    noun: str
    programs: tuple[Program, ...]
    chords: bool
    release_s: float


INSTRUMENTS: tuple[Instrument, ...] = (
    Instrument("piano", "piano", (Program(0, "grand piano", 28, 96), Program(1, "bright piano", 33, 96)), True, 1.5),
    Instrument(
        "electric_piano", "electric piano", (Program(4, "Rhodes piano", 36, 91), Program(5, "electric piano", 36, 91)), True, 1.2
    ),
    Instrument(
        "organ",
        "organ",
        (
            Program(16, "drawbar organ", 55, 91, -24),
            Program(17, "percussive organ", 36, 91, -12),
            Program(18, "rock organ", 36, 91, -12),
            Program(19, "church organ", 48, 69),
        ),
        True,
        0.6,
    ),
    Instrument(
        "acoustic_guitar",
        "acoustic guitar",
        (Program(24, "nylon-string guitar", 40, 81), Program(25, "steel-string guitar", 40, 81)),
        True,
        1.5,
    ),
    Instrument(
        "electric_guitar",
        "electric guitar",
        (
            Program(26, "jazz guitar", 40, 84),
            Program(27, "clean electric guitar", 40, 84),
            Program(29, "overdriven guitar", 40, 84),
            Program(30, "distorted guitar", 40, 84),
        ),
        True,
        1.2,
    ),
    Instrument(
        "bass",
        "bass",
        (
            Program(32, "upright bass", 28, 55),
            Program(33, "electric bass", 28, 60),
            Program(34, "picked bass", 28, 60),
            Program(38, "synth bass", 28, 60),
        ),
        False,
        0.6,
    ),
    Instrument("violin", "violin", (Program(40, "violin", 55, 93),), False, 0.8),  # FluidR3 has no violin sample at A#6
    Instrument("cello", "cello", (Program(42, "cello", 36, 72),), False, 0.8),
    Instrument(
        "strings",
        "strings",
        (
            Program(48, "string ensemble", 36, 91),
            Program(49, "slow strings", 36, 91),
            Program(44, "tremolo strings", 36, 88),
            Program(45, "pizzicato strings", 36, 88),
        ),
        True,
        1.0,
    ),
    Instrument("trumpet", "trumpet", (Program(56, "trumpet", 54, 82), Program(59, "muted trumpet", 54, 82)), False, 0.4),
    Instrument("flute", "flute", (Program(73, "flute", 60, 96),), False, 0.5),
    Instrument("saxophone", "saxophone", (Program(65, "alto sax", 49, 80), Program(66, "tenor sax", 44, 75)), False, 0.5),
    Instrument("marimba", "marimba", (Program(12, "marimba", 45, 96),), False, 1.0),
    Instrument("bells", "bells", (Program(9, "glockenspiel", 72, 105), Program(14, "tubular bells", 60, 77)), False, 3.0),
    Instrument("choir", "choir", (Program(52, "choir", 48, 79), Program(53, "voices", 48, 79)), True, 1.0),
    Instrument(
        "synth_lead", "synth lead", (Program(80, "square lead", 48, 91), Program(81, "sawtooth lead", 48, 91)), False, 0.5
    ),
    Instrument(
        "synth_pad",
        "synth pad",
        (
            Program(88, "new age pad", 36, 84),
            Program(89, "warm pad", 36, 84),
            Program(90, "polysynth pad", 36, 84),
            Program(95, "sweep pad", 36, 84),
        ),
        True,
        2.5,
    ),
)

BY_CLASS: dict[str, Instrument] = {i.cls: i for i in INSTRUMENTS}

# General MIDI programs kept out of the corpus (kalimba 108, music box 10, steel drums 114):
# a fine-tuning test needs a sound family the starter model never heard.
RESERVED_PROGRAMS = frozenset({10, 108, 114})
assert not RESERVED_PROGRAMS & {p.number for i in INSTRUMENTS for p in i.programs}

DYNAMICS = {"soft": (30, 55), "medium": (64, 90), "loud": (100, 127)}  # MIDI velocity ranges
LENGTHS = {"short": (0.15, 0.45), "medium": (0.7, 1.4), "long": (2.0, 4.0)}  # seconds held


def _velocity(rng, dynamics: str) -> int:
    lo, hi = DYNAMICS[dynamics]
    return int(rng.integers(lo, hi + 1))


def draw(cls: str, rng: np.random.Generator) -> tuple[dict, dict]:
    """Decide one clip of an instrument class: (params with notes, caption attributes)."""
    inst = BY_CLASS[cls]
    program = pick(rng, inst.programs)
    roll = rng.random()
    kind = "note" if roll < 0.55 else ("chord" if roll < 0.75 and inst.chords else "phrase")
    dynamics = pick(rng, ["soft", "medium", "loud"])
    params = {"program": program.number, "program_name": program.name, "release_s": inst.release_s, "kind": kind}
    if program.sounding_shift:
        params["sounding_shift"] = program.sounding_shift
    attrs = {"instrument": inst.noun, "variant": program.name, "kind": kind, "dynamics": dynamics}
    if kind == "note":
        pitch = int(rng.integers(program.low, program.high + 1))
        length = pick(rng, list(LENGTHS))
        params["notes"] = [[0.0, on_grid(uniform(rng, *LENGTHS[length])), pitch, _velocity(rng, dynamics)]]
        attrs.update(
            note=note_name(pitch),
            pitch_class=pitch_class(pitch),
            register=register_word(pitch, program.low, program.high),
            length=length,
        )
    elif kind == "chord":
        params["notes"], chord_attrs = _draw_chord(rng, inst, program, dynamics)
        attrs.update(chord_attrs)
    else:
        params["notes"], phrase_attrs = _draw_phrase(rng, program, dynamics)
        attrs.update(phrase_attrs)
    return params, attrs


def _draw_chord(rng, inst: Instrument, program: Program, dynamics: str):
    qualities = ["major", "major", "minor", "minor", "dominant7", "major7", "minor7", "sus2", "sus4", "diminished"]
    if inst.cls == "electric_guitar":
        qualities += ["power", "power"]
    quality = pick(rng, qualities)
    root = int(rng.integers(max(program.low, 43), max(program.low, 43) + 12))
    pitches = [p for p in chord_pitches(root, quality) if p <= program.high]
    length = pick(rng, ["medium", "long"])
    held = on_grid(uniform(rng, *LENGTHS[length]))
    strum = inst.cls in ("acoustic_guitar", "electric_guitar")
    direction = pick(rng, ["down", "up"]) if strum else None
    order = pitches if direction != "up" else pitches[::-1]
    # A strum reaches the strings one after another, 10-25 ms apart; other chords are struck at once.
    step = uniform(rng, 0.01, 0.025) if strum else 0.0
    velocity = _velocity(rng, dynamics)
    notes = [[on_grid(i * step), round(held - on_grid(i * step), 3), p, velocity] for i, p in enumerate(order)]
    attrs = {
        "chord": chord_name(root, quality),
        "root": note_name(root),
        "quality": quality,
        "length": length,
        "strum": direction,
    }
    return notes, attrs


def _draw_phrase(rng, program: Program, dynamics: str):
    shape = pick(rng, ["arpeggio", "scale", "melody"])
    scale_name = pick(rng, ["major", "minor"] if shape != "melody" else ["major", "minor", "pentatonic"])
    tonic = int(rng.integers(program.low, max(program.low + 1, program.high - 12)))
    bpm = int(rng.integers(70, 161))
    beat_s = 60.0 / bpm
    step_s = beat_s / pick(rng, [1, 2, 2])  # quarter or eighth notes
    count = int(rng.integers(4, 9))
    direction = pick(rng, ["rising", "falling"]) if shape != "melody" else None
    if shape == "arpeggio":
        chord = chord_pitches(tonic, scale_name)
        seq = [chord[i % 3] + 12 * (i // 3) for i in range(count)]
    elif shape == "scale":
        degrees = SCALES[scale_name]
        seq = [tonic + degrees[i % 7] + 12 * (i // 7) for i in range(count)]
    else:
        degrees = SCALES[scale_name]
        ladder = [tonic + d + 12 * o for o in range(-1, 3) for d in degrees]
        ladder = [p for p in ladder if program.low <= p <= program.high]
        idx = int(np.argmin([abs(p - tonic) for p in ladder]))
        seq = []
        for _ in range(count):
            seq.append(ladder[idx])
            idx = int(np.clip(idx + pick(rng, [-2, -1, -1, 1, 1, 2, 0]), 0, len(ladder) - 1))
    if direction == "falling":
        seq = seq[::-1]
    seq = [int(np.clip(p, program.low, program.high)) for p in seq]
    gate = uniform(rng, 0.5, 0.95)  # fraction of each step the note is held: legato to staccato
    velocity = _velocity(rng, dynamics)
    notes = [
        [on_grid(i * step_s), on_grid(max(0.08, gate * step_s)), p, int(np.clip(velocity + rng.integers(-8, 9), 1, 127))]
        for i, p in enumerate(seq)
    ]
    key = f"{pitch_class(tonic)} {scale_name if scale_name != 'pentatonic' else 'major pentatonic'}"
    return notes, {"phrase": shape, "direction": direction, "key": key, "count": count, "bpm": bpm}
