"""Signal building blocks for the procedural sound effects (numpy/scipy, 16 kHz).

Everything random takes a `numpy.random.Generator`, so a clip is a pure function of its seed.
Frequencies are in Hz, times and durations in seconds, levels in dB.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from scipy import signal
from scipy.interpolate import CubicSpline

from .audio import SAMPLE_RATE

NYQUIST = SAMPLE_RATE / 2.0
STFT_SIZE = 512  # samples: 32 ms frames, fine enough for gusts and sweeps, coarse enough to be cheap
STFT_HOP = 128


def n_samples(seconds: float) -> int:
    return max(1, int(round(seconds * SAMPLE_RATE)))


def sample_index(seconds: float) -> int:
    """The sample at which an event `seconds` after the start begins."""
    return int(round(seconds * SAMPLE_RATE))


def times(n: int) -> np.ndarray:
    """Sample times in seconds for n samples."""
    return np.arange(n) / SAMPLE_RATE


def white_noise(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.standard_normal(n)


def coloured_noise(rng: np.random.Generator, n: int, exponent: float) -> np.ndarray:
    """Noise with power spectrum 1/f^exponent (0 white, 1 pink, 2 brown), unit RMS.

    Below 20 Hz the spectrum is held flat so brown noise does not drift like a DC offset."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / SAMPLE_RATE)
    spectrum *= 1.0 / np.maximum(f, 20.0) ** (exponent / 2.0)
    y = np.fft.irfft(spectrum, n)
    return y / (np.sqrt(np.mean(y**2)) + 1e-12)


def shaped_noise(rng: np.random.Generator, n: int, gains: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """Noise whose spectrum changes over time: `gains(frame_times_s, freqs_hz)` returns linear
    amplitude gains of shape (len(freqs), len(frame_times)).

    Filtering white noise in the STFT domain makes moving band-pass filters (wind, whooshes,
    surf) cheap and click-free: overlap-add smooths the change from one frame to the next.
    """
    noise = rng.standard_normal(n)
    f, t, z = signal.stft(noise, SAMPLE_RATE, nperseg=STFT_SIZE, noverlap=STFT_SIZE - STFT_HOP)
    g = np.asarray(gains(t, f), dtype=np.float64)
    _, y = signal.istft(z * g, SAMPLE_RATE, nperseg=STFT_SIZE, noverlap=STFT_SIZE - STFT_HOP)
    return y[:n] if len(y) >= n else np.pad(y, (0, n - len(y)))


def band_gain(freqs: np.ndarray, centre_hz: np.ndarray, width_octaves: np.ndarray | float) -> np.ndarray:
    """Gaussian band-pass on a log-frequency axis: 1 at `centre_hz`, falling with distance in
    octaves; `centre_hz` may vary per frame (shape (frames,)), giving (freqs, frames)."""
    f = np.maximum(freqs, 1.0)[:, None]
    c = np.atleast_1d(centre_hz)[None, :]
    w = np.atleast_1d(width_octaves)[None, :] if np.ndim(width_octaves) else width_octaves
    return np.exp(-0.5 * (np.log2(f / c) / w) ** 2)


def lowpass_gain(freqs: np.ndarray, cutoff_hz: np.ndarray, order: float = 2.0) -> np.ndarray:
    """Butterworth-like low-pass magnitude with a per-frame cutoff, shape (freqs, frames)."""
    f = freqs[:, None]
    c = np.atleast_1d(cutoff_hz)[None, :]
    return 1.0 / np.sqrt(1.0 + (f / c) ** (2 * order))


def highpass_gain(freqs: np.ndarray, cutoff_hz: float, order: float = 2.0) -> np.ndarray:
    f = np.maximum(freqs, 1e-3)[:, None]
    return 1.0 / np.sqrt(1.0 + (cutoff_hz / f) ** (2 * order))


def butter(x: np.ndarray, kind: str, cutoff_hz, order: int = 2) -> np.ndarray:
    """Static Butterworth filter ("lowpass", "highpass", "bandpass" with a (lo, hi) pair)."""
    cutoff = np.clip(np.asarray(cutoff_hz, dtype=float), 10.0, NYQUIST * 0.98)
    sos = signal.butter(order, cutoff, btype=kind, fs=SAMPLE_RATE, output="sos")
    return signal.sosfilt(sos, x)


def phase_from_freq(freq_hz: np.ndarray) -> np.ndarray:
    """Running phase in cycles for an instantaneous frequency curve (Hz per sample)."""
    return np.cumsum(freq_hz) / SAMPLE_RATE


def additive(phase_cycles: np.ndarray, freq_hz: np.ndarray, harmonic_amps: list[float] | np.ndarray) -> np.ndarray:
    """Sum of harmonics k=1.. with the given amplitudes, each muted where k*f would alias."""
    y = np.zeros_like(phase_cycles)
    for k, a in enumerate(harmonic_amps, start=1):
        if a == 0:
            continue
        audible = (k * freq_hz) < NYQUIST * 0.95
        if not np.any(audible):
            break
        y += a * np.sin(2 * np.pi * k * phase_cycles) * audible
    return y


def saw_amps(n: int) -> list[float]:
    return [1.0 / k for k in range(1, n + 1)]


def square_amps(n: int) -> list[float]:
    return [1.0 / k if k % 2 else 0.0 for k in range(1, n + 1)]


def smooth_random(rng: np.random.Generator, n: int, rate_hz: float, low: float = 0.0, high: float = 1.0) -> np.ndarray:
    """A slowly wandering control curve between `low` and `high`, changing about `rate_hz`
    times a second (cubic interpolation of random points)."""
    points = max(4, int(np.ceil(n / SAMPLE_RATE * rate_hz)) + 3)
    values = rng.uniform(low, high, points)
    x = np.linspace(0, points - 3, n)
    curve = CubicSpline(np.arange(points), values)(x + 1)
    return np.clip(curve, low, high)


def ad_envelope(n: int, attack_s: float, decay_s: float, curve: float = 1.0) -> np.ndarray:
    """Attack (linear) then exponential decay with time constant `decay_s` seconds."""
    t = times(n)
    a = np.clip(t / max(attack_s, 1e-4), 0.0, 1.0) ** curve
    d = np.exp(-np.maximum(t - attack_s, 0.0) / max(decay_s, 1e-4))
    return a * d


def fades(x: np.ndarray, in_s: float = 0.005, out_s: float = 0.02) -> np.ndarray:
    """Short raised-cosine fade in and out so a generated clip starts and ends without a click."""
    y = x.copy()
    n_in, n_out = min(n_samples(in_s), len(y)), min(n_samples(out_s), len(y))
    y[:n_in] *= 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, n_in))
    y[len(y) - n_out :] *= 0.5 + 0.5 * np.cos(np.linspace(0.0, np.pi, n_out))
    return y


