"""The starter v2 recipe: a licence-clean corpus and a mel front end that keeps low notes.

    python -m soundloom.engine.training.starter_v2 --corpus .cache/corpus-v2 --work .cache/starter-v2-work --out OUT

v1 (`starter_recipe`) reads 64 mel bands and compresses them 8× in the VAE, leaving 8 latent rows
for 0–8 kHz. Slaney mel bands are 46 Hz apart below 1 kHz at 64 bands, wider than the spacing of
the partials of any note below F#1, and after 8× compression one latent row spans 370 Hz of the
low range: notes below ~200 Hz come back unpitched or an octave off. v2 reads 128 bands (23 Hz
apart below 1 kHz, so the partials of E1 (41 Hz) fall in separate bands) with the same 8× VAE,
which gives 16 latent rows: the latent's frequency rows each cover what 4 of v1's bands
covered, i.e. 4× compression of v1's grid. Its VAE trains with the decoder refinement's peak- and
slope-weighted loss from the first step, which is what keeps low notes through it (measured in
`starter_v2_low_notes`). The VAE stays a stock symmetric AutoencoderKL
(diffusers' down blocks only halve both axes), so the engine loads a v2 model folder unchanged:
it reads `n_mels` from the folder's mel config.

The stages, their work folders and resuming are `starter_recipe`'s; `--until` stops after a stage.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from soundloom.engine.models.mel import MelConfig
from soundloom.engine.training.diffusion_training import UNetConfig
from soundloom.engine.training.starter_recipe import (
    StarterRecipe, export, load_text_encoder, stage_decoder, stage_unet, stage_vae, stage_vocoder,
)
from soundloom.engine.training.vae_training import VAEConfig

STAGES = ("vae", "decoder", "unet", "all")


def v2_recipe() -> StarterRecipe:
    """v1's recipe with 128 mel bands, checkpoints every few minutes, and a UNet sized so that the
    larger latent (16 rows instead of 8) costs no more time than v1's."""
    recipe = StarterRecipe()
    recipe.mel = MelConfig(n_mels=128)
    # 128 bands double the VAE's cost per step; 100 steps are ~3–4 minutes on a 2-core CPU. The
    # peak- and slope-weighted loss from the first step: with plain L1 the encoder drops the balance
    # of neighbouring low bands, and a decoder refined later cannot bring low notes back.
    recipe.vae = VAEConfig(steps=3000, checkpoint_every=100, peak_weight=3.0)
    # Half v1's widths: twice the latent rows at v1's widths made a 5 s clip 1.44× v1's time at 10
    # steps; at (32, 64, 128) it is 1.00× (bench/starter_versions.py on random-weight folders, with
    # the sparse mel fit), and a training step costs what v1's did, so 20,000 steps are ~3.3 h.
    recipe.unet = UNetConfig(channels=(32, 64, 128), norm_groups=16, steps=20000, pitched_weight=3.0,
                             checkpoint_every=150)
    return recipe


def train_v2(corpus: Path, work: Path, out: Path, recipe: StarterRecipe, until: str = "all") -> dict:
    """Run the unfinished stages up to `until`; each writes the work folder's training-log.json."""
    from dataclasses import asdict

    from soundloom.engine.training.corpus.manifest import read_manifest
    from soundloom.engine.training.mel_cache import build_mel_cache

    work.mkdir(parents=True, exist_ok=True)
    log_file = work / "training-log.json"
    log = json.loads(log_file.read_text()) if log_file.exists() else {}
    log["recipe"] = json.loads(json.dumps(asdict(recipe)))
    began = time.monotonic()
    entries = read_manifest(corpus)
    cache = build_mel_cache(entries, corpus, work / "mels", recipe.mel)
    log.setdefault("mel_cache_minutes", round((time.monotonic() - began) / 60, 1))
    vae = stage_vae(recipe, cache, work, log)
    log_file.write_text(json.dumps(log, indent=2))
    if until == "vae":
        return log
    vae = stage_decoder(recipe, cache, vae, work, log)
    log_file.write_text(json.dumps(log, indent=2))
    if until == "decoder":
        return log
    unet = stage_unet(recipe, cache, vae, work, log, load_text_encoder(recipe.conditioning))
    log_file.write_text(json.dumps(log, indent=2))
    if until == "unet":
        return log
    vocoder = stage_vocoder(recipe, entries, corpus, work, log)
    log_file.write_text(json.dumps(log, indent=2))
    export(recipe, vae, unet, out, recipe.unet.steps, log, vocoder)
    return log


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m soundloom.engine.training.starter_v2",
                                description="Train the v2 starter (128 mel bands) on a licence-clean corpus; rerun to resume.")
    p.add_argument("--corpus", type=Path, required=True, help="a corpus folder (manifest.jsonl)")
    p.add_argument("--work", type=Path, required=True, help="caches and checkpoints; rerun the same command to resume")
    p.add_argument("--out", type=Path, required=True, help="the model folder to write at the end")
    p.add_argument("--until", choices=STAGES, default="all", help="stop after this stage (default: all, then export)")
    p.add_argument("--vae-steps", type=int, default=None, help="VAE steps (default 3000)")
    p.add_argument("--steps", type=int, default=None, help="UNet steps in all (default 20000)")
    args = p.parse_args(argv)
    for name in ("vae_steps", "steps"):
        value = getattr(args, name)
        if value is not None and value < 1:
            p.error(f"--{name.replace('_', '-')}: {value} is out of range; allowed: 1 or more")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    recipe = v2_recipe()
    if args.vae_steps is not None:
        recipe.vae.steps = args.vae_steps
    if args.steps is not None:
        recipe.unet.steps = args.steps
    print(json.dumps(train_v2(args.corpus, args.work, args.out, recipe, args.until), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
