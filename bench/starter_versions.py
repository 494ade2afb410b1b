"""Two or more starter model folders side by side: the real-time factor of a 5 s clip at each
model's own default steps, runs interleaved so a busy machine slows them alike, and each model's
time as a ratio to the first's.

    python bench/starter_versions.py FOLDER [FOLDER ...]   (the packaged starter comes first)

The ratio is the figure to read ("no slower than v1" means a ratio of at most 1.0); the seconds
move with whatever else the machine is doing.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")
SECONDS = 5.0


def main() -> None:
    from soundloom.engine.engine import STARTER_PATH
    from soundloom.engine.models.loading import load_model
    from soundloom.engine.pipelines import GenerateRequest, generate

    parser = argparse.ArgumentParser()
    parser.add_argument("folders", type=Path, nargs="+", help="model folders to set beside the packaged starter")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    models = {"packaged starter": load_model(STARTER_PATH)}
    models.update((str(folder), load_model(folder)) for folder in args.folders)
    for model in models.values():  # first-call costs (allocator, caches) out of the timings
        generate(model, GenerateRequest(prompt="warm up", seconds=SECONDS, steps=2, seed=0))
    times: dict[str, list[float]] = {name: [] for name in models}
    for repeat in range(args.repeats):
        for name, model in models.items():
            start = time.perf_counter()
            generate(model, GenerateRequest(prompt="a deep bass note, E1", seconds=SECONDS, seed=repeat))
            times[name].append(time.perf_counter() - start)
    first = statistics.median(next(iter(times.values())))
    print(f"{SECONDS:g} s clip at each model's default steps, median of {args.repeats} interleaved runs")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name}: {models[name].default_steps} steps, {models[name].mel_config.n_mels} mel bands, "
              f"{median:.2f} s, real-time factor {median / SECONDS:.3f}, {median / first:.2f}x the packaged starter")


if __name__ == "__main__":
    main()
