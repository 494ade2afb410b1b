"""Inpainting cost against clip length, and the seams it leaves.

  * time to regenerate a 1 s region in the middle of 5 s, 30 s and 180 s clips (48 kHz stereo, as
    a DAW take would be), the engine's way (a window around the region), and for 5 s and 30 s
    also denoising the whole clip, as inpainting did before windows; runs interleaved, medians;
  * seam quality on the same 5 s clip, windowed against whole-clip: the spectral flux across each
    region edge (mean absolute change of the log spectrum between neighbouring frames, the largest
    within 30 ms of the edge), divided by the clip's own median flux, over several seeds. A seam
    that clicks or jumps in timbre scores high; 1 is as smooth as the clip's ordinary frames.

    python bench/inpaint_length.py [--model FOLDER] [--steps 15] [--repeats 3] [--seeds 6]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from pathlib import Path

import numpy as np

warnings.filterwarnings("ignore")
RATE = 48_000
WHOLE = 10**9  # a window length no clip reaches: the whole clip is denoised at once


def take(model, seconds: float) -> np.ndarray:
    """A stereo 48 kHz clip of `seconds`: two of the model's own 5 s sounds, alternating, at varied levels."""
    from soundloom.engine.audio import resample
    from soundloom.engine.pipelines import GenerateRequest, generate

    parts = [generate(model, GenerateRequest(prompt=p, seconds=5.0, steps=15, seed=0)).audio[0]
             for p in ("steady rain on a window", "a cello playing a slow melody")]
    parts = [resample(p, model.sample_rate, RATE) for p in parts]
    gains = np.random.default_rng(0).uniform(0.6, 1.0, 64)
    tiled = np.concatenate([parts[i % 2] * gains[i] for i in range(int(np.ceil(seconds / 5.0)))], axis=1)
    mono = tiled[0, : int(seconds * RATE)]
    return np.stack([mono, 0.9 * np.roll(mono, 24)]).astype(np.float32)


def log_spectra(mono: np.ndarray, n_fft: int = 1024, hop: int = 240) -> tuple[np.ndarray, int, int]:
    frames = np.lib.stride_tricks.sliding_window_view(mono, n_fft)[::hop] * np.hanning(n_fft)
    return np.log(np.abs(np.fft.rfft(frames, axis=1)) + 1e-5), hop, n_fft


def seam_flux(out: np.ndarray, edges: list[float]) -> list[float]:
    """Flux at each edge (seconds) over the clip's median flux."""
    spectra, hop, n_fft = log_spectra(out.mean(axis=0))
    flux = np.abs(np.diff(spectra, axis=0)).mean(axis=1)
    centres = (np.arange(len(flux)) + 1) * hop + n_fft / 2
    typical = float(np.median(flux))
    return [float(flux[np.abs(centres - e * RATE) <= 0.03 * RATE].max()) / typical for e in edges]


def main() -> None:
    from soundloom.engine.engine import STARTER_PATH
    from soundloom.engine.models.loading import load_model
    from soundloom.engine.pipelines import InpaintRequest
    from soundloom.engine.pipelines.inpaint import regenerate

    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path, default=STARTER_PATH)
    parser.add_argument("--steps", type=int, default=15)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=6)
    args = parser.parse_args()
    model = load_model(args.model)

    def run(clip: np.ndarray, region: tuple[float, float], window: int | None, seed: int = 0) -> np.ndarray:
        request = InpaintRequest(prompt="a dog barking", audio=clip, sample_rate=RATE, regions=[region],
                                 steps=args.steps, seed=seed)
        request.validate()
        return regenerate(model, request, request.audio, request.regions, None, window_frames=window)[0][0]

    clips = {seconds: take(model, seconds) for seconds in (5, 30, 180)}
    cases = {f"{s} s clip, windowed": (s, None) for s in clips}
    cases.update({f"{s} s clip, whole clip": (s, WHOLE) for s in (5, 30)})
    region = lambda s: (s / 2 - 0.5, s / 2 + 0.5)  # noqa: E731
    for seconds, window in cases.values():  # warm-up
        run(clips[seconds], region(seconds), window)
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.repeats):
        for name, (seconds, window) in cases.items():
            started = time.perf_counter()
            run(clips[seconds], region(seconds), window)
            times[name].append(time.perf_counter() - started)
    median = {name: statistics.median(t) for name, t in times.items()}
    print(f"1 s region, {model.name}, {args.steps} steps, 48 kHz stereo, median of {args.repeats} interleaved runs")
    for name, t in median.items():
        print(f"  {name:26s} {t:7.2f} s")
    base = median["5 s clip, windowed"]
    print(f"windowed 180 s / windowed 5 s: {median['180 s clip, windowed'] / base:.2f}  (goal <= 1.5)")
    print(f"windowed 30 s / windowed 5 s:  {median['30 s clip, windowed'] / base:.2f}")
    print(f"whole-clip 30 s / whole-clip 5 s (before windows): "
          f"{median['30 s clip, whole clip'] / median['5 s clip, whole clip']:.2f}")

    start, end = region(5)
    flux = {"windowed": [], "whole clip": []}
    for seed in range(args.seeds):
        for name, window in (("windowed", None), ("whole clip", WHOLE)):
            flux[name] += seam_flux(run(clips[5], (start, end), window, seed), [start, end])
    original = seam_flux(clips[5], [start, end])
    print(f"seam flux at the region edges of the 5 s clip / the clip's median flux, {args.seeds} seeds x 2 edges "
          f"(the untouched clip there: {np.mean(original):.2f}):")
    for name, values in flux.items():
        print(f"  {name:10s} mean {np.mean(values):.2f}, median {np.median(values):.2f}, max {np.max(values):.2f}")


if __name__ == "__main__":
    main()
