"""Render a small library of variations from a list of prompts, through the engine.

    python examples/sdk_scripting.py OUT_DIR [--model MODEL_FOLDER] [--seconds 2] [--steps 25]

Starts an engine if none is running (and stops it again at the end), follows each job's
progress, and writes 48 kHz WAV files whose metadata records how to reproduce them.
"""

import argparse
from pathlib import Path

from soundloom.sdk import Client

PROMPTS = ["a punchy kick drum", "soft rain on a window", "a laser zap", "a rising sweep over two seconds"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--model", type=Path, help="model folder for an engine started by this script")
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--steps", type=int, default=25)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    engine_args = ["--model", str(args.model.resolve())] if args.model else []
    with Client.connect(engine_args=engine_args) as client:
        jobs = {prompt: client.submit_generate(prompt, seconds=args.seconds, steps=args.steps, variations=3, seed=1) for prompt in PROMPTS}
        for prompt, job in jobs.items():
            for step, total, _eta in job.progress:
                print(f"\r{prompt[:30]:30s} {step}/{total}", end="", flush=True)
            for i, clip in enumerate(job.result(), start=1):
                path = clip.save(args.out / f"{prompt.replace(' ', '_')}_{i}.wav", sample_rate=48000)
                print(f"\n  wrote {path} (seed {clip.metadata['seed']})", end="")
            print()


if __name__ == "__main__":
    main()
