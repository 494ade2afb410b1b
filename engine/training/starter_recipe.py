"""`soundloom train starter`: corpus → mel cache → VAE → decoder refinement → latents → UNet → model folder.

Every stage keeps its output under the work folder and resumes from it, so an interrupted run
continues where it stopped; `--resume-from MODEL` continues UNet training from a finished model.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from soundloom.engine.models.mel import MelConfig
from soundloom.engine.models.settings import SETTINGS_FILE
from soundloom.engine.models.starter import TEXT_PACKAGE, save_starter
from soundloom.engine.models.starter_text import ConditioningConfig, StarterTextEncoder
from soundloom.engine.training.checkpoint import list_checkpoints, load_latest, save_checkpoint
from soundloom.engine.training.decoder_training import DecoderConfig, refine_decoder
from soundloom.engine.training.diffusion_training import (
    NOISE_SCHEDULE, LatentBatches, UNetConfig, make_unet, train_unet,
)
from soundloom.engine.training.latent_cache import encode_all, silence_latent
from soundloom.engine.training.mel_cache import build_mel_cache
from soundloom.engine.training.vae_training import VAEConfig, make_vae, reconstruction_error, train_vae
from soundloom.engine.training.vocoder_training import Segments, VocoderConfig, compare_with_griffin_lim, train_vocoder


@dataclass
class StarterRecipe:
    """Everything that decides the starter's weights besides the corpus."""

    mel: MelConfig = field(default_factory=MelConfig)
    vae: VAEConfig = field(default_factory=VAEConfig)
    decoder: DecoderConfig = field(default_factory=DecoderConfig)
    unet: UNetConfig = field(default_factory=UNetConfig)
    vocoder: VocoderConfig = field(default_factory=VocoderConfig)
    conditioning: ConditioningConfig = field(default_factory=lambda: ConditioningConfig(sentence_token=True, pitch_token=True))
    # Sampling steps a request gets when it names none (the folder's soundloom.json): quality is
    # flat from 10 steps on for the starter (docs/starter-model.md).
    default_steps: int = 10

    @property
    def floor(self) -> float:
        """log-mel of silence."""
        return float(np.log(self.mel.log_floor))


