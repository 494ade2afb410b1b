"""Struck objects by modal synthesis: the resonances of a body of a given material and size,
driven by a short contact force, plus the noise transient of the contact itself.

What a listener hears as the material is mostly how fast the modes die away and how they are
spaced. Each material has an internal loss factor: a mode at f Hz decays with time constant
1 / (pi * f * loss) seconds, so metal (tiny loss) rings for seconds, wood and plastic (large
loss) for a few hundredths, and high modes always die before low ones. Size scales every mode
frequency inversely (a bigger body of the same shape rings lower). Hard materials meet the
striker only briefly, so the contact force is shorter and excites higher modes.
Frequencies in Hz, durations in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from . import dsp


@dataclass(frozen=True)
class Material:
    ratios: tuple[float, ...]  # mode frequencies relative to the lowest one
    loss: tuple[float, float]  # internal loss factor range (dimensionless)
    f0_hz: float  # lowest mode of a medium-sized object
    contact_s: float  # duration of the contact force
    noise_band_hz: tuple[float, float]  # band of the contact's noise transient (medium size)
    noise_level: float  # transient level relative to the ringing body
    beating: bool = False  # near-degenerate mode pairs that beat (round metal and glass shells)


# Mode ratios: a free bar for wood and plastic (1, 2.76, 5.40, 8.93), shells and plates for the
# rest; loss factors are the orders of magnitude measured for these materials.
MATERIALS: dict[str, Material] = {
    "wood": Material((1.0, 2.76, 5.40, 8.93), (0.010, 0.022), 420.0, 0.0012, (600, 3500), 0.7),
    "metal": Material(
        (1.0, 1.59, 2.14, 2.65, 3.50, 4.15, 5.43, 6.21), (0.0003, 0.0009), 520.0, 0.0003, (2500, 7500), 0.3, True
    ),
    "glass": Material((1.0, 2.32, 4.25, 6.63, 9.38), (0.0005, 0.0015), 1100.0, 0.00025, (3000, 7500), 0.25, True),
    "ceramic": Material((1.0, 2.15, 3.60, 5.20, 7.10), (0.002, 0.005), 850.0, 0.0004, (2000, 6500), 0.45),
    "plastic": Material((1.0, 2.40, 4.10, 6.30), (0.03, 0.06), 480.0, 0.0016, (500, 3000), 0.8),
    "stone": Material((1.0, 2.30, 3.90, 5.80, 8.10), (0.006, 0.012), 700.0, 0.0007, (1000, 5000), 0.9),
}
SIZES: tuple[str, ...] = ("small", "medium", "large")
SIZE_FACTOR = {"small": 1.9, "medium": 1.0, "large": 0.45}  # mode frequency multiplier
MAX_RING_S = 3.0  # longest mode decay time constant kept, so a clip stays under ten seconds


def mode_frequencies(material: str, size: str, tune: float = 1.0) -> np.ndarray:
    """Mode frequencies (Hz) of an object; `tune` (about 0.8..1.25) varies objects of one size."""
    m = MATERIALS[material]
    return m.f0_hz * SIZE_FACTOR[size] * tune * np.asarray(m.ratios)


def decay_times(material: str, freqs_hz: np.ndarray, damping: float = 0.5) -> np.ndarray:
    """Decay time constants (s) of modes at `freqs_hz`; `damping` 0..1 picks the loss factor
    within the material's range."""
    low, high = MATERIALS[material].loss
    loss = low * (high / low) ** float(np.clip(damping, 0.0, 1.0))
    return np.minimum(1.0 / (np.pi * freqs_hz * loss), MAX_RING_S)


def strike(
    rng: np.random.Generator,
    material: str,
    size: str,
    tune: float = 1.0,
    damping: float = 0.5,
    hardness: float = 1.0,
    length_s: float | None = None,
) -> np.ndarray:
    """One strike of an object: 16 kHz samples, peak 1.

    `hardness` (about 0.3..2) scales the striker: a soft one (a fingertip, a knuckle) touches
    longer and excites fewer high modes than a hard one (a spoon, a floor)."""
    m = MATERIALS[material]
    freqs = mode_frequencies(material, size, tune) * rng.uniform(0.98, 1.02, len(m.ratios))
    amps = rng.uniform(0.4, 1.0, len(freqs)) / np.arange(1, len(freqs) + 1) ** 0.5
    if m.beating:  # a second mode a fraction of a percent away makes the ring shimmer
        freqs = np.concatenate([freqs, freqs * rng.uniform(1.002, 1.008, len(freqs))])
        amps = np.concatenate([amps, amps * rng.uniform(0.3, 0.8, len(amps))])
    taus = decay_times(material, freqs, damping)
    if length_s is None:
        length_s = float(min(6.0 * taus.max(), 4.0)) + 0.02
    ring = dsp.modal_hit(rng, list(freqs), list(taus), list(amps), length_s)
    # The contact force is a half-sine pulse (scipy's cosine window); convolving with it is
    # the low-pass a soft or long contact puts on the modes.
    contact = signal.windows.cosine(max(3, dsp.n_samples(m.contact_s / max(hardness, 0.05))))
    ring = signal.fftconvolve(ring, contact / contact.sum())[: len(ring)]
    ring /= np.max(np.abs(ring)) + 1e-12
    n = len(ring)
    band = np.asarray(m.noise_band_hz) * np.sqrt(SIZE_FACTOR[size] * tune) * min(hardness, 1.5) ** 0.5
    transient = dsp.butter(dsp.white_noise(rng, n), "bandpass", (band[0], band[1])) * dsp.ad_envelope(n, 0.0003, 0.003)
    transient /= np.max(np.abs(transient)) + 1e-12
    y = ring + m.noise_level * transient
    return y / (np.max(np.abs(y)) + 1e-12)