def place(buffer: np.ndarray, event: np.ndarray, start: int, gain: float = 1.0) -> None:
    """Add `event` into `buffer` at sample `start`, clipped to the buffer (in place)."""
    if start >= len(buffer) or start + len(event) <= 0:
        return
    lo = max(0, start)
    hi = min(len(buffer), start + len(event))
    buffer[lo:hi] += gain * event[lo - start : hi - start]


def impulse_bank(
    rng: np.random.Generator, n: int, times_s: np.ndarray, amps: np.ndarray, kernels: list[np.ndarray]
) -> np.ndarray:
    """Many short events at once: each event goes to one of the kernels at random, and each
    kernel's impulse train is convolved with it (one FFT per kernel, not one per event)."""
    out = np.zeros(n)
    which = rng.integers(len(kernels), size=len(times_s))
    idx = np.clip((times_s * SAMPLE_RATE).astype(int), 0, n - 1)
    for k, kernel in enumerate(kernels):
        train = np.zeros(n)
        sel = which == k
        np.add.at(train, idx[sel], amps[sel])
        out += signal.fftconvolve(train, kernel)[:n]
    return out


def modal_hit(
    rng: np.random.Generator, freqs_hz: list[float], decays_s: list[float], amps: list[float], length_s: float
) -> np.ndarray:
    """A struck resonant body: damped sinusoids at the given mode frequencies with random phase."""
    n = n_samples(length_s)
    t = times(n)
    y = np.zeros(n)
    for f, d, a in zip(freqs_hz, decays_s, amps):
        if f < NYQUIST * 0.95:
            y += a * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi)) * np.exp(-t / d)
    return y


def room(rng: np.random.Generator, x: np.ndarray, rt60_s: float, wet: float, tone_hz: float = 5000.0) -> np.ndarray:
    """Simple reverberation: convolution with exponentially decaying, low-passed noise.

    `rt60_s` is the time for the tail to fall 60 dB, `wet` the tail's share (0..1). The output
    is as long as the input; the caller pads first if it wants to keep the whole tail."""
    n_ir = n_samples(rt60_s)
    t = times(n_ir)
    ir = rng.standard_normal(n_ir) * np.exp(-6.9 * t / rt60_s)
    ir = butter(ir, "lowpass", tone_hz)
    ir[: n_samples(0.005)] = 0.0  # a short pre-delay keeps the direct sound clear
    ir /= np.sqrt(np.sum(ir**2)) + 1e-12
    tail = signal.fftconvolve(x, ir)[: len(x)]
    dry_rms = np.sqrt(np.mean(x**2)) + 1e-12
    tail *= dry_rms / (np.sqrt(np.mean(tail**2)) + 1e-12)
    return (1.0 - wet) * x + wet * tail
