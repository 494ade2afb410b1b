"""Spectrogram pictures of sounds: a log-frequency, dB-scaled view written as PNG."""

from __future__ import annotations

from pathlib import Path

import numpy as np

# A dark-to-bright colour ramp (black, purple, red, orange, pale yellow) at evenly spaced levels.
_RAMP = np.array([[0, 0, 4], [80, 18, 123], [182, 54, 121], [251, 136, 97], [252, 253, 191]], dtype=np.float64)


def spectrogram_db(samples: np.ndarray, rate: int, n_fft: int = 1024, hop: int = 256) -> np.ndarray:
    """Power spectrogram in dB relative to its peak, [frequency bins, frames], of the channels' mix."""
    mono = np.asarray(samples, dtype=np.float64).reshape(-1, np.shape(samples)[-1]).mean(axis=0)
    padded = np.pad(mono, (n_fft // 2, n_fft // 2))
    frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop] * np.hanning(n_fft)
    power = np.abs(np.fft.rfft(frames, axis=1)).T ** 2
    return 10 * np.log10(np.maximum(power, 1e-12) / max(power.max(), 1e-12))


def spectrogram_image(samples: np.ndarray, rate: int, height: int = 256, floor_db: float = -80.0) -> np.ndarray:
    """RGB image [height, frames, 3] (uint8), low frequencies at the bottom, frequency axis logarithmic."""
    db = spectrogram_db(samples, rate)
    freqs = np.linspace(0, rate / 2, db.shape[0])
    rows = np.geomspace(40.0, rate / 2, height)  # 40 Hz to Nyquist, log-spaced like a hearing-shaped axis
    resampled = np.stack([np.interp(rows, freqs, column) for column in db.T], axis=1)
    level = np.clip((resampled - floor_db) / -floor_db, 0, 1) * (len(_RAMP) - 1)
    low = np.floor(level).astype(int).clip(0, len(_RAMP) - 2)
    fraction = (level - low)[..., None]
    rgb = _RAMP[low] * (1 - fraction) + _RAMP[low + 1] * fraction
    return rgb[::-1].astype(np.uint8)


def save_spectrogram(samples: np.ndarray, rate: int, path: str | Path) -> Path:
    """Write the spectrogram of `samples` (rate in Hz) as a PNG picture."""
    from PIL import Image

    path = Path(path)
    Image.fromarray(spectrogram_image(samples, rate)).save(path, format="PNG")
    return path
