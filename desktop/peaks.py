"""Multi-resolution min/max peaks of a sound file, so a waveform of any length draws and zooms at once.

The finest level holds one (min, max) pair per `base` frames (over all channels); every coarser
level merges 4 blocks into 1, down to a few dozen. A pixel column is drawn from the coarsest level
whose blocks are no wider than the column, so painting costs the same for a 1-second clip and a
2-hour recording. The file is read in slabs, never loaded whole.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import blake3
import numpy as np
import soundfile as sf

from soundloom.protocol.atomic_files import atomic_writer, write_bytes_atomically

FACTOR = 4                  # each level merges this many blocks of the level below
MAX_FINEST = 1 << 19        # blocks at the finest level: bounds memory and cache size per file
MIN_COARSEST = 64           # stop adding levels below this many blocks
SLAB_FRAMES = 1 << 18       # frames read at once; a multiple of every possible base
FORMAT_VERSION = 1          # part of the cache file name: bump when the layout changes


class PeakError(ValueError):
    """A file whose peaks cannot be computed; the message says why in the user's terms."""


class Cancelled(Exception):
    """The caller no longer wants these peaks (another sound was selected meanwhile)."""


def base_for(frames: int) -> int:
    """Frames per block at the finest level: the smallest power of 4 (at least 4) keeping it ≤ MAX_FINEST blocks."""
    base = 4
    while frames / base > MAX_FINEST:
        base *= FACTOR
    return base


@dataclass
class PeakPyramid:
    """Peaks of one file: `levels[i]` is an (n, 2) float16 array of (min, max) per block of
    `base * 4**i` frames; `rate` in Hz, `frames` the file's length in frames."""

    rate: int
    frames: int
    channels: int
    base: int
    levels: list[np.ndarray]

    @property
    def seconds(self) -> float:
        return self.frames / self.rate if self.rate else 0.0

    def block_frames(self, level: int) -> int:
        return self.base * FACTOR**level

    def level_for(self, frames_per_pixel: float) -> int:
        """The coarsest level whose blocks are no wider than a quarter of a pixel column: a column
        takes in the blocks it partly overlaps, so this keeps what it shows within a quarter column
        of its span."""
        level = 0
        while level + 1 < len(self.levels) and self.block_frames(level + 1) * 4 <= frames_per_pixel:
            level += 1
        return level

    def columns(self, start: float, end: float, width: int) -> tuple[np.ndarray, np.ndarray]:
        """(mins, maxs) for `width` pixel columns spanning start..end seconds; NaN where there is no audio."""
        mins = np.full(width, np.nan, dtype=np.float32)
        maxs = np.full(width, np.nan, dtype=np.float32)
        if width <= 0 or end <= start or not self.frames or not self.levels[0].size:
            return mins, maxs
        frames_per_pixel = (end - start) * self.rate / width
        level = self.level_for(frames_per_pixel)
        peaks, block = self.levels[level], self.block_frames(level)
        edges = start * self.rate + np.arange(width + 1) * frames_per_pixel
        inside = (edges[:-1] < self.frames) & (edges[1:] > 0)
        if not inside.any():
            return mins, maxs
        # Column i covers blocks first[i]..last[i], including the blocks it only partly overlaps,
        # so no sample is left out of the view.
        first = np.clip(np.floor(edges[:-1] / block).astype(np.int64), 0, len(peaks) - 1)
        last = np.clip(np.ceil(edges[1:] / block).astype(np.int64) - 1, 0, len(peaks) - 1)
        stop = int(np.clip(np.ceil(edges[-1] / block), 1, len(peaks)))
        columns = np.flatnonzero(inside)
        starts = np.minimum(first[columns], stop - 1)
        # reduceat merges peaks[starts[i]:starts[i+1]], or takes peaks[starts[i]] alone where several
        # columns share one block (zoomed in past the finest level); the block a column shares with
        # the next is added on top.
        span = peaks[:stop].astype(np.float32)
        ends = np.minimum(last[columns], stop - 1)
        mins[columns] = np.minimum(np.minimum.reduceat(span[:, 0], starts), span[ends, 0])
        maxs[columns] = np.maximum(np.maximum.reduceat(span[:, 1], starts), span[ends, 1])
        return mins, maxs


