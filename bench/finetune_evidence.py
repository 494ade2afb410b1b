"""Does fine-tuning work? Train an adapter on a sound family the starter never heard, then compare.

    python bench/finetune_evidence.py --classifier PATH/classifier.pt --corpus PATH/corpus [--steps 2000]

1. Writes a 50-clip kalimba library (captions in sidecars) and a separate 48-clip kalimba reference
   set that training never sees. Kalimba is kept out of the starter's corpus.
2. Trains an adapter with the same training process the daemon runs, measuring wall time and the
   process's peak RSS, and checks that every library file's SHA-256 is unchanged.
3. Generates the reference set's captions with the base model and with the adapter (same seeds) and
   reports the Fréchet distance of each to the reference clips in the evaluation classifier's
   embedding; then does the same for unrelated held-out corpus captions, where the adapter should
   stay close to the base model.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from soundloom.engine.engine import STARTER_PATH
from soundloom.engine.models.loading import load_model
from soundloom.engine.pipelines.generate import generate_batch
from soundloom.engine.pipelines.requests import GenerateRequest
from soundloom.engine.training import finetune_defaults as defaults
from soundloom.engine.training import lora
from soundloom.engine.training.classifier import classify, frechet_distance, load_classifier
from soundloom.engine.training.finetune import FinetuneSpec
from soundloom.engine.training.unseen_family import make_library
from soundloom.sdk.audio_file import read_audio

SECONDS = 2.56


def fingerprint(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def train(spec: FinetuneSpec, work: Path) -> dict:
    """Run the daemon's training process on `spec`; returns wall minutes, the process's CPU seconds and
    peak RSS (its own, read when it ends), and the final record."""
    spec_file = work / "spec.json"
    spec_file.write_text(json.dumps(asdict(spec)))
    began = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "soundloom.engine.training.finetune_process", str(spec_file)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    outcome = {}
    for line in process.stdout:
        event = json.loads(line)
        if event["event"] == "progress" and event["step"] % 100 == 0:
            print(f"  step {event['step']}/{event['total']}  loss {event['loss']:.4f}  eta {event['eta_s']:.0f} s", flush=True)
        elif event["event"] in ("done", "error"):
            outcome = event
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0  # reaped above
    if outcome.get("event") != "done":
        raise SystemExit(f"training failed: {outcome}")
    return {"minutes": round((time.monotonic() - began) / 60, 2), "cpu_seconds": round(usage.ru_utime + usage.ru_stime),
            "peak_rss_mb": round(usage.ru_maxrss / 1024), "record": outcome["record"]}


def render(model, prompts: list[str], seed: int, steps: int, batch: int = 8) -> list[np.ndarray]:
    clips = []
    for start in range(0, len(prompts), batch):
        requests = [GenerateRequest(prompt=p, seconds=SECONDS, steps=steps, seed=seed + start + i, normalize="off")
                    for i, p in enumerate(prompts[start : start + batch])]
        with torch.no_grad():
            clips += [r.audio[0][0] for r in generate_batch(model, requests)]
    return clips


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=STARTER_PATH)
    parser.add_argument("--classifier", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, required=True, help="for unrelated held-out captions")
    parser.add_argument("--work", type=Path, default=Path(".cache/finetune-evidence"))
    parser.add_argument("--steps", type=int, default=defaults.steps_for_library(50))
    parser.add_argument("--batch-size", type=int, default=defaults.BATCH_SIZE)
    parser.add_argument("--rank", type=int, default=defaults.RANK)
    parser.add_argument("--learning-rate", type=float, default=defaults.LEARNING_RATE)
    parser.add_argument("--strength", type=float, default=defaults.ADAPTER_STRENGTH,
                        help="share of the trained update the saved adapter applies at adapter scale 1")
    parser.add_argument("--sampling-steps", type=int, default=25)
    parser.add_argument("--adapter-scale", type=float, default=1.0, help="the adapter's scale when generating")
    args = parser.parse_args(argv)
    work = args.work.resolve()
    library, reference = work / "library", work / "reference"
    if not library.exists():
        make_library(library, clips=50, seed=1)
        make_library(reference, clips=48, seed=2)
    before = fingerprint(library)
    adapter_dir = work / "adapter"
    spec = FinetuneSpec(folder=str(library), name="kalimba", base="starter", model_path=str(args.model.resolve()),
                        adapter_dir=str(adapter_dir), steps=args.steps, rank=args.rank, learning_rate=args.learning_rate,
                        batch_size=args.batch_size, strength=args.strength, validate_every=max(1, args.steps // 4),
                        checkpoint_every=max(1, args.steps // 8), resume=(adapter_dir / "checkpoints").is_dir())
    print(f"training {args.steps} steps on {len(before) // 2} clips ...", flush=True)
    trained = train(spec, work)
    unchanged = fingerprint(library) == before

    model = load_model(args.model)
    lora.load(adapter_dir / "lora", model.unet, "kalimba")
    classifier, classes, frames = load_classifier(args.classifier)
    front = model.latents.front_end

    def embed(clips: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        with torch.no_grad():
            mels = [front(torch.from_numpy(c.astype(np.float32))[None])[0].numpy() for c in clips]
        return classify(classifier, mels, frames)

    def both(prompts: list[str], seed: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
        lora.select(model.unet, None)
        base = render(model, prompts, seed, args.sampling_steps)
        lora.select(model.unet, "kalimba", args.adapter_scale)
        adapted = render(model, prompts, seed, args.sampling_steps)
        return base, adapted

    references = sorted(reference.rglob("*.wav"))
    prompts = [p.with_suffix(".txt").read_text().strip() for p in references]
    _, real = embed([read_audio(p)[0].mean(axis=0) for p in references])
    base, adapted = both(prompts, seed=0)
    fd_base, fd_adapted = frechet_distance(embed(base)[1], real), frechet_distance(embed(adapted)[1], real)

    from soundloom.engine.training.corpus.manifest import read_manifest
    from soundloom.engine.training.evaluation import pick_heldout

    unrelated = pick_heldout(read_manifest(args.corpus), 1, seed=0)
    truth = np.array([classes.index(e["class"]) for e in unrelated])
    base_u, adapted_u = both([e["captions"][0] for e in unrelated], seed=1000)
    (pred_b, emb_b), (pred_a, emb_a) = embed(base_u), embed(adapted_u)
    lora.select(model.unet, None)
    reseeded = embed(render(model, [e["captions"][0] for e in unrelated], seed=5000, steps=args.sampling_steps))[1]
    report = {
        "library_clips": 50, "reference_clips": len(references), "steps": args.steps, "batch_size": args.batch_size,
        "rank": args.rank, "learning_rate": args.learning_rate, "adapter_scale": args.adapter_scale, "strength": args.strength, "train_minutes": trained["minutes"], "train_cpu_seconds": trained["cpu_seconds"],
        "train_peak_rss_mb": trained["peak_rss_mb"],
        "final_loss": round(trained["record"]["loss"], 4), "library_unchanged": unchanged,
        "kalimba_fd_base": round(fd_base, 2), "kalimba_fd_adapter": round(fd_adapted, 2),
        "kalimba_fd_drop": round(1 - fd_adapted / fd_base, 3),
        "unrelated_prompts": len(unrelated), "unrelated_fd_adapter_vs_base": round(frechet_distance(emb_a, emb_b), 2),
        # The yardstick: how far the base model is from itself with other seeds.
        "unrelated_fd_base_vs_base_other_seeds": round(frechet_distance(reseeded, emb_b), 2),
        "unrelated_adherence_base": round(float((pred_b == truth).mean()), 3),
        "unrelated_adherence_adapter": round(float((pred_a == truth).mean()), 3),
        "unrelated_same_class_as_base": round(float((pred_a == pred_b).mean()), 3),
    }
    (work / "evidence.json").write_text(json.dumps(report, indent=2) + "\n")
    width = max(map(len, report))
    for key, value in report.items():
        print(f"{key:<{width}}  {value}")
    return 0 if unchanged else 1


if __name__ == "__main__":
    raise SystemExit(main())