def load_text_encoder(conditioning: ConditioningConfig):
    """The frozen packaged sentence encoder, as a function texts → (cross-attention states, mask)."""
    import importlib

    from transformers import BertModel, BertTokenizerFast

    folder = importlib.import_module(TEXT_PACKAGE).get_model_path()
    tokenizer = BertTokenizerFast.from_pretrained(folder, local_files_only=True)
    encoder = BertModel.from_pretrained(folder, local_files_only=True).eval().requires_grad_(False)
    text = StarterTextEncoder(tokenizer, encoder, conditioning)

    def encode(texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        states, mask, _ = text(texts)
        return states, mask

    return encode


def _first_frames(cache, indices: list[int], frames: int, floor: float) -> torch.Tensor:
    """The first `frames` mel frames of each clip, padded with silence: [clips, 1, frames, n_mels]."""
    rows = []
    for i in indices:
        mel = np.asarray(cache.clip_mel(i)[:frames], np.float32)
        rows.append(np.concatenate([mel, np.full((frames - len(mel), mel.shape[1]), floor, np.float32)]))
    return torch.from_numpy(np.stack(rows))[:, None]


def _heldout_mels(recipe: StarterRecipe, cache) -> torch.Tensor:
    """The mels the VAE stages report their reconstruction error on: the first 1.28 s of 64 held-out clips."""
    return _first_frames(cache, cache.split("heldout")[:64], 128, recipe.floor)


def stage_vae(recipe: StarterRecipe, cache, work: Path, log: dict) -> torch.nn.Module:
    folder = work / "vae"
    if (folder / "final" / "config.json").exists():
        from diffusers import AutoencoderKL

        return AutoencoderKL.from_pretrained(folder / "final", local_files_only=True).eval()
    began = time.monotonic()
    vae = train_vae(cache, folder, recipe.vae, recipe.floor)
    # Scale latents to unit variance for diffusion, as Stable Diffusion's scaling_factor does.
    with torch.no_grad():
        std = vae.encode(_first_frames(cache, cache.split("train")[:64], 128, recipe.floor)).latent_dist.mode().std().item()
    vae.register_to_config(scaling_factor=1.0 / std)
    vae.save_pretrained(folder / "final")
    mels = _heldout_mels(recipe, cache)
    log["vae"] = {"minutes": round((time.monotonic() - began) / 60, 1), "heldout_mel_l1": round(reconstruction_error(vae, mels), 4),
                  "scaling_factor": round(1.0 / std, 4)}
    return vae


def stage_decoder(recipe: StarterRecipe, cache, vae, work: Path, log: dict) -> torch.nn.Module:
    """The VAE with its decoder refined (same encoder, so the same latents)."""
    folder = work / "vae" / "refined"
    if (folder / "config.json").exists():
        from diffusers import AutoencoderKL

        return AutoencoderKL.from_pretrained(folder, local_files_only=True).eval()
    began = time.monotonic()
    refined = refine_decoder(vae, cache, work / "decoder", recipe.decoder, recipe.floor)
    refined.save_pretrained(folder)
    mels = _heldout_mels(recipe, cache)
    log["decoder"] = {"minutes": round((time.monotonic() - began) / 60, 1),
                      "heldout_mel_l1_before": round(reconstruction_error(vae, mels), 4),
                      "heldout_mel_l1": round(reconstruction_error(refined, mels), 4)}
    return refined


def recorded_vocoder(work: Path, log: dict):
    """The vocoder the log says was chosen, or None where Griffin-Lim won."""
    if log["vocoder"]["chosen"] != "vocoder":
        return None
    from transformers import SpeechT5HifiGan

    return SpeechT5HifiGan.from_pretrained(work / "vocoder" / "final", local_files_only=True).eval()


def stage_vocoder(recipe: StarterRecipe, entries: list[dict], corpus: Path, work: Path, log: dict):
    """Train the corpus vocoder; return it if it beats Griffin-Lim on held-out clips, else None."""
    if "vocoder" in log:  # decided by an earlier run, or carried over from a published model by seed_from_model
        return recorded_vocoder(work, log)
    folder = work / "vocoder"
    if (folder / "final" / "config.json").exists():
        from transformers import SpeechT5HifiGan

        vocoder = SpeechT5HifiGan.from_pretrained(folder / "final", local_files_only=True).eval()
    else:
        train = [corpus / e["path"] for e in entries if e["split"] == "train"]
        segments = Segments(train, int(recipe.vocoder.segment_s * recipe.mel.sample_rate))
        vocoder = train_vocoder(segments, folder, recipe.vocoder, recipe.mel)
        vocoder.save_pretrained(folder / "final")
    import soundfile as sf

    heldout = [sf.read(corpus / e["path"], dtype="float32")[0] for e in entries if e["split"] == "heldout"][:32]
    scores = compare_with_griffin_lim(vocoder, heldout, recipe.mel)
    log["vocoder"] = {"heldout_mr_stft": scores, "chosen": "vocoder" if scores["vocoder"] < scores["griffin_lim"] else "griffin_lim"}
    return vocoder if log["vocoder"]["chosen"] == "vocoder" else None


def stage_unet(recipe: StarterRecipe, cache, vae, work: Path, log: dict, encode_text) -> torch.nn.Module:
    began = time.monotonic()
    train = cache.split("train")
    multiple = 2 ** (len(recipe.vae.channels) - 1) * 2 ** (len(recipe.unet.channels) - 1)
    latents_file = work / "latents.npz"
    if latents_file.exists():
        stored = np.load(latents_file)
        ends = np.cumsum(stored["lengths"])
        latents = np.split(stored["flat"], ends[:-1], axis=1)
        silence = stored["silence"]
    else:
        latents = encode_all(vae, cache, train, multiple, recipe.floor)
        silence = silence_latent(vae, recipe.mel.n_mels, recipe.floor)
        lengths = [latent.shape[1] for latent in latents]
        np.savez(latents_file, flat=np.concatenate(latents, axis=1), lengths=lengths, silence=silence)
    captions = [cache.clips[i]["captions"] for i in train]
    batches = LatentBatches(latents, captions, silence, recipe.unet)
    unet, seconds = train_unet(batches, encode_text, work / "unet", recipe.unet)
    log["unet"] = {"minutes_this_run": round((time.monotonic() - began) / 60, 1), "steps": recipe.unet.steps}
    log["unet_hours"] = round(seconds / 3600, 2)
    return unet


def export(recipe: StarterRecipe, vae, unet, out: Path, steps: int, log: dict, vocoder=None) -> Path:
    """Write the model folder (atomically replacing `out`) with `training.json` beside the weights."""
    from diffusers import DPMSolverMultistepScheduler

    scheduler = DPMSolverMultistepScheduler(**NOISE_SCHEDULE, prediction_type=recipe.unet.prediction_type)
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    save_starter(tmp, vae, unet, scheduler, recipe.mel, vocoder=vocoder, conditioning=recipe.conditioning)
    (tmp / "training.json").write_text(json.dumps({"unet_steps": steps, **log}, indent=2))
    (tmp / SETTINGS_FILE).write_text(json.dumps({"default_steps": recipe.default_steps}, indent=2) + "\n")
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return out


def seed_from_model(model: Path, work: Path) -> int:
    """Start a work folder from a published model (its VAE, and its UNet as a checkpoint); returns the step."""
    from diffusers import UNet2DConditionModel

    published = json.loads((model / "training.json").read_text())
    steps = int(published["unet_steps"])
    work.mkdir(parents=True, exist_ok=True)
    if not (work / "training-log.json").exists():  # the stages' records, so the summary keeps their times and scores
        kept = {k: v for k, v in published.items() if k not in ("unet_steps", "recipe")}
        (work / "training-log.json").write_text(json.dumps(kept, indent=2))
    if published.get("vocoder", {}).get("chosen") == "vocoder" and not (work / "vocoder" / "final").exists():
        shutil.copytree(model / "vocoder", work / "vocoder" / "final")
    for stage in ("final", "refined"):  # a published VAE's decoder is already refined
        if not (work / "vae" / stage).exists():
            shutil.copytree(model / "vae", work / "vae" / stage)
    if not list_checkpoints(work / "unet" / "checkpoints"):
        unet = UNet2DConditionModel.from_pretrained(model / "unet", local_files_only=True).float()
        # elapsed_s carries the published training time, so the hours reported later are the total.
        save_checkpoint(work / "unet" / "checkpoints", steps,
                        {"model": unet.state_dict(), "elapsed_s": 3600.0 * published.get("unet_hours", 0.0)})
    return steps


def export_latest(recipe: StarterRecipe, work: Path, out: Path) -> Path:
    """Export the newest UNet checkpoint with the trained VAE, without training further."""
    from diffusers import AutoencoderKL

    state = load_latest(work / "unet" / "checkpoints")
    unet = make_unet(recipe.unet)
    unet.load_state_dict(state["model"])
    vae = AutoencoderKL.from_pretrained(work / "vae" / "refined", local_files_only=True)
    log_file = work / "training-log.json"
    log = json.loads(log_file.read_text()) if log_file.exists() else {}
    log["unet_hours"] = round(state.get("elapsed_s", 0.0) / 3600, 2)
    log["recipe"] = json.loads(json.dumps(asdict(recipe)))
    vocoder = recorded_vocoder(work, log) if "vocoder" in log else None
    return export(recipe, vae.eval(), unet.eval(), out, state["step"], log, vocoder)


def train_starter(corpus: Path, work: Path, out: Path, recipe: StarterRecipe) -> dict:
    """Run every stage that is not finished yet; returns a log of what each took."""
    from soundloom.engine.training.corpus.manifest import read_manifest

    work.mkdir(parents=True, exist_ok=True)
    log_file = work / "training-log.json"
    log = json.loads(log_file.read_text()) if log_file.exists() else {}
    log["recipe"] = json.loads(json.dumps(asdict(recipe)))
    began = time.monotonic()
    entries = read_manifest(corpus)
    cache = build_mel_cache(entries, corpus, work / "mels", recipe.mel)
    log["mel_cache_minutes"] = round((time.monotonic() - began) / 60, 1)
    vae = stage_decoder(recipe, cache, stage_vae(recipe, cache, work, log), work, log)
    log_file.write_text(json.dumps(log, indent=2))
    unet = stage_unet(recipe, cache, vae, work, log, load_text_encoder(recipe.conditioning))
    log_file.write_text(json.dumps(log, indent=2))
    vocoder = stage_vocoder(recipe, entries, corpus, work, log)
    log_file.write_text(json.dumps(log, indent=2))
    export(recipe, vae, unet, out, recipe.unet.steps, log, vocoder)
    return log


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="soundloom train starter", description="Train the starter model on the corpus.")
    parser.add_argument("--corpus", type=Path, required=True, help="a corpus folder (manifest.jsonl)")
    parser.add_argument("--work", type=Path, required=True, help="caches and checkpoints; rerun to resume")
    parser.add_argument("--out", type=Path, required=True, help="the model folder to write")
    parser.add_argument("--vae-steps", type=int, default=VAEConfig.steps)
    parser.add_argument("--steps", type=int, default=UNetConfig.steps, help="UNet training steps in all")
    parser.add_argument("--vocoder-steps", type=int, default=VocoderConfig.steps)
    parser.add_argument("--resume-from", type=Path, help="continue from a published model folder (e.g. the committed starter)")
    parser.add_argument("--export-only", action="store_true", help="write --out from the newest checkpoint and stop")
    args = parser.parse_args(argv)
    recipe = StarterRecipe()
    recipe.vae.steps, recipe.unet.steps, recipe.vocoder.steps = args.vae_steps, args.steps, args.vocoder_steps
    if args.resume_from:
        print(f"continuing from {args.resume_from} at step {seed_from_model(args.resume_from, args.work)}")
    if args.export_only:
        print(export_latest(recipe, args.work, args.out))
        return 0
    print(json.dumps(train_starter(args.corpus, args.work, args.out, recipe), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
