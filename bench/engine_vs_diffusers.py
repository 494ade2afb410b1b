"""Engine generate vs diffusers' AudioLDMPipeline, and the cost of inpaint and transfer.

On a random-weight model with AudioLDM's real layout (16 kHz, 64 mels, hop 160, VAE compression 4),
both warm, same seed, steps and DDIM scheduler. The engine runs with its UNet in float32 and under
bfloat16 autocast (its `--dtype`; "auto" picks bfloat16 on a CPU with AVX-512 BF16 or AMX); diffusers
runs float32, its default. Runs are interleaved and the median of each is compared, because this
machine's speed drifts. Prints ratios; lower is better for the engine. The prompt is the same in
every run, as with variations and repeated takes, so the engine's text cache serves it after the
first run while diffusers encodes it every time.

    python bench/engine_vs_diffusers.py [--steps 20] [--repeats 5] [--no-operations]
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


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-operations", action="store_true", help="skip the inpaint and transfer rows")
    args = parser.parse_args()

    from diffusers import AudioLDMPipeline

    from soundloom.engine.models.loading import load_model
    from soundloom.engine.models.untrained import build_untrained_audioldm
    from soundloom.engine.pipelines import (
        GenerateRequest, InpaintRequest, TransferRequest, generate, inpaint, transfer,
    )

    folder = build_untrained_audioldm(Path(tempfile.mkdtemp()) / "realistic", "realistic")
    model = load_model(folder)
    model_bf16 = load_model(folder)
    model_bf16.compute_dtype = torch.bfloat16
    pipe = AudioLDMPipeline.from_pretrained(folder, local_files_only=True)
    pipe.set_progress_bar_config(disable=True)
    common = dict(prompt="soft rain on a window", steps=args.steps, seed=0, scheduler="ddim", guidance=3.0)
    clip = np.random.default_rng(0).standard_normal((1, int(args.seconds * 16000))).astype(np.float32) * 0.1

    runs = {
        "diffusers AudioLDMPipeline": lambda: pipe(
            common["prompt"], num_inference_steps=args.steps, audio_length_in_s=args.seconds,
            guidance_scale=3.0, generator=torch.Generator().manual_seed(0),
        ),
        "engine generate": lambda: generate(model, GenerateRequest(seconds=args.seconds, normalize="off", **common)),
        "engine generate bf16": lambda: generate(model_bf16, GenerateRequest(seconds=args.seconds, normalize="off", **common)),
    }
    strengths = () if args.no_operations else (0.25, 0.5, 0.75)
    if not args.no_operations:
        runs["engine inpaint (1 s region)"] = lambda: inpaint(
            model, InpaintRequest(audio=clip, sample_rate=16000, regions=[(1.0, 2.0)], **common)
        )
    for strength in strengths:
        runs[f"engine transfer s={strength}"] = lambda s=strength: transfer(
            model, TransferRequest(audio=clip, sample_rate=16000, strength=s, **common)
        )
    for fn in runs.values():  # warm-up
        fn()
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.repeats):
        for name, fn in runs.items():
            times[name].append(timed(fn))
    median = {name: statistics.median(t) for name, t in times.items()}
    base = median["engine generate"]

    print(f"{args.seconds:g} s clip, {args.steps} DDIM steps, guidance 3, median of {args.repeats} interleaved runs, "
          f"{torch.get_num_threads()} threads")
    for name, t in median.items():
        print(f"  {name:32s} {t * 1000:8.1f} ms")
    reference = median["diffusers AudioLDMPipeline"]
    print(f"engine generate fp32 / diffusers pipeline fp32: {base / reference:.3f}  (goal <= 1.0)")
    print(f"engine generate bf16 / diffusers pipeline fp32: {median['engine generate bf16'] / reference:.3f}  (goal <= 0.6)")
    if not args.no_operations:
        print(f"inpaint / generate:                   {median['engine inpaint (1 s region)'] / base:.3f}")
    for strength in strengths:
        print(f"transfer s={strength} / generate:          {median[f'engine transfer s={strength}'] / base:.3f}  (ideal ~{strength})")


if __name__ == "__main__":
    main()
