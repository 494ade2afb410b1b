"""The starter model's speed and memory: a 5 s clip at default settings against real time, and the
engine's resident memory with the starter loaded.

    python bench/starter_speed.py [--model FOLDER] [--steps N ...]

Prints the real-time factor (generation seconds per second of audio; goal ≤ 0.5, stretch 0.3) for
each step count given, measured interleaved, and peak RSS (goal ≤ 1 GB).
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
    from soundloom.engine.engine import STARTER_PATH
    from soundloom.engine.models.loading import load_model
    from soundloom.engine.pipelines import GenerateRequest, generate

    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path, default=STARTER_PATH)
    parser.add_argument("--steps", type=int, nargs="+", default=[10, 15, 25])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    before = rss_mb()
    model = load_model(args.model)
    loaded = rss_mb()
    seconds = 5.0
    generate(model, GenerateRequest(prompt="warm up", seconds=seconds, steps=2, seed=0))
    times: dict[int, list[float]] = {steps: [] for steps in args.steps}
    for repeat in range(args.repeats):
        for steps in args.steps:
            start = time.perf_counter()
            generate(model, GenerateRequest(prompt="soft rain on a window", seconds=seconds, steps=steps, seed=repeat))
            times[steps].append(time.perf_counter() - start)
    print(f"model {args.model.name}: RSS {before:.0f} MB before loading, {loaded:.0f} MB loaded, "
          f"peak {rss_mb('VmHWM'):.0f} MB (goal <= 1024)")
    for steps, values in times.items():
        factor = statistics.median(values) / seconds
        print(f"  {seconds:g} s clip, {steps} DPM-Solver++ steps: {statistics.median(values):.2f} s, real-time factor {factor:.3f} "
              f"(goal <= 0.5, stretch 0.3)")


if __name__ == "__main__":
    main()
