"""Make three first sounds with the default model, offline: WAV files with metadata and spectrogram PNGs.

    python examples/first_sounds.py OUT_DIR [--model MODEL_FOLDER] [--steps N]

Prints the path of every file it writes.
"""

import argparse
from pathlib import Path

from soundloom.sdk import Client
from soundloom.sdk.spectrogram import save_spectrogram

SOUNDS = [("a snare drum hit", 1.0, "snare"), ("soft rain on a window", 4.0, "rain"), ("a piano playing a C major chord", 3.0, "piano_chord")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--model", type=Path, help="a model folder (default: the bundled starter model)")
    parser.add_argument("--steps", type=int, default=25)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    engine_args = ["--model", str(args.model.resolve())] if args.model else []
    with Client.connect(engine_args=engine_args) as client:
        for prompt, seconds, name in SOUNDS:
            clip = client.generate(prompt, seconds=seconds, steps=args.steps, seed=1)
            print(clip.save(args.out / f"{name}.wav"))
            print(save_spectrogram(clip.samples, clip.sample_rate, args.out / f"{name}.png", title=prompt))


if __name__ == "__main__":
    main()
