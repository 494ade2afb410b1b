"""Does channels-last memory format or torch.compile make the denoiser faster on this CPU?

For the starter UNet and a random-weight UNet with AudioLDM's real layout ("realistic" preset), one
guided denoiser call for a 5 s clip (batch 2: unconditional and conditional) is timed in each
variant, float32 and under bfloat16 autocast, all variants interleaved in one run; medians are
compared with the plain float32 / plain bfloat16 call. torch.compile's one-off compile time is
printed separately, as what a first request would pay.

    python bench/unet_speedups.py [--repeats 7] [--compile none|fp32|both] [--models starter realistic]
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


def inputs(model, seconds: float):
    from soundloom.engine.pipelines import common
    from soundloom.engine.pipelines.requests import GenerateRequest

    request = GenerateRequest(prompt="soft rain on a window", seconds=seconds, guidance=3.0)
    frames = common.latent_frames(model, round(seconds * model.sample_rate))
    latents = torch.randn(2, *model.latent_shape(frames), generator=torch.Generator().manual_seed(0))
    kwargs = common.conditioning(model, request).unet_kwargs([1])
    return latents, torch.tensor(500), kwargs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--compile", choices=("none", "fp32", "both"), default="both",
                        help="which precisions to time compiled (each compile takes minutes on a small CPU)")
    parser.add_argument("--models", nargs="+", choices=("starter", "realistic"), default=["starter", "realistic"])
    args = parser.parse_args()

    from soundloom.engine.engine import STARTER_PATH
    from soundloom.engine.models.loading import load_model
    from soundloom.engine.models.untrained import build_untrained_audioldm

    folders = {"starter": STARTER_PATH}
    if "realistic" in args.models:
        folders["realistic AudioLDM"] = build_untrained_audioldm(Path(tempfile.mkdtemp()) / "realistic", "realistic")
    print(f"{torch.get_num_threads()} torch threads; one guided UNet call (batch 2) for a {args.seconds:g} s clip; "
          f"median of {args.repeats} interleaved calls")
    for name, folder in folders.items():
        if name.split()[0] not in args.models:
            continue
        model = load_model(folder)
        latents, t, kwargs = inputs(model, args.seconds)
        unet = model.unet
        unet_last = _channels_last_copy(model)
        runs: dict[str, callable] = {}
        for dtype in (torch.float32, torch.bfloat16):
            label = "fp32" if dtype is torch.float32 else "bf16"

            def call(module, x, dtype=dtype):
                with torch.no_grad(), torch.autocast("cpu", dtype=dtype, enabled=dtype is not torch.float32):
                    return module(x, t, **kwargs).sample

            runs[f"{label} plain"] = (lambda call=call: call(unet, latents))
            if latents.dim() == 4:
                last = latents.contiguous(memory_format=torch.channels_last)
                runs[f"{label} channels-last"] = (lambda call=call, last=last: call(unet_last, last))
        compiled = None
        if args.compile != "none":
            compiled = torch.compile(unet)
            for dtype, label in ((torch.float32, "fp32"), (torch.bfloat16, "bf16"))[: 1 if args.compile == "fp32" else 2]:
                def call_compiled(dtype=dtype):
                    with torch.no_grad(), torch.autocast("cpu", dtype=dtype, enabled=dtype is not torch.float32):
                        return compiled(latents, t, **kwargs).sample
                start = time.perf_counter()
                call_compiled()
                print(f"  {name}: torch.compile first call ({label}) {time.perf_counter() - start:.1f} s")
                runs[f"{label} torch.compile"] = call_compiled
        for run in runs.values():  # warm-up
            run()
        times = {k: [] for k in runs}
        for _ in range(args.repeats):
            for k, run in runs.items():
                start = time.perf_counter()
                run()
                times[k].append(time.perf_counter() - start)
        median = {k: statistics.median(v) for k, v in times.items()}
        print(f"{name} UNet, latents {tuple(latents.shape)}:")
        for k, v in median.items():
            base = median[k.split()[0] + " plain"]
            print(f"  {k:22s} {v * 1000:8.1f} ms  x{v / base:.2f} of {k.split()[0]} plain")


def _channels_last_copy(model) -> torch.nn.Module:
    """The model's UNet with its 4-D weights in channels-last order (a deep copy; the original stays)."""
    import copy

    return copy.deepcopy(model.unet).to(memory_format=torch.channels_last)


if __name__ == "__main__":
    main()
