"""Quality and time against sampling steps and guidance for the starter model with DPM-Solver++: what the defaults should be.

    python bench/starter_steps_quality.py [--corpus DIR --classifier PATH] [--steps 10 15 25 50] [--guidance 3]
        [--per-class 2] [--repeats 5]

Time: a 5 s clip is generated `--repeats` times at each setting, the settings taking turns, and each
call is split by its step callback into the sampling loop (steps × the time per step) and the fixed
part every call pays once whatever the steps (text encoding, VAE decode, Griffin-Lim, tuning to the
named note). A straight-line fit of the whole call over the step counts is printed as a check.

Quality (with --corpus and --classifier): for each setting, generates the same held-out captions
and paraphrases (same seeds) and prints text adherence, paraphrase adherence, Fréchet distance to
the real held-out clips and pitch error.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from soundloom.engine.engine import STARTER_PATH
from soundloom.engine.models.base import AudioModel
from soundloom.engine.models.loading import load_model
from soundloom.engine.pipelines import GenerateRequest, generate

COLUMNS = ("text_adherence", "paraphrase_adherence", "frechet_distance", "median_pitch_error_cents", "onset_count_accuracy")
PROMPT = "a piano playing C4"  # names a note, so the call also pays for tuning, as generate does by default
SECONDS = 5.0


def timed_call(model: AudioModel, steps: int, guidance: float, seed: int) -> tuple[float, float]:
    """(seconds for the whole call, seconds per sampling step) of one generate call."""
    marks: list[float] = []
    start = time.perf_counter()
    generate(model, GenerateRequest(prompt=PROMPT, seconds=SECONDS, steps=steps, guidance=guidance, seed=seed),
             on_step=lambda step, total: marks.append(time.perf_counter()))
    # From the end of the first step to the end of the last: the loop alone, nothing before or after it.
    return time.perf_counter() - start, (marks[-1] - marks[0]) / (steps - 1)


def time_settings(model: AudioModel, settings: list[tuple[int, float]], repeats: int) -> dict[tuple[int, float], dict]:
    """Median seconds per setting: the whole call, the sampling loop and the fixed rest."""
    for steps, guidance in settings:
        timed_call(model, steps, guidance, seed=0)
    samples: dict[tuple[int, float], list[tuple[float, float]]] = {s: [] for s in settings}
    for repeat in range(repeats):
        # Interleaved, and in reverse every other round, so drift and load hit every setting alike.
        for setting in settings if repeat % 2 == 0 else settings[::-1]:
            samples[setting].append(timed_call(model, *setting, seed=repeat))
    out = {}
    for (steps, guidance), values in samples.items():
        totals = [total for total, _ in values]
        loops = [steps * per_step for _, per_step in values]
        out[(steps, guidance)] = {"seconds": statistics.median(totals), "loop_seconds": statistics.median(loops),
                                  "fixed_seconds": statistics.median(t - l for t, l in zip(totals, loops)),
                                  "per_step_seconds": statistics.median(loops) / steps}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=STARTER_PATH)
    parser.add_argument("--corpus", type=Path, help="with --classifier: also score quality on its held-out split")
    parser.add_argument("--classifier", type=Path)
    parser.add_argument("--steps", type=int, nargs="+", default=[10, 15, 25, 50])
    parser.add_argument("--guidance", type=float, nargs="+", default=[3.0])
    parser.add_argument("--per-class", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per setting")
    parser.add_argument("--out", type=Path, help="also write the rows (JSON) here")
    args = parser.parse_args(argv)
    if (args.corpus is None) != (args.classifier is None):
        parser.error("--corpus and --classifier go together")
    if min(args.steps) < 2:
        parser.error("--steps: at least 2, to time a step apart from the rest of the call")
    model = load_model(args.model)
    settings = [(steps, guidance) for steps in args.steps for guidance in args.guidance]
    timing = time_settings(model, settings, args.repeats)
    columns = COLUMNS if args.corpus else ()
    rows = []
    for steps, guidance in settings:
        row = {"steps": steps, "guidance": guidance}
        if args.corpus:
            from soundloom.engine.training.evaluation import evaluate

            report = evaluate(model, args.corpus, args.classifier, args.per_class, steps, guidance=guidance)
            row |= {k: report[k] for k in COLUMNS}
        rows.append(row | {k: round(v, 4) for k, v in timing[(steps, guidance)].items()})

    slowest = max(row["seconds"] for row in rows)
    print("| steps | guidance | " + "".join(c.replace("_", " ") + " | " for c in columns)
          + f"{SECONDS:g} s clip | sampling loop | fixed part | time / slowest |")
    print("| --- " * (len(columns) + 6) + "|")
    for row in rows:
        print(f"| {row['steps']} | {row['guidance']:g} | " + "".join(f"{row[c]} | " for c in columns)
              + f"{row['seconds']:.2f} s | {row['loop_seconds']:.2f} s | {row['fixed_seconds']:.2f} s "
              f"| {row['seconds'] / slowest:.2f} |")
    for guidance in args.guidance:
        mine = [row for row in rows if row["guidance"] == guidance]
        per_step = statistics.median(row["per_step_seconds"] for row in mine)
        line = f"guidance {guidance:g}: {per_step * 1e3:.1f} ms per step (sampling loop alone)"
        if len(mine) > 1:
            slope, intercept = np.polyfit([r["steps"] for r in mine], [r["seconds"] for r in mine], 1)
            line += f"; fit of the whole call: {intercept:.2f} s + steps × {slope * 1e3:.1f} ms"
        print(f"{line} ({args.repeats} calls per setting, interleaved)")
    if args.out:
        args.out.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
