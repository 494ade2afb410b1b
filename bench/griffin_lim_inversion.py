"""The starter vocoder's mel → magnitude fit: sparse products (the engine's) against the same
updates on the full dense matrix, interleaved, at 64 and 128 mel bands, on the log-mels of real
generated clips. Prints each one's median time, the ratio, and how far the fitted spectra differ.

    python bench/griffin_lim_inversion.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import torch

warnings.filterwarnings("ignore")


def dense_fit(vocoder, log_mel: torch.Tensor) -> torch.Tensor:
    """The fit as written before the sparse products: every atom against every band."""
    from soundloom.engine.models.griffin_lim import sinusoid_atoms, ATOM_OVERSAMPLING
    from soundloom.engine.models.mel import MelFrontEnd

    atoms = sinusoid_atoms(vocoder.mel.n_fft, ATOM_OVERSAMPLING)
    bands = atoms @ MelFrontEnd(vocoder.mel).filters
    target = torch.exp(log_mel.float())
    totals = bands.sum(dim=-1)
    weights = target.mean(dim=-1, keepdim=True) / totals.mean() * torch.ones_like(totals)
    for _ in range(vocoder.inversion_iterations):
        weights = weights * ((target / (weights @ bands + 1e-12)) @ bands.T) / totals
    return weights @ atoms


def main() -> None:
    from soundloom.engine.engine import STARTER_PATH
    from soundloom.engine.models.griffin_lim import GriffinLim
    from soundloom.engine.models.loading import load_model
    from soundloom.engine.models.mel import MelConfig, MelFrontEnd
    from soundloom.engine.pipelines import GenerateRequest, generate

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    torch.set_grad_enabled(False)
    starter = load_model(STARTER_PATH)
    clip = generate(starter, GenerateRequest(prompt="a cello playing C2", seconds=5.0, seed=1)).audio[0]
    for n_mels in (64, 128):
        mel = MelConfig(n_mels=n_mels)
        vocoder = GriffinLim(mel)
        log_mel = MelFrontEnd(mel)(torch.from_numpy(clip.mean(axis=0))[None])
        sparse = vocoder.magnitude(log_mel)
        dense = dense_fit(vocoder, log_mel)
        times = {"sparse": [], "dense": []}
        for _ in range(args.repeats):
            for name, fit in (("sparse", lambda: vocoder.magnitude(log_mel)), ("dense", lambda: dense_fit(vocoder, log_mel))):
                start = time.perf_counter()
                fit()
                times[name].append(time.perf_counter() - start)
        median = {name: statistics.median(t) for name, t in times.items()}
        difference = float((sparse - dense).abs().max() / dense.abs().max())
        print(f"{n_mels} mel bands, 5 s clip: sparse {median['sparse']:.3f} s, dense {median['dense']:.3f} s, "
              f"sparse / dense {median['sparse'] / median['dense']:.2f}; largest difference {difference:.2e} of the peak")


if __name__ == "__main__":
    main()