def _open(path: Path) -> sf.SoundFile:
    try:
        return sf.SoundFile(os.fsencode(path))  # bytes: names that are not UTF-8 open too
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        raise PeakError(f"{os.fsdecode(path.name)}: {_reason(exc)}") from exc


def _reason(exc: Exception) -> str:
    return getattr(exc, "error_string", None) or getattr(exc, "strerror", None) or str(exc)


def build(path: str | Path, cancel: Callable[[], bool] | None = None) -> PeakPyramid:
    """Read `path` slab by slab and build its pyramid; `cancel()` returning True stops with Cancelled.

    A truncated file yields the peaks of what could be read; an unreadable one raises PeakError.
    """
    path = Path(path)
    with _open(path) as f:
        rate, channels, declared = f.samplerate, f.channels, max(f.frames, 0)
        base = base_for(declared)
        # Integer PCM decodes about twice as fast to int16, which still resolves -90 dB: plenty
        # for drawing. Float files keep float, since their peaks may exceed full scale.
        as_int = f.subtype.startswith("PCM_") and f.subtype != "PCM_U8" or f.format == "FLAC"
        dtype, scale = ("int16", 1 / 32768) if as_int else ("float32", 1.0)
        finest: list[np.ndarray] = []
        frames = 0
        while True:
            if cancel is not None and cancel():
                raise Cancelled(str(path))
            try:
                slab = f.read(SLAB_FRAMES, dtype=dtype, always_2d=True)
            except (sf.LibsndfileError, RuntimeError) as exc:
                if frames:  # a truncated or damaged tail: keep what was read
                    break
                raise PeakError(f"{os.fsdecode(path.name)}: {_reason(exc)}") from exc
            if not len(slab):
                break
            frames += len(slab)
            finest.append(_block_peaks(slab, base) * np.float32(scale))
            if len(slab) < SLAB_FRAMES:
                break
    level = np.concatenate(finest) if finest else np.zeros((0, 2), dtype=np.float32)
    levels = [level.astype(np.float16)]
    while len(level) > MIN_COARSEST:
        level = _merge(level)
        levels.append(level.astype(np.float16))
    return PeakPyramid(rate=rate, frames=frames, channels=channels, base=base, levels=levels)


def _block_peaks(slab: np.ndarray, base: int) -> np.ndarray:
    frames, channels = slab.shape
    whole = frames // base
    out = np.empty((whole + (frames % base > 0), 2), dtype=np.float32)  # from int16 or float32 slabs
    if whole:
        blocks = slab[: whole * base].reshape(whole, base * channels)
        out[:whole, 0] = blocks.min(axis=1)
        out[:whole, 1] = blocks.max(axis=1)
    if frames % base:
        tail = slab[whole * base :]
        out[-1] = tail.min(), tail.max()
    return out


def _merge(level: np.ndarray) -> np.ndarray:
    whole = len(level) // FACTOR
    merged = [np.stack([level[: whole * FACTOR, 0].reshape(whole, FACTOR).min(axis=1),
                        level[: whole * FACTOR, 1].reshape(whole, FACTOR).max(axis=1)], axis=1)]
    if len(level) % FACTOR:
        tail = level[whole * FACTOR :]
        merged.append(np.array([[tail[:, 0].min(), tail[:, 1].max()]], dtype=level.dtype))
    return np.concatenate(merged)


def content_hash(path: str | Path) -> str:
    """blake3 of the file's bytes (hex), hashed on all cores straight from the page cache."""
    hasher = blake3.blake3(max_threads=blake3.blake3.AUTO)
    hasher.update_mmap(os.fspath(path))
    return hasher.hexdigest()


