"""Pitch arithmetic and the f0 estimator shared by the corpus checks, evaluation and note tuning."""

from __future__ import annotations

import numpy as np


def midi_to_hz(pitch: float) -> float:
    """Frequency in Hz of a MIDI pitch (69 = A4 = 440 Hz, equal temperament)."""
    return float(440.0 * 2.0 ** ((pitch - 69.0) / 12.0))


def hz_to_midi(freq_hz: float) -> float:
    """MIDI pitch (fractional) of a frequency in Hz."""
    return float(69.0 + 12.0 * np.log2(freq_hz / 440.0))


def cents(freq_hz: float, reference_hz: float) -> float:
    """Interval from `reference_hz` to `freq_hz` in cents (100 cents = one semitone)."""
    return float(1200.0 * np.log2(freq_hz / reference_hz))


def estimate_f0(
    x: np.ndarray, rate_hz: int = 16000, fmin_hz: float = 30.0, fmax_hz: float = 2000.0, threshold: float = 0.15
) -> float | None:
    """Fundamental frequency in Hz of a (mostly) steady pitched sound, or None if unpitched.

    `threshold` is YIN's aperiodicity limit (0..1): raise it (e.g. 0.35) for noisy periodic
    sounds such as engines.

    A YIN-style difference function over 40 ms frames gives a coarse median f0; a long
    zero-padded spectrum then refines it to the interpolated peak within a semitone, which is
    accurate to about a cent for a one-second note.
    """
    x = np.asarray(x, dtype=np.float64)
    if len(x) < int(0.1 * rate_hz) or np.max(np.abs(x)) == 0:
        return None
    coarse = _yin_median(x, rate_hz, fmin_hz, fmax_hz, threshold)
    if coarse is None:
        return None
    # Skip the attack, where partials are not yet settled, and use at most two seconds.
    start = min(len(x) // 4, int(0.1 * rate_hz))
    seg = x[start : start + 2 * rate_hz]
    n = 1 << int(np.ceil(np.log2(len(seg) * 8)))
    spectrum = np.abs(np.fft.rfft(seg * np.hanning(len(seg)), n))
    freqs = np.fft.rfftfreq(n, 1.0 / rate_hz)
    band = np.flatnonzero((freqs > coarse * 2 ** (-1 / 12)) & (freqs < coarse * 2 ** (1 / 12)))
    if len(band) < 3:
        return coarse
    i = int(band[np.argmax(spectrum[band])])
    if 0 < i < len(spectrum) - 1:
        a, b, c = np.log(spectrum[i - 1 : i + 2] + 1e-30)
        shift = 0.5 * (a - c) / (a - 2 * b + c) if (a - 2 * b + c) != 0 else 0.0
        return float((i + shift) * rate_hz / n)
    return float(freqs[i])


def _yin_median(x: np.ndarray, rate_hz: int, fmin_hz: float, fmax_hz: float, threshold: float = 0.15) -> float | None:
    frame = int(0.04 * rate_hz)
    max_lag = min(int(rate_hz / fmin_hz), frame - 1)
    min_lag = max(2, int(rate_hz / fmax_hz))
    estimates = []
    for start in range(0, len(x) - 2 * frame, frame // 2):
        w = x[start : start + 2 * frame]
        if np.sqrt(np.mean(w**2)) < 1e-4:
            continue
        d = _difference_function(w, frame, max_lag)
        cumulative = np.cumsum(d[1:]) / np.arange(1, max_lag + 1)
        cmnd = np.ones_like(d)
        cmnd[1:] = d[1:] / np.maximum(cumulative, 1e-30)
        below = np.flatnonzero(cmnd[min_lag:] < threshold)
        if len(below) == 0:
            continue
        lag = min_lag + int(below[0])
        while lag + 1 <= max_lag and cmnd[lag + 1] < cmnd[lag]:
            lag += 1
        if 0 < lag < max_lag:
            a, b, c = cmnd[lag - 1 : lag + 2]
            denom = a - 2 * b + c
            lag = lag + (0.5 * (a - c) / denom if denom != 0 else 0.0)
        estimates.append(rate_hz / lag)
    if len(estimates) < 2:
        return None
    return float(np.median(estimates))


def _difference_function(w: np.ndarray, frame: int, max_lag: int) -> np.ndarray:
    """YIN's d(lag) = sum_j (w[j] - w[j + lag])^2 for lags 0..max_lag, via one FFT correlation."""
    n = 1 << int(np.ceil(np.log2(len(w) + frame)))
    corr = np.fft.irfft(np.fft.rfft(w, n) * np.conj(np.fft.rfft(w[:frame], n)), n)[: max_lag + 1]
    sq = np.concatenate([[0.0], np.cumsum(w**2)])
    energy_lag = sq[np.arange(max_lag + 1) + frame] - sq[np.arange(max_lag + 1)]
    return np.maximum(sq[frame] + energy_lag - 2.0 * corr, 0.0)
