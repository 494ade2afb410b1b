"""Audio features for "more like this": four aspects, each a fixed slice of one float32 vector.

- timbre (80): mean and standard deviation over time of a 40-band log-mel spectrum (40 Hz–11 kHz
  at 22.05 kHz), with the clip's overall level removed, so a quiet and a loud door slam match;
  only frames within 50 dB of the loudest count, so silence does not dilute the spectrum.
- pitch (2): the median YIN fundamental over the voiced loud frames, as MIDI number / 127, and
  a 0–1 confidence (how periodic the loud frames are; noise and impacts score low).
- loudness envelope (17): the RMS level in 16 equal parts of the clip relative to its loudest
  part (0 = 60 dB below it, 1 = the loudest), plus the overall RMS level in dBFS / 60.
- duration (1): log2 of the length in seconds.

Features are computed from at most `ANALYSIS_SECONDS` (the rest of a long file does not change
what it sounds like at the start, where an editor auditions it).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

RATE = 22050
N_FFT = 1024
HOP = 512
N_MELS = 40
ENVELOPE_PARTS = 16
ANALYSIS_SECONDS = 60.0
FLOOR_DB = -100.0
VERSION = 1  # bump when the layout or the maths change: stored features are then recomputed

ASPECTS = {"timbre": slice(0, 80), "pitch": slice(80, 82), "loudness": slice(82, 99), "duration": slice(99, 100)}
SIZE = 100


@dataclass
class Features:
    vector: np.ndarray  # float32 [SIZE]
    pitch_hz: float | None
    pitch_confidence: float


@functools.lru_cache(maxsize=4)
def _mel_bank(rate: int = RATE, n_fft: int = N_FFT, n_mels: int = N_MELS, low: float = 40.0,
              high: float = 11000.0) -> np.ndarray:
    """Triangular mel filters [n_fft // 2 + 1, n_mels] (HTK mel scale), float64 and contiguous:
    a float32 or transposed operand sends numpy's matmul down a path a hundred times slower."""
    def mel(f):
        return 2595.0 * np.log10(1.0 + f / 700.0)

    def hz(m):
        return 700.0 * (10 ** (m / 2595.0) - 1.0)

    edges = hz(np.linspace(mel(low), mel(min(high, rate / 2)), n_mels + 2))
    bins = np.fft.rfftfreq(n_fft, 1.0 / rate)
    bank = np.zeros((n_mels, bins.size))
    for i in range(n_mels):
        lo, mid, hi = edges[i], edges[i + 1], edges[i + 2]
        rising = (bins - lo) / max(mid - lo, 1e-9)
        falling = (hi - bins) / max(hi - mid, 1e-9)
        bank[i] = np.clip(np.minimum(rising, falling), 0.0, None)
    return np.ascontiguousarray(bank.T)


@functools.lru_cache(maxsize=1)
def _window() -> np.ndarray:
    return np.hanning(N_FFT).astype(np.float32)


def _frames(samples: np.ndarray, size: int, hop: int) -> np.ndarray:
    if samples.size < size:
        samples = np.pad(samples, (0, size - samples.size))
    count = 1 + (samples.size - size) // hop
    return np.lib.stride_tricks.as_strided(samples, (count, size), (samples.strides[0] * hop, samples.strides[0]))


def to_analysis_rate(samples: np.ndarray, rate: int) -> np.ndarray:
    """Mono float32 at RATE from [samples] or [samples, channels] at `rate` Hz."""
    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    mono = np.ascontiguousarray(mono, dtype=np.float32)
    if rate != RATE and mono.size:
        import soxr

        mono = soxr.resample(mono, rate, RATE, quality="LQ").astype(np.float32, copy=False)
    return mono


def compute(samples: np.ndarray, rate: int, seconds: float | None = None) -> Features:
    """Features of audio `samples` ([samples] or [samples, channels]) at `rate` Hz; `seconds` is the
    full length when `samples` holds only the start of a longer file."""
    mono = to_analysis_rate(samples, rate)
    length = seconds if seconds is not None else mono.size / RATE
    frames = _frames(mono, N_FFT, HOP)
    window = _window()
    power = np.abs(np.fft.rfft(frames * window, axis=1)).astype(np.float64) ** 2
    mel_db = 10 * np.log10(power @ _mel_bank() + 1e-10)
    frame_db = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    loud = frame_db > max(frame_db.max() - 50.0, FLOOR_DB)
    if not loud.any():
        loud[:] = True
    kept = mel_db[loud]
    level = kept.mean()
    timbre = np.concatenate([(kept.mean(axis=0) - level) / 20.0, kept.std(axis=0) / 20.0])
    pitch_hz, confidence = estimate_pitch(frames, frame_db)
    midi = 69 + 12 * np.log2(pitch_hz / 440.0) if pitch_hz else 0.0
    envelope = _envelope(frame_db)
    rms_db = 10 * np.log10(np.mean(mono**2) + 1e-12) if mono.size else FLOOR_DB
    vector = np.concatenate([
        timbre,
        [midi / 127.0, confidence],
        envelope, [max(rms_db, -120.0) / 60.0],
        [np.log2(max(length, 1e-3))],
    ]).astype(np.float32)
    return Features(vector, pitch_hz, float(confidence))


def _envelope(frame_db: np.ndarray) -> np.ndarray:
    """Mean power of ENVELOPE_PARTS equal parts of the clip, in dB below its loudest part, on 0–1."""
    power = 10 ** (frame_db / 10)
    starts = (np.arange(ENVELOPE_PARTS) * power.size) // ENVELOPE_PARTS  # a short clip repeats frames
    ends = np.maximum(((np.arange(ENVELOPE_PARTS) + 1) * power.size) // ENVELOPE_PARTS, starts + 1)
    sums = np.concatenate([[0.0], np.cumsum(power)])
    levels = 10 * np.log10((sums[ends] - sums[starts]) / (ends - starts) + 1e-12)
    return np.clip((levels - levels.max() + 60.0) / 60.0, 0.0, 1.0)


def estimate_pitch(frames: np.ndarray, frame_db: np.ndarray, low_hz: float = 50.0, high_hz: float = 2000.0,
                   threshold: float = 0.15) -> tuple[float | None, float]:
    """(median fundamental in Hz or None, confidence 0–1) by YIN over the loud frames."""
    loud = frame_db > frame_db.max() - 20.0
    picked = frames[loud]
    if picked.shape[0] > 64:  # the loudest frames tell the pitch; cap the work for long clips
        picked = picked[np.argsort(frame_db[loud])[-64:]]
    if picked.size == 0 or frame_db.max() < -70.0:
        return None, 0.0
    size = picked.shape[1]
    max_lag = min(int(RATE / low_hz), size // 2)
    min_lag = max(2, int(RATE / high_hz))
    spectrum = np.fft.rfft(picked, n=2 * size, axis=1)
    autocorr = np.fft.irfft(np.abs(spectrum) ** 2, axis=1)[:, : max_lag + 1]
    energy = np.cumsum(picked**2, axis=1)
    head = energy[:, size - max_lag - 1: size][:, ::-1]  # energy of the first size-τ samples, τ = 0…max_lag
    tail = energy[:, -1:] - np.concatenate([np.zeros((picked.shape[0], 1)), energy[:, : max_lag]], axis=1)
    difference = np.maximum(head + tail - 2 * autocorr, 0.0)
    lags = np.arange(1, max_lag + 1)
    cumulative = np.cumsum(difference[:, 1:], axis=1) / lags
    normalised = np.ones_like(difference)
    normalised[:, 1:] = difference[:, 1:] / np.maximum(cumulative, 1e-12)
    pitches, scores = [], []
    for row in normalised:
        window = row[min_lag:]
        below = np.flatnonzero(window < threshold)
        if below.size:
            lag = below[0]
            while lag + 1 < window.size and window[lag + 1] < window[lag]:
                lag += 1
        else:
            lag = int(np.argmin(window))
        score = float(1.0 - min(window[lag], 1.0))
        tau = lag + min_lag
        if 0 < lag < window.size - 1:  # parabolic interpolation between lags
            a, b, c = window[lag - 1], window[lag], window[lag + 1]
            denominator = a - 2 * b + c
            tau += 0.5 * (a - c) / denominator if abs(denominator) > 1e-12 else 0.0
        pitches.append(RATE / tau)
        scores.append(score)
    scores = np.array(scores)
    voiced = scores > 1.0 - threshold * 2
    confidence = float(np.mean(scores * voiced))
    if not voiced.any():
        return None, confidence
    return float(np.median(np.array(pitches)[voiced])), confidence


def to_blob(features: Features) -> bytes:
    return features.vector.astype("<f4").tobytes()


def from_blobs(blobs: list[bytes]) -> np.ndarray:
    """Stack stored feature blobs into a [n, SIZE] float32 matrix."""
    if not blobs:
        return np.zeros((0, SIZE), np.float32)
    return np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), SIZE)


def features_of_file(path: str, region: tuple[float, float] | None = None) -> np.ndarray:
    """Features of a file (or of its `region` (start, end) in seconds), computed now."""
    import soundfile as sf

    from soundloom.library.records import LibraryError

    try:
        with open(path, "rb") as raw, sf.SoundFile(raw) as f:
            rate, frames = f.samplerate, f.frames
            if region is not None:
                start, end = (float(x) for x in region)
                if not (0 <= start < end) or start * rate >= frames:
                    raise LibraryError("region", f"{start:g}–{end:g} s is not inside the sound (0–{frames / rate:g} s)")
                f.seek(int(start * rate))
                count = int(min(end * rate, frames, (start + ANALYSIS_SECONDS) * rate) - int(start * rate))
                seconds = min(end, frames / rate) - start
            else:
                count, seconds = int(min(frames, ANALYSIS_SECONDS * rate)), frames / rate
            samples = f.read(count, dtype="float32", always_2d=True)
    except LibraryError:
        raise
    except Exception as exc:
        raise LibraryError("path", f"{path} cannot be read ({(str(exc).splitlines() or [''])[0]})") from None
    if samples.shape[0] == 0:
        raise LibraryError("path", f"{path} holds no audio")
    return compute(samples, rate, seconds).vector