class PeakCache:
    """Pyramids on disk, named by the blake3 of the file's content.

    Content, not path, names a pyramid, so a moved, renamed or copied file finds its peaks again and
    an edited one never shows stale ones. Hashing still reads every byte, so a small memo maps
    (path, size, mtime) to the last hash seen: reopening an unchanged file reads nothing but its
    cached peaks.
    """

    def __init__(self, folder: str | Path, limit_bytes: int = 512 * 2**20):
        self.folder = Path(folder)
        self.limit_bytes = limit_bytes
        self._lock = threading.Lock()

    def pyramid(self, path: str | Path, cancel: Callable[[], bool] | None = None) -> PeakPyramid:
        """The file's pyramid, from the cache when its content was seen before, else built and stored."""
        path = Path(path)
        try:
            stat = path.stat()
        except OSError as exc:
            raise PeakError(f"{os.fsdecode(path.name)}: {_reason(exc)}") from exc
        digest = self._memo_get(path, stat)
        if digest is None:
            try:
                digest = content_hash(path)
            except (OSError, ValueError) as exc:
                raise PeakError(f"{os.fsdecode(path.name)}: {_reason(exc)}") from exc
            self._memo_put(path, stat, digest)
        cached = self._load(digest)
        if cached is not None:
            return cached
        pyramid = build(path, cancel)
        self._store(digest, pyramid)
        return pyramid

    def _file(self, digest: str) -> Path:
        return self.folder / f"{digest}.v{FORMAT_VERSION}.npz"

    def _memo_file(self, path: Path, stat: os.stat_result) -> Path:
        key = b"%s|%d|%d" % (os.fsencode(path.resolve()), stat.st_size, stat.st_mtime_ns)
        return self.folder / "memo" / hashlib.sha1(key).hexdigest()

    def _memo_get(self, path: Path, stat: os.stat_result) -> str | None:
        try:
            return self._memo_file(path, stat).read_text().strip() or None
        except OSError:
            return None

    def _memo_put(self, path: Path, stat: os.stat_result, digest: str) -> None:
        self._write_atomically(self._memo_file(path, stat), digest.encode())

    def _load(self, digest: str) -> PeakPyramid | None:
        file = self._file(digest)
        try:
            with np.load(file) as data:
                count = int(data["levels"])
                pyramid = PeakPyramid(rate=int(data["rate"]), frames=int(data["frames"]),
                                      channels=int(data["channels"]), base=int(data["base"]),
                                      levels=[data[f"level{i}"] for i in range(count)])
            os.utime(file)  # recently used: pruned last
            return pyramid
        except (OSError, ValueError, KeyError):
            return None  # absent, or a damaged cache file: build again

    def _store(self, digest: str, pyramid: PeakPyramid) -> None:
        arrays = {f"level{i}": level for i, level in enumerate(pyramid.levels)}
        header = dict(rate=pyramid.rate, frames=pyramid.frames, channels=pyramid.channels,
                      base=pyramid.base, levels=len(pyramid.levels))
        file = self._file(digest)
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            with atomic_writer(file, sync=False) as out:
                np.savez(out, **header, **arrays)
        except OSError:
            return  # a full or read-only cache only costs a rebuild next time
        self._prune()

    def _write_atomically(self, file: Path, data: bytes) -> None:
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            write_bytes_atomically(file, data, sync=False)
        except OSError:
            return  # the memo only saves a re-hash

    def _prune(self) -> None:
        with self._lock:
            try:
                files = [(entry.stat().st_mtime, entry.stat().st_size, entry)
                         for entry in self.folder.glob("*.npz")]
            except OSError:
                return
            total = sum(size for _, size, _ in files)
            for _, size, entry in sorted(files, key=lambda item: item[0]):
                if total <= self.limit_bytes:
                    break
                entry.unlink(missing_ok=True)
                total -= size
