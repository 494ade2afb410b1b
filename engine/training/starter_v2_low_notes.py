"""How well a mel front end + VAE pair keeps low notes: E1 bass, C2 cello, a 60 Hz hum, a kick.

    python -m soundloom.engine.training.starter_v2_low_notes --corpus CORPUS --work DIR [--steps 300]

Each clip is rendered with the corpus tools (FluidSynth with FluidR3 GM, the procedural drone),
taken to log-mel, through the VAE (posterior mean) and back to audio with the starter's
Griffin-Lim. Reported per clip: the pitch error in cents of the rebuilt audio (None when no
pitch is found) and the log-spectral distance in dB between original and rebuilt below 500 Hz.
"mel only" rows skip the VAE, showing what the front end alone loses.

Candidates: the published v1 VAE (64 bands, 8×), and briefly trained VAEs of v1's shape and of
v2's shape (128 bands, 8×) trained for the same steps on the same clips, so the comparison of
the short runs is like for like.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np
import torch

from soundloom.engine.models.griffin_lim import GriffinLim
from soundloom.engine.models.mel import MelConfig, MelFrontEnd
from soundloom.engine.pitch import cents, estimate_f0

RATE = 16000
LOW_BAND_HZ = 500.0


def low_note_clips() -> dict[str, tuple[np.ndarray, float | None]]:
    """name → (2 s of mono audio at 16 kHz, true f0 in Hz or None)."""
    from soundloom.engine.training.corpus import effects, midi_render
    from soundloom.engine.training.corpus.midi_render import MidiClip

    def hz(pitch: int) -> float:
        return 440.0 * 2 ** ((pitch - 69) / 12)

    bass, cello, kick = midi_render.render_clips([
        MidiClip(program=33, notes=[[0.0, 1.8, 28, 100]], ring_s=0.2),  # fingered electric bass, E1
        MidiClip(program=42, notes=[[0.0, 1.8, 36, 100]], ring_s=0.2),  # cello, C2
        MidiClip(program=0, notes=[[0.0, 0.5, 36, 120]], ring_s=1.5, channel=midi_render.DRUM_CHANNEL),  # GM kick
    ])
    hum = effects.render_drone({"kind": "hum", "f0_hz": 60.0, "mains_hz": 60, "buzz": 0.0, "length_s": 2.0, "seed": 1}).audio
    clips = {"bass E1": (bass, hz(28)), "cello C2": (cello, hz(36)), "hum 60 Hz": (hum, 60.0), "kick": (kick, None)}
    out = {}
    for name, (x, f0) in clips.items():
        x = np.asarray(x, np.float32)[: 2 * RATE]
        x = np.pad(x, (0, 2 * RATE - len(x)))
        out[name] = (0.5 * x / max(1e-9, float(np.abs(x).max())), f0)
    return out


def _log_spectrum(x: np.ndarray) -> np.ndarray:
    spec = torch.stft(torch.from_numpy(x), 2048, 256, window=torch.hann_window(2048), return_complex=True).abs()
    return 20 * np.log10(np.maximum(spec.numpy(), 1e-5))


def low_band_lsd(original: np.ndarray, rebuilt: np.ndarray) -> float:
    """Root-mean-square dB difference of the STFT magnitudes below 500 Hz (frames where the original sounds)."""
    n = min(len(original), len(rebuilt))
    a, b = _log_spectrum(original[:n]), _log_spectrum(rebuilt[:n])
    rows = int(LOW_BAND_HZ / (RATE / 2048)) + 1
    loud = a[:rows].max(axis=0) > a.max() - 60
    return float(np.sqrt(np.mean((a[:rows, loud] - b[:rows, loud]) ** 2)))


def measure(mel: MelConfig, vae, clips: dict) -> dict:
    """Per clip {cents, lsd_db} after front end (+ VAE when given) + Griffin-Lim."""
    front, inverse = MelFrontEnd(mel), GriffinLim(mel)
    out = {}
    for name, (x, f0) in clips.items():
        with torch.no_grad():
            log_mel = front(torch.from_numpy(x)[None])  # [1, frames, mels]
            frames = log_mel.shape[1] // 8 * 8
            log_mel = log_mel[:, :frames]
            if vae is not None:
                log_mel = vae.decode(vae.encode(log_mel[:, None]).latent_dist.mode()).sample[:, 0]
            rebuilt = inverse(log_mel)[0].numpy()
        row = {"lsd_db": round(low_band_lsd(x, rebuilt), 2)}
        if f0 is not None:
            estimate = estimate_f0(rebuilt, RATE)
            row["cents"] = None if estimate is None else round(abs(cents(estimate, f0)), 1)
        out[name] = row
    return out


def quick_vae(mel: MelConfig, files: list[Path], steps: int, work: Path, batch: int = 8, crop_frames: int = 128, seed: int = 0,
              **shape):
    """A VAE of the starter's shape (or `shape`: VAEConfig's channels, latent_channels) trained for
    `steps` on `files` (checkpointed under `work`)."""
    from soundloom.engine.training.mel_cache import build_mel_cache
    from soundloom.engine.training.vae_training import VAEConfig, train_vae

    entries = [{"id": str(i), "path": str(f), "split": "train"} for i, f in enumerate(files)]
    cache = build_mel_cache(entries, Path("/"), work / "mels", mel)
    config = VAEConfig(steps=steps, batch=batch, crop_frames=crop_frames, checkpoint_every=max(1, steps // 3), seed=seed,
                       **shape)
    return train_vae(cache, work, config, float(np.log(mel.log_floor)))


OVERFIT_SHAPES = {  # name → VAEConfig fields
    "8x, 16 latent channels (v2)": {},
    "8x, 64 latent channels": {"latent_channels": 64},
    "4x (three levels), 16 latent channels": {"channels": (16, 32, 64)},
    "8x, 16 latent channels, peak- and slope-weighted loss": {"peak_weight": 3.0},
}


def overfit_report(clips: dict, steps: int, work: Path) -> dict:
    """Each OVERFIT_SHAPES VAE trained on nothing but `clips` (at four levels each), then measured on
    them: what a shape can keep at best, apart from how well it generalises."""
    import soundfile as sf

    files = []
    (work / "clips").mkdir(parents=True, exist_ok=True)
    for name, (x, _) in clips.items():
        for k in range(4):
            files.append(work / "clips" / f"{name.replace(' ', '_')}-{k}.flac")
            sf.write(files[-1], x * (0.4 + 0.2 * k), RATE)
    mel = MelConfig(n_mels=128)
    return {f"overfitted {steps} steps on the clips: {name}": measure(mel, quick_vae(mel, files, steps, work / f"overfit-{i}", **shape).eval(), clips)
            for i, (name, shape) in enumerate(OVERFIT_SHAPES.items())}


def trained_vae(path: Path):
    """A VAE folder as saved, or the first-stage VAE of the work folder with a decoder checkpoint's weights."""
    from diffusers import AutoencoderKL

    if path.is_dir():
        return AutoencoderKL.from_pretrained(path, local_files_only=True).eval()
    work = path.parents[2]  # WORK/decoder/checkpoints/step-N.pt
    vae = AutoencoderKL.from_pretrained(work / "vae" / "final", local_files_only=True)
    vae.load_state_dict(torch.load(path, map_location="cpu", weights_only=False)["model"])
    return vae.eval()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", type=Path, required=True, help="a corpus folder whose audio/ trains the quick VAEs")
    p.add_argument("--work", type=Path, required=True)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--clips", type=int, default=600, help="corpus clips the quick VAEs train on")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--crop-frames", type=int, default=128, help="mel frames per training example (100 = 1 s)")
    p.add_argument("--published", type=Path, default=Path(__file__).resolve().parents[1] / "weights" / "starter")
    p.add_argument("--only", choices=("v1", "v2", "trained"), default=None,
                   help="train only this quick candidate ('trained': measure only the --trained VAEs)")
    p.add_argument("--overfit", type=int, metavar="STEPS",
                   help="also train each VAE shape of OVERFIT_SHAPES for STEPS on the four clips alone and measure it")
    p.add_argument("--trained", type=Path, action="append", default=[], metavar="VAE",
                   help="also measure this trained 128-band VAE: a folder (WORK/vae/final or WORK/vae/refined of "
                        "starter_v2) or a checkpoint of its decoder refinement (WORK/decoder/checkpoints/step-N.pt)")
    args = p.parse_args(argv)
    from diffusers import AutoencoderKL

    torch.set_num_threads(1)
    clips = low_note_clips()
    # The clips are chosen once and remembered, so a rerun on a corpus still being built reuses its mel cache.
    chosen = args.work / "quick-clips.json"
    if chosen.exists():
        files = [Path(f) for f in json.loads(chosen.read_text())]
    else:
        files = sorted(p.resolve() for p in (args.corpus / "audio").rglob("*.flac"))
        files = random.Random(0).sample(files, min(args.clips, len(files)))
        args.work.mkdir(parents=True, exist_ok=True)
        chosen.write_text(json.dumps([str(f) for f in files]))
    v1_mel, v2_mel = MelConfig(n_mels=64), MelConfig(n_mels=128)
    report = {}
    if args.only in (None, "trained"):
        report["mel only, 64 bands (v1)"] = measure(v1_mel, None, clips)
        report["mel only, 128 bands (v2)"] = measure(v2_mel, None, clips)
        published = AutoencoderKL.from_pretrained(args.published / "vae", local_files_only=True).eval()
        report["v1 published VAE (64 bands, 8x, 2500 steps + decoder refinement)"] = measure(v1_mel, published, clips)
    if args.overfit:
        report.update(overfit_report(clips, args.overfit, args.work))
    for path in args.trained:
        report[f"v2 trained VAE ({v2_mel.n_mels} bands, 8x): {path}"] = measure(v2_mel, trained_vae(path), clips)
    for tag, mel in (("v1", v1_mel), ("v2", v2_mel)):
        if args.only in (None, tag):
            vae = quick_vae(mel, files, args.steps, args.work / f"quick-{tag}", args.batch, args.crop_frames)
            report[f"{tag} shape ({mel.n_mels} bands, 8x), {args.steps} steps of batch {args.batch}"] = measure(mel, vae, clips)
    print(json.dumps(report, indent=2))
    (args.work / f"low-notes{'-' + args.only if args.only else ''}.json").write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
