"""Cost of the 44.1 kHz Descript Audio Codec on this CPU, per second of audio.

A random-weight DAC of the published 44.1 kHz shape (76.7 M parameters) encodes, quantises with all
9 levels and decodes a clip; the table gives the median seconds of compute per second of audio for
each stage (below 1: faster than real time), measured interleaved in one run. A second row decodes
with the weight norm folded into plain weights, to show what the per-call weight computation costs.

    nice -n 10 python bench/dac.py [--seconds 2] [--repeats 3] [--threads N]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch.nn.utils import parametrize


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    from soundloom.engine.codecs.dac import DAC
    from soundloom.engine.codecs.dac_config import DAC_44KHZ

    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    model = DAC(DAC_44KHZ).eval()
    # A separate model, not a deepcopy: copies share the parametrised classes that folding edits.
    folded = DAC(DAC_44KHZ).eval()
    folded.load_state_dict(model.state_dict())
    for module in list(folded.modules()):
        if parametrize.is_parametrized(module, "weight"):
            parametrize.remove_parametrizations(module, "weight")
    samples = int(args.seconds * DAC_44KHZ.sample_rate)
    t = torch.arange(samples) / DAC_44KHZ.sample_rate
    audio = (0.3 * torch.sin(2 * torch.pi * 220 * t) + 0.05 * torch.randn(samples))[None, None]

    times: dict[str, list[float]] = {"encode": [], "quantize (9 levels)": [], "decode": [], "decode, folded weight norm": []}
    with torch.inference_mode():
        z = model.encode(audio)
        z_q = model.quantize(z).z_q
        model.decode(z_q[..., :8])  # warm-up
        for _ in range(args.repeats):
            times["encode"].append(timed(lambda: model.encode(audio)))
            times["quantize (9 levels)"].append(timed(lambda: model.quantize(z)))
            times["decode"].append(timed(lambda: model.decode(z_q)))
            times["decode, folded weight norm"].append(timed(lambda: folded.decoder(z_q)))

    print(f"DAC 44.1 kHz, random weights, {args.seconds:g} s clip ({z.shape[-1]} frames), "
          f"{args.threads} threads, median of {args.repeats}")
    print(f"{'stage':<30}{'s per s of audio':>18}{'x real time':>14}")
    medians = {name: statistics.median(values) / args.seconds for name, values in times.items()}
    for name, cost in medians.items():
        print(f"{name:<30}{cost:>18.3f}{1 / cost:>14.2f}")
    print(f"decode / encode cost: {medians['decode'] / medians['encode']:.2f}")
    print(f"folded / weight-normalised decode: {medians['decode, folded weight norm'] / medians['decode']:.2f}")


if __name__ == "__main__":
    main()
