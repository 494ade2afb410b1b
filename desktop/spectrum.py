"""Spectrogram of a span of a sound file: log-spaced frequency rows, levels in dBFS.

Only the analysis windows that become pixel columns are read, so a view over a 2-hour recording
costs the same as one over a footstep.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

FLOOR_DB = -100.0  # darkest colour; quieter than this is silence for a sound designer's purposes


@dataclass
class Spectrogram:
    """`db[row, column]` in dBFS (row 0 = lowest frequency); rows log-spaced fmin..fmax Hz;
    columns span start..end seconds. A row is the mean over its band, so a pure tone in a band
    several bins wide reads a few dB under its peak level."""

    db: np.ndarray
    fmin: float
    fmax: float
    start: float
    end: float

    def frequency_at(self, row: float) -> float:
        """Hz at fractional `row` (0 = bottom edge)."""
        rows = self.db.shape[0]
        return self.fmin * (self.fmax / self.fmin) ** (row / rows)


def fft_size(frames: int, largest: int = 2048, smallest: int = 256) -> int:
    """The analysis window for a view `frames` long: at most a quarter of it, so a click or a
    footstep is not smeared across the whole view, and no longer than `largest`."""
    size = largest
    while size > smallest and size * 4 > frames:
        size //= 2
    return size


def compute(path: str | Path, start: float, end: float, columns: int = 600, rows: int = 192,
            fft: int | None = None, fmin: float = 20.0, cancel=None) -> Spectrogram:
    """Spectrogram of start..end seconds of `path` in `columns` × `rows` cells, with an `fft`-frame
    window (default: by the span's length). Raises ValueError (with the reason) for an unreadable
    file; `cancel()` returning True stops early with None."""
    try:
        f = sf.SoundFile(os.fsencode(path))  # bytes: names that are not UTF-8 open too
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        raise ValueError(f"{os.fsdecode(Path(path).name)}: {getattr(exc, 'error_string', exc)}") from exc
    with f:
        rate, frames = f.samplerate, f.frames
        fmax = rate / 2
        fft = fft or fft_size(int((end - start) * rate))
        centres = (start + (np.arange(columns) + 0.5) * (end - start) / columns) * rate
        windows = _read_windows(f, centres.astype(np.int64), fft, frames, cancel)
    if windows is None:
        return None
    window = np.hanning(fft).astype(np.float32)
    spectrum = np.fft.rfft(windows * window, axis=1)
    power = (spectrum.real**2 + spectrum.imag**2) / (window.sum() / 2) ** 2  # a full-scale sine → 0 dB
    db = 10 * np.log10(_log_rows(power, rate, fft, rows, fmin, fmax) + 1e-12)
    return Spectrogram(np.maximum(db, FLOOR_DB).T.astype(np.float32), fmin, fmax, start, end)


def _read_windows(f: sf.SoundFile, centres: np.ndarray, fft: int, frames: int, cancel) -> np.ndarray | None:
    half = fft // 2
    first, last = int(centres[0]) - half, int(centres[-1]) + half
    out = np.zeros((len(centres), fft), dtype=np.float32)
    if (last - first) <= 4 * len(centres) * fft:
        # Dense columns: one read of the whole span, windows cut from it.
        span = _read_mono(f, max(first, 0), min(last, frames))
        padded = np.zeros(last - first, dtype=np.float32)
        offset = max(first, 0) - first
        padded[offset : offset + len(span)] = span
        for i, centre in enumerate(centres):
            out[i] = padded[centre - half - first : centre + half - first]
        return out
    for i, centre in enumerate(centres):
        if cancel is not None and i % 32 == 0 and cancel():
            return None
        lo, hi = max(int(centre) - half, 0), min(int(centre) + half, frames)
        if hi > lo:
            chunk = _read_mono(f, lo, hi)
            at = lo - (int(centre) - half)
            out[i, at : at + len(chunk)] = chunk
    return out


def _read_mono(f: sf.SoundFile, lo: int, hi: int) -> np.ndarray:
    if hi <= lo:
        return np.zeros(0, dtype=np.float32)
    try:
        f.seek(lo)
        data = f.read(hi - lo, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError):
        return np.zeros(0, dtype=np.float32)  # past a truncated end: silence
    return data.mean(axis=1)


def _log_rows(power: np.ndarray, rate: int, fft: int, rows: int, fmin: float, fmax: float) -> np.ndarray:
    """Power per log-spaced band: the mean of the bins inside a band, or the value interpolated at
    its centre where a band holds fewer than two bins (the low end). Both read noise at the same
    level, so the picture has no steps where bands start holding more bins."""
    edges = fmin * (fmax / fmin) ** (np.arange(rows + 1) / rows)
    bins = edges * fft / rate
    centres = np.sqrt(edges[:-1] * edges[1:]) * fft / rate
    lo = np.ceil(bins[:-1]).astype(int)
    hi = np.clip(np.floor(bins[1:]).astype(int) + 1, 0, power.shape[1])
    lo = np.clip(lo, 0, power.shape[1])
    wide = hi - lo >= 2
    out = np.empty((power.shape[0], rows))
    for row in range(rows):
        out[:, row] = power[:, lo[row] : hi[row]].mean(axis=1) if wide[row] else _interp_rows(power, centres[row])
    return out


def _interp_rows(power: np.ndarray, position: float) -> np.ndarray:
    below = int(np.clip(np.floor(position), 0, power.shape[1] - 1))
    above = min(below + 1, power.shape[1] - 1)
    weight = position - below
    return power[:, below] * (1 - weight) + power[:, above] * weight


def colour_table() -> np.ndarray:
    """256 colours (0xFFRRGGBB, uint32) from black through violet and orange to pale yellow,
    like matplotlib's magma: darkness reads as silence, brightness as energy."""
    anchors = np.array([
        (0.00, 0, 0, 4), (0.15, 28, 16, 68), (0.30, 79, 18, 123), (0.45, 129, 37, 129),
        (0.60, 181, 54, 122), (0.75, 229, 80, 100), (0.88, 251, 135, 97), (1.00, 252, 253, 191),
    ])
    x = np.linspace(0, 1, 256)
    rgb = [np.interp(x, anchors[:, 0], anchors[:, c]).astype(np.uint32) for c in (1, 2, 3)]
    return 0xFF000000 | (rgb[0] << 16) | (rgb[1] << 8) | rgb[2]


def to_rgb32(spectrogram: Spectrogram, floor_db: float = FLOOR_DB, ceiling_db: float = 0.0) -> np.ndarray:
    """(rows, columns) uint32 pixels, top row = highest frequency, ready for a QImage."""
    scaled = (spectrogram.db - floor_db) / (ceiling_db - floor_db)
    index = np.clip(scaled * 255, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(colour_table()[index][::-1])
