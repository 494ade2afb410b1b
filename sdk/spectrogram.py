"""Spectrogram pictures of sounds: levels in dBFS on a log-frequency axis, saved as a labelled PNG.

`spectrogram_levels` is the analysis (numbers only); `spectrogram_image` colours it; and
`save_spectrogram` draws the full picture with a time axis in seconds, a frequency axis in Hz, a
dBFS colour scale and an optional title (spectrogram_picture.py does the drawing, with pillow).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from soundloom.protocol.atomic_files import atomic_writer
from soundloom.protocol.errors import ErrorCode, SoundloomError

FLOOR_DB = -100.0  # the darkest colour, in dBFS: anything quieter reads as silence
CEILING_DB = 0.0  # the brightest colour: full scale
FMIN_HZ = 30.0  # the bottom of the frequency axis (sub-bass kicks and rumbles still show)
WINDOW_S = 0.04  # analysis window, rounded up to a power of two in samples: 1024 at 16 kHz, 2048 at 48 kHz
LOW_WINDOWS = 4  # the bass analysis's windows are this many times longer (256 ms at 16 kHz)
BLEND_BINS = (16, 64)  # crossfade from the bass to the treble analysis between these multiples of a bin's width

# A dark-to-bright colour ramp (black, indigo, purple, red, orange, pale yellow) at evenly spaced levels.
RAMP = np.array(
    [[0, 0, 4], [40, 11, 84], [101, 21, 110], [159, 42, 99], [212, 72, 66], [245, 125, 21], [250, 193, 39],
     [252, 255, 164]],
    dtype=np.float64,
)


@dataclass(frozen=True)
class Levels:
    """`db[row, column]` in dBFS, row 0 the highest band; rows log-spaced fmin..fmax Hz over
    `seconds` of sound. Each cell is the loudest analysis bin and frame it covers, so a pure tone
    reads its own level and a click is never averaged away."""

    db: np.ndarray
    fmin: float
    fmax: float
    seconds: float


def _mono_power(samples: np.ndarray, rate: int, hop: int, n_fft: int) -> np.ndarray:
    """Power spectra [frames, bins] averaged over the channels (so opposite channels do not cancel),
    scaled so a full-scale sine peaks at 1.0 (0 dBFS). Frame k covers samples k * hop to k * hop + n_fft:
    frames stay inside the clip (a clip shorter than n_fft is padded with silence), so a steady
    sound does not show a false click where the clip starts and stops."""
    channels = np.atleast_2d(np.asarray(samples, dtype=np.float32))
    channels = channels.reshape(-1, channels.shape[-1])
    window = np.hanning(n_fft).astype(np.float32)
    scale = (window.sum() / 2) ** 2
    power = None
    for channel in channels:
        padded = np.pad(channel, (0, max(0, n_fft - len(channel))))
        frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop] * window
        spectrum = np.abs(np.fft.rfft(frames, axis=1)) ** 2 / scale
        power = spectrum if power is None else power + spectrum
    return power / len(channels)


def window_size(rate: int) -> int:
    """Samples per analysis window at `rate` Hz: WINDOW_S rounded up to a power of two."""
    return 1 << max(6, int(np.ceil(np.log2(rate * WINDOW_S))))


def spectrogram_levels(samples: np.ndarray, rate: int, columns: int, rows: int, fmin: float = FMIN_HZ) -> Levels:
    """The sound's levels on a `rows` × `columns` grid: log-spaced bands fmin..rate/2 Hz, equal time slices.

    Two analyses share the picture: windows of WINDOW_S (`window_size`) for the treble, and
    windows LOW_WINDOWS times longer for the bass, where a short window's bins are wider than a
    semitone and a steady low note would smear into a broad band. Between BLEND_BINS[0] and
    BLEND_BINS[1] short-window bin spacings the two are crossfaded (in dB, along log frequency).
    In the bass, steady noise reads a few dB lower than in the treble (its power is spread over
    the long window's finer bins), while a tone reads its own level in both.
    """
    samples = np.asarray(samples)
    length = samples.shape[-1]
    fmax = rate / 2
    if length == 0:
        return Levels(np.full((rows, columns), FLOOR_DB, np.float32), fmin, fmax, 0.0)
    edges = np.geomspace(fmin, fmax, rows + 1)
    n_fft = window_size(rate)
    short, bins = _analysis(samples, rate, n_fft, columns)
    levels = _on_bands(short, bins, edges)
    spacing = rate / n_fft
    low, high = BLEND_BINS[0] * spacing, BLEND_BINS[1] * spacing
    centres = np.sqrt(edges[:-1] * edges[1:])
    weight = np.clip(np.log(high / centres) / np.log(high / low), 0, 1)[:, None]  # 1: bass analysis only
    if weight.any():
        long, long_bins = _analysis(samples, rate, n_fft * LOW_WINDOWS, columns)
        # The long window is sharp in pitch but smears an onset over its length; capped by what the
        # short window heard near that time and pitch (within its own resolution), a bass note keeps
        # its sharp line and starts where it starts.
        heard = _spread(short, bins=2, columns=int(np.ceil(n_fft / 2 / (length / columns))))
        bass = np.minimum(_on_bands(long, long_bins, edges), _on_bands(heard, bins, edges))
        levels = weight * bass + (1 - weight) * levels
    return Levels(levels[::-1].astype(np.float32), fmin, fmax, length / rate)


def _analysis(samples: np.ndarray, rate: int, n_fft: int, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """dBFS [columns, bins] of an analysis with `n_fft`-sample windows, and the bins' frequencies."""
    length = samples.shape[-1]
    hop = int(max(1, min(n_fft // 4, np.ceil(length / columns))))  # at least a frame per column when there are enough samples
    power = _mono_power(samples, rate, hop, n_fft)  # [frames, bins]
    # Time: each column keeps the loudest frame whose centre falls in it (the nearest one if none does).
    first_centre = np.arange(columns) * length / columns - n_fft / 2
    starts = np.clip(np.ceil(first_centre / hop).astype(np.int64), 0, len(power) - 1)
    power = np.maximum.reduceat(power, starts, axis=0)
    return 10 * np.log10(np.maximum(power, 10 ** (FLOOR_DB / 10))), np.fft.rfftfreq(n_fft, 1 / rate)


def _on_bands(db: np.ndarray, bins: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """[bands, columns] of a [columns, bins] analysis: each band keeps its loudest bin; a band narrower
    than a bin interpolates at its centre, in dB, so the dip between close partials stays as deep
    as the bins show it."""
    centres = np.sqrt(edges[:-1] * edges[1:])
    levels = np.stack([np.interp(centres, bins, column) for column in db], axis=1)
    first = np.searchsorted(bins, edges[:-1])
    has_bins = np.searchsorted(bins, edges[1:]) > first
    if has_bins.any():
        loudest = np.maximum.reduceat(db, np.minimum(first, len(bins) - 1), axis=1).T  # meaningful where has_bins
        levels[has_bins] = np.maximum(levels[has_bins], loudest[has_bins])
    return levels


def _spread(db: np.ndarray, bins: int, columns: int) -> np.ndarray:
    """The loudest value within ±`columns` columns and ±`bins` bins of each cell of [columns, bins]."""
    spread = db.copy()
    for axis, reach in ((1, bins), (0, min(columns, db.shape[0] - 1))):  # separable: along bins, then along time
        source = spread.copy()
        for shift in range(1, reach + 1):
            ahead = [slice(None)] * 2
            behind = [slice(None)] * 2
            ahead[axis], behind[axis] = slice(shift, None), slice(None, -shift)
            np.maximum(spread[tuple(behind)], source[tuple(ahead)], out=spread[tuple(behind)])
            np.maximum(spread[tuple(ahead)], source[tuple(behind)], out=spread[tuple(ahead)])
    return spread


def colour(db: np.ndarray, floor_db: float = FLOOR_DB, ceiling_db: float = CEILING_DB) -> np.ndarray:
    """RGB uint8 [..., 3] of dB values on the RAMP, floor_db darkest, ceiling_db brightest."""
    level = np.clip((np.asarray(db, np.float64) - floor_db) / (ceiling_db - floor_db), 0, 1) * (len(RAMP) - 1)
    low = np.floor(level).astype(int).clip(0, len(RAMP) - 2)
    fraction = (level - low)[..., None]
    return (RAMP[low] * (1 - fraction) + RAMP[low + 1] * fraction).round().astype(np.uint8)


def spectrogram_image(
    samples: np.ndarray, rate: int, height: int = 256, floor_db: float = FLOOR_DB, *, width: int | None = None
) -> np.ndarray:
    """The bare picture, RGB uint8 [height, width, 3]: high frequencies at the top, time left to right.

    `width` defaults to one column per 256 samples."""
    width = width or max(1, int(np.ceil(np.shape(samples)[-1] / 256)))
    return colour(spectrogram_levels(samples, rate, width, height).db, floor_db)


def save_spectrogram(
    samples: np.ndarray,
    rate: int,
    path: str | os.PathLike[str],
    *,
    title: str | None = None,
    size: tuple[int, int] = (900, 400),
) -> Path:
    """Write the spectrogram of `samples` ([channels, samples] or mono, `rate` Hz) as a PNG picture.

    The picture is `size` (width, height) pixels, at least 360 × 200: time in seconds along the
    bottom, frequency in Hz up a log axis, a dBFS colour scale at the right, and `title` (e.g. the
    prompt) above. The file appears complete or not at all.
    """
    from soundloom.sdk.spectrogram_picture import draw_spectrogram

    if np.asarray(samples).ndim not in (1, 2):
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"samples must be [channels, samples] or mono, got shape {np.shape(samples)}", "samples")
    if not (isinstance(rate, (int, np.integer)) and rate > 0):
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"rate must be a positive number of Hz, got {rate!r}", "rate")
    picture = draw_spectrogram(samples, int(rate), size=size, title=title)
    path = Path(path)
    # A new picture gets the permissions any program would give it, a replaced one keeps its own.
    with atomic_writer(path, sync=False) as file:
        picture.image.save(file, format="PNG")
    return path
