"""The starter model's speed and memory: a 5 s clip at default settings against real time, and the
engine's resident memory with the starter loaded.

    python bench/starter_speed.py [--model FOLDER] [--steps N ...]

Prints the real-time factor (generation seconds per second of audio; goal ≤ 0.15 at the model's
default steps) for each step count given (default: the model's own), with the UNet in float32 and
in the precision the engine picks on this machine (`--dtype auto`), all runs interleaved, and peak
RSS (goal ≤ 1 GB).
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")


def rss_mb(field: str = "VmRSS") -> float:
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    import torch

    from soundloom.engine.device import pick_dtype
    from soundloom.engine.engine import STARTER_PATH
    from soundloom.engine.models.loading import load_model
    from soundloom.engine.pipelines import GenerateRequest, generate

    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path, default=STARTER_PATH)
    parser.add_argument("--steps", type=int, nargs="+", help="step counts (default: the model's own)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    before = rss_mb()
    model = load_model(args.model)
    loaded = rss_mb()
    engine_dtype = pick_dtype("auto", model.device)
    dtypes = list(dict.fromkeys([engine_dtype, torch.float32]))
    steps_list = args.steps or [model.default_steps]
    seconds = 5.0
    generate(model, GenerateRequest(prompt="warm up", seconds=seconds, steps=2, seed=0))
    times: dict[tuple, list[float]] = {(steps, d): [] for steps in steps_list for d in dtypes}
    for repeat in range(args.repeats):
        for steps, dtype in times:
            model.compute_dtype = dtype
            start = time.perf_counter()
            generate(model, GenerateRequest(prompt="soft rain on a window", seconds=seconds, steps=steps, seed=repeat))
            times[steps, dtype].append(time.perf_counter() - start)
    print(f"model {args.model.name}: RSS {before:.0f} MB before loading, {loaded:.0f} MB loaded, "
          f"peak {rss_mb('VmHWM'):.0f} MB (goal <= 1024); {torch.get_num_threads()} torch threads, "
          f"median of {args.repeats} interleaved runs")
    for (steps, dtype), values in times.items():
        factor = statistics.median(values) / seconds
        which = "engine default" if dtype is engine_dtype else "float32"
        print(f"  {seconds:g} s clip, {steps} DPM-Solver++ steps, {str(dtype).removeprefix('torch.')} ({which}): "
              f"{statistics.median(values):.2f} s, real-time factor {factor:.3f} (goal <= 0.15)")


if __name__ == "__main__":
    main()
