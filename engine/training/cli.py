"""`soundloom train starter` and `soundloom eval`: rebuild, continue or score the starter model.

    soundloom train starter [--steps N] [--resume] [--corpus DIR] [--work DIR] [--out DIR]
    soundloom eval [--model DIR] [--classifier-steps N] [--per-class N]

Defaults keep the corpus, caches and checkpoints in the engine's data folder and write the model
to the bundled starter folder. Every stage resumes where an interrupted run stopped.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _paths(args: argparse.Namespace) -> tuple[Path, Path]:
    from soundloom.settings.paths import data_dir

    root = data_dir(None)
    return args.corpus or root / "corpus", args.work or root / "starter-work"


def train(args: argparse.Namespace) -> int:
    from soundloom.engine.engine import STARTER_PATH
    from soundloom.engine.training.corpus.build import build_corpus
    from soundloom.engine.training.starter_recipe import StarterRecipe, seed_from_model, train_starter

    corpus, work = _paths(args)
    build_corpus(corpus, seed=0)  # resumable: only missing clips are made
    recipe = StarterRecipe()
    if args.steps is not None:
        recipe.unet.steps = args.steps
    if args.resume and (STARTER_PATH / "training.json").exists():
        print(f"continuing the bundled starter from step {seed_from_model(STARTER_PATH, work)}", file=sys.stderr)
    print(json.dumps(train_starter(corpus, work, args.out or STARTER_PATH, recipe), indent=2))
    return 0


def evaluate(args: argparse.Namespace) -> int:
    import numpy as np

    from soundloom.engine.engine import STARTER_PATH
    from soundloom.engine.models.loading import load_model
    from soundloom.engine.training.classifier import CLASSIFIER_MEL, ClassifierConfig, train_classifier
    from soundloom.engine.training.corpus.manifest import read_manifest
    from soundloom.engine.training.evaluation import evaluate as score
    from soundloom.engine.training.mel_cache import build_mel_cache

    corpus, work = _paths(args)
    classifier = work / "classifier" / "classifier.pt"
    if not classifier.exists():
        mel = CLASSIFIER_MEL
        cache = build_mel_cache(read_manifest(corpus), corpus, work / "mels", mel)
        classes = [c["name"] for c in json.loads((corpus / "classes.json").read_text())["classes"]]
        train_classifier(cache, classes, work / "classifier", ClassifierConfig(steps=args.classifier_steps), float(np.log(mel.log_floor)))
    report = score(load_model(args.model or STARTER_PATH), corpus, classifier, args.per_class, args.steps)
    print(json.dumps(report, indent=2))
    if args.report:
        args.report.write_text(json.dumps(report, indent=2) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="soundloom")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("train", help="rebuild the corpus and train (or continue) the starter model")
    p.add_argument("what", choices=["starter"])
    p.add_argument("--steps", type=int, help="UNet steps in all (default: the recipe's, as the bundled weights)")
    p.add_argument("--resume", action="store_true", help="continue from the bundled starter's weights")
    p.add_argument("--corpus", type=Path)
    p.add_argument("--work", type=Path)
    p.add_argument("--out", type=Path, help="model folder to write (default: the bundled starter)")
    p = commands.add_parser("eval", help="score a model on the corpus's held-out split")
    p.add_argument("--model", type=Path, help="default: the bundled starter")
    p.add_argument("--corpus", type=Path)
    p.add_argument("--work", type=Path)
    p.add_argument("--classifier-steps", type=int, default=2000)
    p.add_argument("--per-class", type=int, default=4)
    p.add_argument("--steps", type=int, default=25, help="sampling steps per generated clip")
    p.add_argument("--report", type=Path, help="also write the report (JSON) here")
    args = parser.parse_args(argv)
    return train(args) if args.command == "train" else evaluate(args)


if __name__ == "__main__":
    sys.exit(main())
