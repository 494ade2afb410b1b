"""Spectrogram pictures of sounds: levels in dBFS on a log-frequency axis, saved as a labelled PNG.

`spectrogram_levels` is the analysis (numbers only); `spectrogram_image` colours it; and
`save_spectrogram` draws the full picture with a time axis in seconds, a frequency axis in Hz, a
dBFS colour scale and an optional title (spectrogram_picture.py does the drawing, with pillow).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.sdk.audio_file import user_file_mode

FLOOR_DB = -100.0  # the darkest colour, in dBFS: anything quieter reads as silence
CEILING_DB = 0.0  # the brightest colour: full scale
FMIN_HZ = 30.0  # the bottom of the frequency axis (sub-bass kicks and rumbles still show)
WINDOW_S = 0.04  # analysis window, rounded up to a power of two in samples: 1024 at 16 kHz, 2048 at 48 kHz

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
    """The sound's levels on a `rows` × `columns` grid: log-spaced bands fmin..rate/2 Hz, equal time slices."""
    samples = np.asarray(samples)
    length = samples.shape[-1]
    seconds = length / rate
    fmax = rate / 2
    if length == 0:
        return Levels(np.full((rows, columns), FLOOR_DB, np.float32), fmin, fmax, 0.0)
    n_fft = window_size(rate)
    hop = int(max(1, min(n_fft // 4, np.ceil(length / columns))))  # at least a frame per column when there are enough samples
    power = _mono_power(samples, rate, hop, n_fft)  # [frames, bins]
    # Time: each column keeps the loudest frame whose centre falls in it (the nearest one if none does).
    first_centre = np.arange(columns) * length / columns - n_fft / 2
    starts = np.clip(np.ceil(first_centre / hop).astype(np.int64), 0, len(power) - 1)
    power = np.maximum.reduceat(power, starts, axis=0)  # [columns, bins]
    # Frequency: each band keeps its loudest bin; a band narrower than a bin interpolates at its centre.
    bins = np.fft.rfftfreq(n_fft, 1 / rate)
    edges = np.geomspace(fmin, fmax, rows + 1)
    centres = np.sqrt(edges[:-1] * edges[1:])
    interpolated = np.stack([np.interp(centres, bins, column) for column in power], axis=1)  # [rows, columns]
    first = np.searchsorted(bins, edges[:-1])
    last = np.searchsorted(bins, edges[1:])
    has_bins = last > first
    if has_bins.any():
        starts = np.minimum(first, len(bins) - 1)
        loudest = np.maximum.reduceat(power, starts, axis=1).T  # [rows, columns]; only meaningful where has_bins
        interpolated[has_bins] = np.maximum(interpolated[has_bins], loudest[has_bins])
    db = 10 * np.log10(np.maximum(interpolated, 10 ** (FLOOR_DB / 10)))
    return Levels(db[::-1].astype(np.float32), fmin, fmax, seconds)


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
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            picture.image.save(file, format="PNG")
        os.chmod(temporary, user_file_mode(path))  # mkstemp's file is private (0600); a picture is the user's to share
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
