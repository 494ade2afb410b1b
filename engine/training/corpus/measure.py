"""Measurements of a clip: level, loudness, onsets and fundamental frequency.

They fill the ground truth of clips whose generator cannot state a value (recordings) and they
are the objective checks of the corpus and of generated audio (a prompt that asks for A4 should
measure near 440 Hz; "four snare hits" should have four onsets).
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from .audio import SAMPLE_RATE

FLOOR_DB = -120.0  # dB: level reported for digital silence


def _db(power: float) -> float:
    return float(10.0 * np.log10(power)) if power > 0 else FLOOR_DB


def rms_dbfs(x: np.ndarray) -> float:
    """RMS level of the whole clip in dBFS (a full-scale sine reads -3 dBFS)."""
    return _db(float(np.mean(np.square(x, dtype=np.float64)))) if len(x) else FLOOR_DB


def peak_dbfs(x: np.ndarray) -> float:
    """Sample peak in dBFS."""
    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    return float(20.0 * np.log10(peak)) if peak > 0 else FLOOR_DB


def _k_weighting_sos(rate_hz: int) -> np.ndarray:
    """ITU-R BS.1770 K-weighting (high shelf + RLB high-pass) designed for any sample rate.

    The standard gives coefficients at 48 kHz only; the analogue prototypes below (shelf at
    about 1682 Hz, +4 dB; high-pass at about 38 Hz) are bilinear-transformed for `rate_hz`.
    """
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = np.tan(np.pi * f0 / rate_hz)
    vh = 10.0 ** (gain_db / 20.0)
    vb = vh**0.4996667741545416
    a0 = 1.0 + k / q + k * k
    shelf = [
        (vh + vb * k / q + k * k) / a0,
        2.0 * (k * k - vh) / a0,
        (vh - vb * k / q + k * k) / a0,
        1.0,
        2.0 * (k * k - 1.0) / a0,
        (1.0 - k / q + k * k) / a0,
    ]
    f0, q = 38.13547087602444, 0.5003270373238773
    k = np.tan(np.pi * f0 / rate_hz)
    a0 = 1.0 + k / q + k * k
    highpass = [1.0, -2.0, 1.0, 1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0]
    return np.array([shelf, highpass])


def loudness_lufs(x: np.ndarray, rate_hz: int = SAMPLE_RATE) -> float:
    """Integrated loudness in LUFS (BS.1770 gating: 400 ms blocks, 75 % overlap, -70 LUFS
    absolute gate, -10 LU relative gate). Clips shorter than one block are measured whole."""
    if len(x) == 0:
        return FLOOR_DB
    y = signal.sosfilt(_k_weighting_sos(rate_hz), np.asarray(x, dtype=np.float64))
    block, hop = int(0.4 * rate_hz), int(0.1 * rate_hz)
    if len(y) < block:
        return -0.691 + _db(float(np.mean(y * y)))
    starts = np.arange(0, len(y) - block + 1, hop)
    power = np.array([np.mean(y[s : s + block] ** 2) for s in starts])
    loud = -0.691 + 10.0 * np.log10(np.maximum(power, 1e-30))
    kept = power[loud > -70.0]
    if len(kept) == 0:
        return FLOOR_DB
    relative_gate = -0.691 + 10.0 * np.log10(np.mean(kept)) - 10.0
    kept = power[(loud > -70.0) & (loud > relative_gate)]
    return float(-0.691 + 10.0 * np.log10(np.mean(kept)))


def pressure_level_db(x: np.ndarray, frame_s: float = 0.1, rate_hz: int = SAMPLE_RATE) -> float:
    """Sound pressure level of a clip as the loudest `frame_s`-second frame RMS, in dBFS.

    Taking the loudest frame rather than the whole-clip RMS keeps a short hit and a long texture
    comparable: a snare followed by silence is not "quiet" because of the silence.
    """
    n = max(1, int(frame_s * rate_hz))
    if len(x) <= n:
        return rms_dbfs(x)
    hop = n // 2
    frames = np.lib.stride_tricks.sliding_window_view(np.asarray(x, dtype=np.float64), n)[::hop]
    return _db(float(np.max(np.mean(frames**2, axis=1))))


def level_summary(x: np.ndarray) -> dict:
    """The loudness fields of a ground-truth record (all in dB)."""
    return {
        "rms_dbfs": round(rms_dbfs(x), 2),
        "peak_dbfs": round(peak_dbfs(x), 2),
        "loudness_lufs": round(loudness_lufs(x), 2),
        "pressure_level_db": round(pressure_level_db(x), 2),
    }


_ONSET_FFT = 512  # samples: 32 ms analysis frames


def onset_strength(x: np.ndarray, rate_hz: int = SAMPLE_RATE, hop_s: float = 0.004) -> tuple[np.ndarray, float]:
    """Spectral-flux onset envelope (positive log-magnitude increases) and its frame period (s).

    Element p compares the frame ending p hops into the signal with the one before it; the
    first element is 0 so that an onset at the very first sample is still a peak."""
    hop = int(round(hop_s * rate_hz))
    pad = np.concatenate([np.zeros(_ONSET_FFT), np.asarray(x, dtype=np.float64), np.zeros(_ONSET_FFT)])
    frames = np.lib.stride_tricks.sliding_window_view(pad, _ONSET_FFT)[::hop] * np.hanning(_ONSET_FFT)
    mag = np.log1p(1000.0 * np.abs(np.fft.rfft(frames, axis=1)))
    flux = np.maximum(np.diff(mag, axis=0), 0.0).sum(axis=1)
    return np.concatenate([[0.0], flux]), hop / rate_hz


def detect_onsets(
    x: np.ndarray,
    rate_hz: int = SAMPLE_RATE,
    min_gap_s: float = 0.05,
    sensitivity: float = 0.15,
    rise_db: float = 4.0,
    floor_db: float = -20.0,
) -> list[float]:
    """Onset times in seconds by peak-picking the spectral flux.

    A peak counts when it exceeds `sensitivity` times the clip's largest flux peak and the local
    median by a margin, lies at least `min_gap_s` seconds after the previous onset, and the
    energy of the 20 ms after it is at least `rise_db` dB above the 20 ms before it (so the
    wobble of a ringing or chorused tail is not taken for a new event), and that energy is
    within `floor_db` dB of the loudest 20 ms of the clip (so a reverb echo after silence is not
    an event either). Each time is moved back
    to where the energy starts rising, which makes it accurate to a few milliseconds for
    percussive sounds.
    """
    if len(x) == 0 or np.max(np.abs(x)) == 0:
        return []
    flux, period = onset_strength(x, rate_hz)
    median = signal.medfilt(flux, 15)
    threshold = np.maximum(sensitivity * flux.max(), median * 1.5)
    peaks, _ = signal.find_peaks(flux, height=threshold, distance=max(1, int(min_gap_s / period)))
    envelope = _energy_envelope(x, rate_hz)
    window = int(0.02 * rate_hz)
    loudest = float(np.max(np.convolve(envelope, np.ones(window) / window, mode="same")))
    out: list[float] = []
    for p in peaks:
        # flux[p] compares frame p with frame p-1; frame p is centred half a window before
        # its last sample, which is p hops into the (zero-padded) signal.
        centre = p * period - _ONSET_FFT / 2 / rate_hz
        t = _refine_onset(envelope, centre, rate_hz)
        i = int(round(t * rate_hz))
        before = float(np.mean(envelope[max(0, i - window) : i])) if i > 0 else 0.0
        after = float(np.mean(envelope[i : i + window]))
        if after <= 0 or 10 * np.log10(after / loudest) < floor_db:
            continue
        if before > 0 and 10 * np.log10(after / before) < rise_db:
            continue
        if not out or t - out[-1] >= min_gap_s:
            out.append(round(max(0.0, t), 4))
    return out


def _energy_envelope(x: np.ndarray, rate_hz: int, win_s: float = 0.002) -> np.ndarray:
    n = max(1, int(win_s * rate_hz))
    return np.convolve(np.asarray(x, dtype=np.float64) ** 2, np.ones(n) / n, mode="same")


def _refine_onset(envelope: np.ndarray, centre_s: float, rate_hz: int, search_s: float = 0.03) -> float:
    """Move an approximate onset to the first sample, in a window around it, whose short-term
    energy reaches 10 % of the window's maximum: the start of the attack."""
    lo = max(0, int((centre_s - search_s) * rate_hz))
    hi = min(len(envelope), int((centre_s + search_s) * rate_hz))
    if hi <= lo:
        return centre_s
    seg = envelope[lo:hi]
    floor = float(np.min(seg[: max(1, len(seg) // 4)]))
    top = float(np.max(seg))
    if top <= floor:
        return centre_s
    idx = np.flatnonzero(seg >= floor + 0.1 * (top - floor))
    return (lo + int(idx[0])) / rate_hz
