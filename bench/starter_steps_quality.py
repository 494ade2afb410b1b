"""Quality against sampling steps and guidance for the starter model with DPM-Solver++: what the defaults should be.

    python bench/starter_steps_quality.py --corpus DIR --classifier PATH [--steps 10 15 25 50] [--guidance 3]
        [--per-class 2]

For each step count and guidance scale, generates the same held-out captions and paraphrases
(same seeds) and prints text adherence, paraphrase adherence, Fréchet distance to the real
held-out clips and pitch error, next to the generation time relative to the slowest setting.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from soundloom.engine.engine import STARTER_PATH
from soundloom.engine.models.loading import load_model
from soundloom.engine.training.evaluation import evaluate

COLUMNS = ("text_adherence", "paraphrase_adherence", "frechet_distance", "median_pitch_error_cents", "onset_count_accuracy")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=STARTER_PATH)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--classifier", type=Path, required=True)
    parser.add_argument("--steps", type=int, nargs="+", default=[10, 15, 25, 50])
    parser.add_argument("--guidance", type=float, nargs="+", default=[3.0])
    parser.add_argument("--per-class", type=int, default=2)
    parser.add_argument("--out", type=Path, help="also write the rows (JSON) here")
    args = parser.parse_args(argv)
    model = load_model(args.model)
    rows = []
    for steps in args.steps:
        for guidance in args.guidance:
            began = time.perf_counter()
            report = evaluate(model, args.corpus, args.classifier, args.per_class, steps, guidance=guidance)
            rows.append({"steps": steps, "guidance": guidance, **{k: report[k] for k in COLUMNS},
                         "seconds": round(time.perf_counter() - began, 1)})
    slowest = max(row["seconds"] for row in rows)
    print("| steps | guidance | " + " | ".join(c.replace("_", " ") for c in COLUMNS) + " | time / slowest |")
    print("| --- " * (len(COLUMNS) + 3) + "|")
    for row in rows:
        print(f"| {row['steps']} | {row['guidance']:g} | " + " | ".join(str(row[c]) for c in COLUMNS)
              + f" | {row['seconds'] / slowest:.2f} |")
    if args.out:
        args.out.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
