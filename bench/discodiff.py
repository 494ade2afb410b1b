"""DiscoDiff's cost per second of 44.1 kHz audio on this CPU: coarse stage, fine stage, codec;
beside an AudioLDM-shaped model (its realistic untrained layout) measured in the same run.

Both models are random-weight folders with their family's real layout: DiscoDiff with the published
DAC (9 levels × 8 = 72 channels, hop 512) and two narrow diffusion transformers. Each measurement is
one guided denoiser call (prompt and negative rows together) on a clip of `--seconds`, or one
decode / encode of it; runs are interleaved and medians reported, as this machine's speed drifts.

    nice -n 10 python -m soundloom.bench.discodiff [--seconds 5] [--repeats 3] [--steps 50]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import torch

warnings.filterwarnings("ignore")


def _params(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def _step(model, frames: int):
    """One guided denoiser call on `frames` latent frames at the first timestep of a run."""
    from soundloom.engine.pipelines.schedulers import scheduler_for

    conditioning = model.encode_text(["soft rain on a window"], [""])
    kwargs = conditioning.unet_kwargs([1])
    scheduler = scheduler_for(model, "ddim")
    scheduler.set_timesteps(10)
    latents = torch.randn((2, *model.latent_shape(frames)))
    return lambda t: model.predict(latents, t, kwargs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=50, help="steps per stage of a whole run, for its estimate")
    args = parser.parse_args(argv)
    torch.set_grad_enabled(False)

    from soundloom.engine.models.loading import load_model
    from soundloom.engine.models.untrained import build_untrained_audioldm
    from soundloom.engine.models.untrained_discodiff import build_untrained_discodiff
    from soundloom.engine.pipelines import common

    root = Path(tempfile.mkdtemp())
    disco = load_model(build_untrained_discodiff(root / "discodiff", "realistic"))
    ldm = load_model(build_untrained_audioldm(root / "audioldm", "realistic"))

    disco_frames = common.latent_frames(disco, int(args.seconds * disco.sample_rate))
    ldm_frames = common.latent_frames(ldm, int(args.seconds * ldm.sample_rate))
    disco_step, ldm_step = _step(disco, disco_frames), _step(ldm, ldm_frames)
    coarse_t, fine_t = torch.tensor(disco.offset + 50), torch.tensor(50)
    ldm_t = torch.tensor(500)
    disco_latents = torch.randn((1, *disco.latent_shape(disco_frames)))
    ldm_latents = torch.randn((1, *ldm.latent_shape(ldm_frames)))
    clip = torch.zeros((1, int(args.seconds * disco.sample_rate)))

    runs = {
        "DiscoDiff coarse stage, one guided step": lambda: disco_step(coarse_t),
        "DiscoDiff fine stage, one guided step": lambda: disco_step(fine_t),
        "DiscoDiff codec decode (DAC)": lambda: disco.latents_to_waveform(disco_latents),
        "DiscoDiff codec encode (DAC)": lambda: disco.waveform_to_latents(clip),
        "AudioLDM-shaped UNet, one guided step": lambda: ldm_step(ldm_t),
        "AudioLDM-shaped decode (VAE + vocoder)": lambda: ldm.latents_to_waveform(ldm_latents),
    }
    for run in runs.values():  # warm-up
        run()
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    per_second = {name: statistics.median(t) / args.seconds for name, t in times.items()}

    print(f"{args.seconds:g} s clips, median of {args.repeats}, {torch.get_num_threads()} threads")
    print(f"DiscoDiff: coarse {_params(disco.unet.coarse) / 1e6:.2f} M + fine {_params(disco.unet.fine) / 1e6:.2f} M "
          f"parameters, {disco_frames} frames × {disco.codec.channels} channels; codec {_params(disco.codec) / 1e6:.1f} M")
    print(f"AudioLDM-shaped: UNet {_params(ldm.unet) / 1e6:.2f} M parameters, latent {list(ldm.latent_shape(ldm_frames))}; "
          f"VAE + vocoder {(_params(ldm.vae) + _params(ldm.vocoder)) / 1e6:.1f} M")
    for name, value in per_second.items():
        print(f"  {name:42s} {1000 * value:8.1f} ms per second of audio")
    disco_run = args.steps * (per_second["DiscoDiff coarse stage, one guided step"] + per_second["DiscoDiff fine stage, one guided step"]) \
        + per_second["DiscoDiff codec decode (DAC)"]
    ldm_run = args.steps * per_second["AudioLDM-shaped UNet, one guided step"] + per_second["AudioLDM-shaped decode (VAE + vocoder)"]
    print(f"whole generate, {args.steps} steps per stage (DiscoDiff: two stages): DiscoDiff {disco_run:.2f} s, "
          f"AudioLDM-shaped {ldm_run:.2f} s per second of audio; ratio {disco_run / ldm_run:.2f}")
    print(f"per step, both DiscoDiff stages / AudioLDM-shaped UNet: "
          f"{(per_second['DiscoDiff coarse stage, one guided step'] + per_second['DiscoDiff fine stage, one guided step']) / per_second['AudioLDM-shaped UNet, one guided step']:.2f}; "
          f"decode DAC / VAE + vocoder: {per_second['DiscoDiff codec decode (DAC)'] / per_second['AudioLDM-shaped decode (VAE + vocoder)']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
