"""`soundloom models list` and `soundloom models convert`: what models there are, and Tango folders made diffusers-format.

    soundloom models list [--models-dir DIR]... [--model PATH_OR_REPO_ID]... [--json]
    soundloom models convert TANGO_DIR OUT_DIR [--text-encoder DIR] [--scheduler PATH]

`list` reads the bundled starter model, the user's Hugging Face cache and any folders given, from
their config files alone (no weights are loaded, nothing is downloaded).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="soundloom models", description="List models and convert Tango releases.")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="each model's family, native rate, channels and operations")
    listing.add_argument("--models-dir", type=Path, action="append", default=[],
                         help="a folder of model folders or a Hugging Face hub cache (default: the starter and your cache)")
    listing.add_argument("--model", action="append", default=[], help="a model folder, or a repo id in your Hugging Face cache")
    listing.add_argument("--json", action="store_true", help="one JSON object per model")
    convert = commands.add_parser("convert", help="write a Tango release folder as a diffusers-format folder")
    convert.add_argument("source", type=Path, metavar="TANGO_DIR")
    convert.add_argument("out", type=Path, metavar="OUT_DIR")
    convert.add_argument("--text-encoder", type=Path, help="FLAN-T5 folder (config, tokenizer); default: your Hugging Face cache")
    convert.add_argument("--scheduler", type=Path, help="scheduler_config.json or its folder; default: your Hugging Face cache")
    return parser


def _sources(args: argparse.Namespace) -> tuple[list[str], list[Path]]:
    from soundloom.engine.engine import STARTER_PATH
    from soundloom.engine.models.hf_cache import hub_cache_dir

    if args.model or args.models_dir:
        return list(args.model), list(args.models_dir)
    models = [str(STARTER_PATH)] if (STARTER_PATH / "model_index.json").is_file() else []
    return models, [hub_cache_dir()]


def list_models(args: argparse.Namespace) -> int:
    from soundloom.engine.models.catalog import describe, discover
    from soundloom.engine.models.hf_cache import is_repo_id, snapshot_path

    models, roots = _sources(args)
    rows = []
    for model in models:
        path = snapshot_path(model) if is_repo_id(model) else Path(model).expanduser().resolve()
        rows.append((model if is_repo_id(model) else path.name, path))
    for root in roots:
        rows += discover(root)
    described = [(name, path, describe(path)) for name, path in rows]
    if args.json:
        for name, path, about in described:
            print(json.dumps({"name": name, "path": str(path), "family": about.family, "sample_rate": about.sample_rate,
                              "channels": about.channels, "operations": list(about.operations)}))
        return 0
    if not described:
        print("no models found in " + ", ".join(str(r) for r in roots or models), file=sys.stderr)
        return 0
    header = ("NAME", "FAMILY", "RATE", "CHANNELS", "OPERATIONS")
    table = [header] + [
        (name, about.family, f"{about.sample_rate} Hz" if about.sample_rate else "?", str(about.channels),
         ", ".join(about.operations) or "(not loadable)")
        for name, _, about in described
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    return 0


def convert(args: argparse.Namespace) -> int:
    from soundloom.engine.models.tango_convert import convert_release

    print(convert_release(args.source, args.out, args.text_encoder, args.scheduler))
    return 0


def main(argv: list[str] | None = None) -> int:
    from soundloom.protocol.errors import SoundloomError

    args = build_parser().parse_args(argv)
    try:
        return list_models(args) if args.command == "list" else convert(args)
    except SoundloomError as exc:
        print(f"soundloom models: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
