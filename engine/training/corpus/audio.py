"""Clip-level audio helpers shared by every source: mono, resampling, trimming, length, files.

Every clip in the corpus is 16 kHz mono float32 between `MIN_DURATION_S` and `MAX_DURATION_S`
seconds, peak at most `PEAK_CEILING_DB` dBFS.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from soundloom.protocol.atomic_files import atomic_path

SAMPLE_RATE = 16000  # Hz: the starter model's front end rate
MIN_DURATION_S = 1.0
MAX_DURATION_S = 10.0
PEAK_CEILING_DB = -1.0  # dBFS: headroom so 16-bit files and later mixing never clip
SILENCE_DB = -60.0  # dB relative to the clip peak: below this a head or tail counts as silence
FADE_S = 0.01  # seconds of fade where a clip is cut inside sound, to avoid a click

AUDIO_FORMATS = {"flac": ("FLAC", "PCM_16"), "wav": ("WAV", "FLOAT")}


def to_mono(x: np.ndarray) -> np.ndarray:
    """Average channels of a (frames, channels) array; a 1-D array is returned as float32."""
    x = np.asarray(x, dtype=np.float32)
    return x.mean(axis=1) if x.ndim == 2 else x


def resample(x: np.ndarray, rate_hz: int, target_hz: int = SAMPLE_RATE) -> np.ndarray:
    """Resample mono audio from `rate_hz` to `target_hz` (Hz) with soxr's high-quality filter."""
    if rate_hz == target_hz:
        return np.asarray(x, dtype=np.float32)
    return soxr.resample(np.asarray(x, dtype=np.float32), rate_hz, target_hz, quality="HQ").astype(np.float32)


def db_to_gain(db: float) -> float:
    return float(10.0 ** (db / 20.0))


def first_sound_index(x: np.ndarray, threshold_db: float = SILENCE_DB) -> int:
    """Index of the first sample louder than `threshold_db` below the peak (0 for silence)."""
    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    if peak <= 0.0:
        return 0
    above = np.flatnonzero(np.abs(x) > peak * db_to_gain(threshold_db))
    return int(above[0]) if len(above) else 0


def last_sound_index(x: np.ndarray, threshold_db: float = SILENCE_DB) -> int:
    """Index one past the last sample louder than `threshold_db` below the peak."""
    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    if peak <= 0.0:
        return 0
    above = np.flatnonzero(np.abs(x) > peak * db_to_gain(threshold_db))
    return int(above[-1]) + 1 if len(above) else 0


def trim_leading_silence(x: np.ndarray, pre_roll_s: float = 0.005, threshold_db: float = -50.0) -> tuple[np.ndarray, int]:
    """Drop silence before the first sound, keeping `pre_roll_s` seconds before it.

    Used for recordings, whose files start with an unknown amount of silence. Returns the
    trimmed audio and the number of samples removed, so onset times can be shifted by it.
    """
    start = max(0, first_sound_index(x, threshold_db) - int(round(pre_roll_s * SAMPLE_RATE)))
    return x[start:], start


def trim_trailing_silence(x: np.ndarray, threshold_db: float = SILENCE_DB, keep_s: float = 0.05) -> np.ndarray:
    """Cut the tail once the sound has decayed below `threshold_db` re peak, plus `keep_s` seconds."""
    end = last_sound_index(x, threshold_db)
    end = min(len(x), end + int(round(keep_s * SAMPLE_RATE)))
    return x[:end]


def fade_out(x: np.ndarray, fade_s: float = FADE_S) -> np.ndarray:
    """Apply a raised-cosine fade over the last `fade_s` seconds (in place on a copy)."""
    n = min(len(x), int(round(fade_s * SAMPLE_RATE)))
    if n <= 1:
        return x
    y = x.copy()
    y[-n:] *= (0.5 + 0.5 * np.cos(np.linspace(0.0, np.pi, n))).astype(np.float32)
    return y


def fit_duration(
    x: np.ndarray, onsets_s: list[float], min_s: float = MIN_DURATION_S, max_s: float = MAX_DURATION_S
) -> tuple[np.ndarray, list[float]]:
    """Pad with silence to `min_s` seconds or cut (with a fade) to `max_s` seconds.

    Onsets (seconds) that fall after a cut are dropped, and so are onsets in the last 50 ms,
    where too little of the event is left to count as one.
    """
    n_min, n_max = int(round(min_s * SAMPLE_RATE)), int(round(max_s * SAMPLE_RATE))
    x = np.asarray(x, dtype=np.float32)
    if len(x) > n_max:
        x = fade_out(x[:n_max])
    if len(x) < n_min:
        x = np.concatenate([x, np.zeros(n_min - len(x), dtype=np.float32)])
    limit = len(x) / SAMPLE_RATE - 0.05
    return x, [float(t) for t in onsets_s if t <= limit]


def limit_peak(x: np.ndarray, ceiling_db: float = PEAK_CEILING_DB) -> tuple[np.ndarray, float]:
    """Scale the clip down so its peak is at most `ceiling_db` dBFS; never scales up.

    Returns the audio and the gain applied in dB (0.0 when untouched), so that loud and soft
    renderings keep their level difference unless they would clip.
    """
    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    ceiling = db_to_gain(ceiling_db)
    if peak <= ceiling or peak == 0.0:
        return x.astype(np.float32), 0.0
    gain = ceiling / peak
    return (x * gain).astype(np.float32), float(20.0 * np.log10(gain))


def normalize_peak(x: np.ndarray, peak_db: float) -> np.ndarray:
    """Scale the clip so its peak is exactly `peak_db` dBFS (for generators with arbitrary scale)."""
    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    if peak == 0.0:
        return x.astype(np.float32)
    return (x * (db_to_gain(peak_db) / peak)).astype(np.float32)


def write_audio(path: Path, x: np.ndarray, audio_format: str = "flac") -> None:
    """Write a 16 kHz mono clip atomically (temporary file, then rename), so an interrupted
    build never leaves a truncated file that a resumed build would take as finished."""
    container, subtype = AUDIO_FORMATS[audio_format]
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path, sync=False) as temporary:
        sf.write(temporary, np.asarray(x, dtype=np.float32), SAMPLE_RATE, format=container, subtype=subtype)


def read_audio(path: Path | str) -> np.ndarray:
    """Read any soundfile-readable file as 16 kHz mono float32."""
    x, rate = sf.read(str(path), dtype="float32", always_2d=False)
    return resample(to_mono(x), rate)
