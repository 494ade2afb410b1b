"""Do fine-tuning's defaults work on real recorded libraries? Train at the defaults, then measure.

    python bench/finetune_defaults.py --classifier PATH/classifier.pt --corpus PATH/corpus \\
        [--library wesnoth-creatures] [--files N] [--steps N] [--learning-rate X] [--strengths 0.6,0.8,1]

Libraries (none of them is in the starter's corpus; the Debian packages are needed only here):
  wesnoth-creatures  creature and character cries, hits and deaths from wesnoth-1.16-data (GPL-2+)
  warzone-weapons    weapons, explosions and vehicles from warzone2100-data's base.wz (GPL-2+)
  kalimba            the rendered kalimba library of bench/finetune_evidence.py
Each library is split by file: every fourth (warzone: third) file is held out as the reference
set, which training never sees. Captions come from the file and folder names, as for a user.

For each library: trains with the daemon's training process at the defaults (or the options
given), reporting wall time, CPU seconds and peak RSS of that process and its time per step; then
renders the reference captions with the base model and with the adapter at each strength (same
seeds) and reports the Fréchet distance of each to the reference clips in the evaluation
classifier's embedding, and the drift on unrelated held-out corpus captions: the adapter's FD to
the base model there, next to the base model's FD to itself with other seeds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import sys
import zipfile
from pathlib import Path

import numpy as np
import torch
from peft.utils import set_peft_model_state_dict

from finetune_evidence import fingerprint, render, train
from soundloom.engine.engine import STARTER_PATH
from soundloom.engine.models.loading import load_model
from soundloom.engine.training import finetune_defaults as defaults
from soundloom.engine.training import lora
from soundloom.engine.training.checkpoint import load_latest
from soundloom.engine.training.classifier import classify, frechet_distance, load_classifier
from soundloom.engine.training.finetune import WINDOW_S, FinetuneSpec
from soundloom.engine.training.library import scan_library
from soundloom.engine.training.library_windows import load_windows
from soundloom.engine.training.unseen_family import make_library

WESNOTH_SOUNDS = Path("/usr/share/games/wesnoth/1.16/data/core/sounds")
CREATURE_FILE = re.compile(r"^(?!magic|.*miss).*(-(hit|die|growl|shriek|attack|laugh|charge)\b|^(hiss|wail|groan|ugg|ghoul))")
WARZONE_ARCHIVE = Path("/usr/share/games/warzone2100/base.wz")
WARZONE_FOLDERS = ("audio/sfx/weapons/", "audio/sfx/explons/", "audio/sfx/vehicle/")


def _split(files: list[tuple[str, bytes]], out: Path, every: int) -> None:
    """Write (relative path, content) pairs: every `every`-th to reference/, the rest to library/."""
    for index, (relative, content) in enumerate(sorted(files)):
        target = out / ("reference" if index % every == every - 1 else "library") / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def wesnoth_creatures(out: Path) -> None:
    if not WESNOTH_SOUNDS.is_dir():
        raise SystemExit("wesnoth-creatures needs the Debian package wesnoth-1.16-data (apt-get install wesnoth-1.16-data)")
    files = [(f"Creatures/{p.name}", p.read_bytes()) for p in WESNOTH_SOUNDS.iterdir() if p.is_file() and CREATURE_FILE.search(p.name)]
    _split(files, out, 4)


def warzone_weapons(out: Path) -> None:
    if not WARZONE_ARCHIVE.is_file():
        raise SystemExit("warzone-weapons needs the Debian package warzone2100-data (apt-get install warzone2100-data)")
    with zipfile.ZipFile(WARZONE_ARCHIVE) as archive:
        files = [(name.removeprefix("audio/sfx/"), archive.read(name)) for name in archive.namelist()
                 if name.startswith(WARZONE_FOLDERS) and name.endswith(".ogg")]
    _split(files, out, 3)


def kalimba(out: Path) -> None:
    make_library(out / "library", clips=50, seed=1)
    make_library(out / "reference", clips=48, seed=2)


LIBRARIES = {"wesnoth-creatures": wesnoth_creatures, "warzone-weapons": warzone_weapons, "kalimba": kalimba}


def keep_files(library: Path, count: int) -> None:
    """Thin the training folder to `count` files spread evenly over it (a quick first run)."""
    files = sorted(p for p in library.rglob("*") if p.is_file() and p.suffix != ".txt")
    keep = {files[i] for i in np.linspace(0, len(files) - 1, count).round().astype(int)}
    for path in files:
        if path not in keep:
            path.unlink()
            path.with_suffix(".txt").unlink(missing_ok=True)


def cached(folder: Path, key: list, make) -> tuple[np.ndarray, np.ndarray]:
    """`make()`'s (predictions, embeddings), computed once per key (base-model renders are the same in every run)."""
    path = folder / (hashlib.sha256(json.dumps(key).encode()).hexdigest()[:16] + ".npz")
    if path.exists():
        with np.load(path) as stored:
            return stored["predicted"], stored["embedded"]
    predicted, embedded = make()
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(path, predicted=predicted, embedded=embedded)
    return predicted, embedded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=STARTER_PATH)
    parser.add_argument("--classifier", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, required=True, help="for unrelated held-out captions")
    parser.add_argument("--library", choices=sorted(LIBRARIES), default="wesnoth-creatures")
    parser.add_argument("--work", type=Path, default=Path(".cache/finetune-defaults"))
    parser.add_argument("--run", default="defaults", help="name of this run's folder under the library's")
    parser.add_argument("--files", type=int, help="train on this many of the library's files only")
    parser.add_argument("--steps", type=int, help="default: scaled by the library's size")
    parser.add_argument("--batch-size", type=int, default=defaults.BATCH_SIZE)
    parser.add_argument("--rank", type=int, default=defaults.RANK)
    parser.add_argument("--learning-rate", type=float, default=defaults.LEARNING_RATE)
    parser.add_argument("--strength", type=float, default=defaults.ADAPTER_STRENGTH, help="saved adapter strength")
    parser.add_argument("--strengths", default=None, help="comma-separated shares of the trained update to measure "
                        "(default: the saved strength)")
    parser.add_argument("--seeds-per-prompt", type=int, default=2)
    parser.add_argument("--from-checkpoint", action="store_true", help="measure the run's newest checkpoint instead of "
                        "training on (a run stopped early: the learning rate had not decayed yet)")
    parser.add_argument("--sampling-steps", type=int, default=25)
    parser.add_argument("--unrelated-every", type=int, default=1, help="measure drift on every n-th unrelated caption only")
    args = parser.parse_args(argv)
    strengths = [float(s) for s in args.strengths.split(",")] if args.strengths else [args.strength]

    root = (args.work / args.library).resolve()
    if not (root / "library").is_dir():
        LIBRARIES[args.library](root)
    work = root / args.run
    library = work / "library"
    if not library.is_dir():
        shutil.copytree(root / "library", library)
        if args.files:
            keep_files(library, args.files)
    files = len(scan_library(library).clips)
    before = fingerprint(library)
    adapter_dir = work / "adapter"
    spec = FinetuneSpec(folder=str(library), name=args.library, base="starter", model_path=str(args.model.resolve()),
                        adapter_dir=str(adapter_dir), steps=args.steps, rank=args.rank, learning_rate=args.learning_rate,
                        batch_size=args.batch_size, strength=args.strength, validation_prompts=[],
                        resume=(adapter_dir / "checkpoints").is_dir())
    steps = args.steps or defaults.steps_for_library(files)
    model = load_model(args.model)
    if args.from_checkpoint:
        state = load_latest(adapter_dir / "checkpoints")
        record = json.loads((adapter_dir / "adapter.json").read_text())
        trained = {"minutes": None, "cpu_seconds": None, "peak_rss_mb": None,
                   "record": {**record, "planned_steps": record["steps"], "steps": state["step"], "loss": float(np.mean(state["losses"][-20:])),
                              "train_seconds": state["elapsed_s"]}}
        lora.attach(model.unet, lora.lora_config(args.rank), "library")
        set_peft_model_state_dict(model.unet, state["lora"], adapter_name="library")
        model.unet.requires_grad_(False)
        args.strength = 1.0  # a checkpoint holds the update as trained
        print(f"{args.library}: measuring step {state['step']} of {record['steps']} on {files} files", flush=True)
    else:
        print(f"{args.library}: training {steps} steps on {files} files ...", flush=True)
        trained = train(spec, work)
        lora.load(adapter_dir / "lora", model.unet, "library")
    unchanged = fingerprint(library) == before
    classifier, classes, frames = load_classifier(args.classifier)
    front = model.latents.front_end
    samples = round(WINDOW_S * model.sample_rate)

    def embed(clips) -> tuple[np.ndarray, np.ndarray]:
        with torch.no_grad():
            mels = [front(torch.from_numpy(np.asarray(c, dtype=np.float32))[None])[0].numpy() for c in clips]
        return classify(classifier, mels, frames)

    def renders(prompts: list[str], seed: int, strength: float | None) -> list[np.ndarray]:
        if strength is None:
            lora.select(model.unet, None)
        else:
            lora.select(model.unet, "library", strength / args.strength)  # the saved adapter carries args.strength
        return render(model, prompts, seed, args.sampling_steps)

    def base_embedding(prompts: list[str], seed: int) -> tuple[np.ndarray, np.ndarray]:
        key = [str(args.model.resolve()), str(args.classifier.resolve()), prompts, seed, args.sampling_steps]
        return cached(args.work.resolve() / "base-renders", key, lambda: embed(renders(prompts, seed, None)))

    scan = scan_library(root / "reference")
    windows = {}
    for window in load_windows(scan, model.sample_rate, samples):
        windows.setdefault(window.source, window)  # each reference file once, from its start
    real = embed([w.audio for w in windows.values()])[1]
    prompts = [w.caption for w in windows.values()] * args.seeds_per_prompt

    from soundloom.engine.training.corpus.manifest import read_manifest
    from soundloom.engine.training.evaluation import pick_heldout

    unrelated = pick_heldout(read_manifest(args.corpus), 1, seed=0)[:: args.unrelated_every]
    unrelated_prompts = [e["captions"][0] for e in unrelated]
    truth = np.array([classes.index(e["class"]) for e in unrelated])
    fd_base = frechet_distance(base_embedding(prompts, 0)[1], real)
    predicted_base, unrelated_base = base_embedding(unrelated_prompts, 1000)
    yardstick = frechet_distance(base_embedding(unrelated_prompts, 5000)[1], unrelated_base)
    base_adherence = float((predicted_base == truth).mean())

    record = trained["record"]
    report = {
        "library": args.library, "files": files, "reference_files": len(windows), "steps": record["steps"],
        "planned_steps": record.get("planned_steps", record["steps"]),
        "batch_size": args.batch_size, "rank": args.rank, "learning_rate": args.learning_rate, "saved_strength": args.strength,
        "train_minutes": trained["minutes"], "train_cpu_seconds": trained["cpu_seconds"],
        "seconds_per_step": round(record["train_seconds"] / record["steps"], 3),
        "cpu_seconds_per_step": round(trained["cpu_seconds"] / record["steps"], 3) if trained["cpu_seconds"] else None,
        "train_peak_rss_mb": trained["peak_rss_mb"], "final_loss": round(record["loss"], 4), "library_unchanged": unchanged,
        "fd_base": round(fd_base, 2), "unrelated_fd_base_vs_base_other_seeds": round(yardstick, 2),
        "unrelated_adherence_base": round(base_adherence, 3), "by_strength": {},
    }
    for strength in strengths:
        fd = frechet_distance(embed(renders(prompts, 0, strength))[1], real)
        predicted, emb = embed(renders(unrelated_prompts, 1000, strength))
        report["by_strength"][str(strength)] = {
            "fd": round(fd, 2), "fd_drop": round(1 - fd / fd_base, 3),
            "unrelated_fd_to_base": round(frechet_distance(emb, unrelated_base), 2),
            "unrelated_drift_ratio": round(frechet_distance(emb, unrelated_base) / yardstick, 2),
            "unrelated_adherence": round(float((predicted == truth).mean()), 3),
        }
        print(f"  strength {strength}: {report['by_strength'][str(strength)]}", flush=True)
    (work / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0 if unchanged else 1


if __name__ == "__main__":
    raise SystemExit(main())
