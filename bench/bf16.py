"""Sampling in bfloat16 on this CPU against float32: time, and whether the sound changes.

For each model, generate runs with the UNet in float32 and under bfloat16 autocast (latents and
scheduler stay float32), interleaved, same seeds; the table gives median times. Quality: the
log-mel distance (mean absolute difference of log-mel spectrograms, the model's own front end)
between the float32 and the bfloat16 result of the same seed, against the distance between
float32 results of neighbouring seeds, the spread of what the model makes anyway. A ratio well
below 1 means bfloat16 changes the sound far less than a new seed does.

    python bench/bf16.py [--steps 15] [--seconds 5] [--repeats 3] [--seeds 4]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch

warnings.filterwarnings("ignore")


def log_mel(model, audio: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return model.latents.front_end(torch.from_numpy(audio).reshape(1, -1)).numpy()[0]


def main() -> None:
    from soundloom.engine.engine import STARTER_PATH
    from soundloom.engine.models.loading import load_model
    from soundloom.engine.models.untrained import build_untrained_audioldm
    from soundloom.engine.pipelines import GenerateRequest, generate

    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=15)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=4)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp())
    folders = {
        "starter": STARTER_PATH,
        "tiny": build_untrained_audioldm(scratch / "tiny", "tiny", seed=0),
        "realistic": build_untrained_audioldm(scratch / "realistic", "realistic", seed=0),
    }
    dtypes = {"float32": torch.float32, "bfloat16": torch.bfloat16}
    print(f"{args.seconds:g} s clips, {args.steps} DPM-Solver++ steps, guidance 3, {torch.get_num_threads()} threads, "
          f"median of {args.repeats} interleaved runs")
    for name, folder in folders.items():
        model = load_model(folder)

        def run(dtype: torch.dtype, seed: int) -> np.ndarray:
            model.compute_dtype = dtype
            request = GenerateRequest(prompt="steady rain on a window", seconds=args.seconds, steps=args.steps, seed=seed, tune=False)
            return generate(model, request).audio[0][0]

        for dtype in dtypes.values():
            run(dtype, 0)  # warm-up (oneDNN builds its kernels on first use)
        times: dict[str, list[float]] = {d: [] for d in dtypes}
        for repeat in range(args.repeats):
            for label, dtype in dtypes.items():
                started = time.perf_counter()
                run(dtype, repeat)
                times[label].append(time.perf_counter() - started)
        outputs = {(label, seed): log_mel(model, run(dtype, seed)) for label, dtype in dtypes.items() for seed in range(args.seeds + 1)}
        same_seed = [np.abs(outputs["float32", s] - outputs["bfloat16", s]).mean() for s in range(args.seeds)]
        other_seed = [np.abs(outputs["float32", s] - outputs["float32", s + 1]).mean() for s in range(args.seeds)]
        f32, bf16 = (statistics.median(times[d]) for d in dtypes)
        print(f"{name:10s} float32 {f32:6.2f} s, bfloat16 {bf16:6.2f} s, bfloat16/float32 {bf16 / f32:.2f}; "
              f"log-mel distance float32↔bfloat16 same seed {np.mean(same_seed):.3f}, float32 seed↔next seed "
              f"{np.mean(other_seed):.3f}, ratio {np.mean(same_seed) / np.mean(other_seed):.2f}")


if __name__ == "__main__":
    main()
