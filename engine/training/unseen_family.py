"""A sample library of a sound family the starter model never heard: kalimba (General MIDI 108).

The starter corpus keeps this program out on purpose, so a fine-tuning run on this library can
show what an adapter learns. Each clip gets a sidecar caption, as a careful user would write.

    python -m soundloom.engine.training.unseen_family FOLDER [--clips 50] [--seed 1]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import soundfile as sf

from soundloom.engine.training.corpus.midi_render import MidiClip, render_clips

PROGRAM = 108  # General MIDI kalimba
NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
SCALE = (0, 2, 4, 7, 9)  # a major pentatonic: what kalimbas are usually tuned to
DYNAMICS = {"soft": 50, "medium": 80, "loud": 112}
COUNT_WORDS = ("", "one", "two", "three", "four", "five", "six")


def note_name(pitch: int) -> str:
    return f"{NOTE_NAMES[pitch % 12]}{pitch // 12 - 1}"


def _pitches(rng: np.random.Generator, count: int) -> list[int]:
    tonic = 60 + int(rng.choice([0, 2, 5, 7]))
    pool = [tonic + 12 * octave + step for octave in (0, 1) for step in SCALE]
    return [int(p) for p in rng.choice(pool, size=count)]


def draw_clip(rng: np.random.Generator) -> tuple[MidiClip, str, str]:
    """One clip: (what to render, caption, file stem)."""
    dynamics = str(rng.choice(list(DYNAMICS)))
    velocity = DYNAMICS[dynamics]
    if rng.random() < 0.5:
        pitch = _pitches(rng, 1)[0]
        notes = [[0.0, 0.6, pitch, velocity]]
        return (MidiClip(PROGRAM, notes, ring_s=1.2), f"a {dynamics} kalimba note, {note_name(pitch)}",
                f"kalimba_note_{note_name(pitch)}_{dynamics}")
    count = int(rng.integers(3, 7))
    gap = float(rng.choice([0.18, 0.25, 0.33]))
    notes = [[i * gap, gap * 0.9, p, velocity] for i, p in enumerate(_pitches(rng, count))]
    return (MidiClip(PROGRAM, notes, ring_s=1.0), f"a {dynamics} kalimba melody of {COUNT_WORDS[count]} notes",
            f"kalimba_melody_{count}_notes_{dynamics}")


def make_library(folder: Path, clips: int = 50, seed: int = 1) -> list[tuple[Path, str]]:
    """Write `clips` kalimba WAVs (16 kHz) with `.txt` caption sidecars under `folder/Kalimba`."""
    rng = np.random.default_rng(seed)
    drawn = [draw_clip(rng) for _ in range(clips)]
    audio = render_clips([clip for clip, _, _ in drawn])
    out = folder / "Kalimba"
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for index, ((_, caption, stem), samples) in enumerate(zip(drawn, audio)):
        path = out / f"{stem}_{index:02d}.wav"
        sf.write(path, samples, 16000, subtype="PCM_16")
        path.with_suffix(".txt").write_text(caption + "\n")
        written.append((path, caption))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a kalimba sample library (a family the starter never heard).")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--clips", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    for path, caption in make_library(args.folder, args.clips, args.seed):
        print(f"{path}\t{caption}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
