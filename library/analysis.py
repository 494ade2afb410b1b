"""Everything the index stores about one file, read from the file alone (opened read-only)."""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from soundloom.library import features as feats
from soundloom.library.captions import choose_caption
from soundloom.library.metadata import read_embedded, sidecar_settings
from soundloom.library.ucs import parse_ucs, ucs_caption

AUDIO_SUFFIXES = {".wav", ".wave", ".bwf", ".flac", ".aif", ".aiff", ".aifc", ".ogg", ".oga", ".opus", ".mp3",
                  ".caf", ".w64"}
LOUDNESS_MIN_SECONDS = 0.4  # BS.1770 gates 400 ms blocks: a shorter clip has no integrated loudness
HASH_CHUNK = 1 << 20


class Unusable(Exception):
    """A file the index cannot use; the message is the reason shown to the user."""


@dataclass
class FileFacts:
    size: int
    mtime_ns: int
    content_hash: str
    seconds: float
    sample_rate: int
    channels: int
    subtype: str
    loudness_lufs: float | None
    peak_dbfs: float | None
    caption: str
    caption_source: str
    catid: str | None
    category: str | None
    subcategory: str | None
    meta_text: str
    generated: dict = field(default_factory=dict)
    features: bytes | None = None
    pitch_hz: float | None = None


def content_hash(path: str | os.PathLike | bytes) -> str:
    """blake3 of the file's bytes, hex: what recognises a moved file."""
    from blake3 import blake3

    digest = blake3()
    with open(path, "rb") as f:
        while chunk := f.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@functools.lru_cache(maxsize=8)
def _meter(rate: int):
    import pyloudnorm

    return pyloudnorm.Meter(rate)


def loudness_lufs(samples: np.ndarray, rate: int) -> float | None:
    """Integrated loudness (ITU-R BS.1770, LUFS) of [samples, channels], None when it has none
    (shorter than 0.4 s, silent, or more channels than BS.1770 weighs)."""
    if samples.shape[0] < LOUDNESS_MIN_SECONDS * rate or samples.shape[1] > 5:
        return None
    try:
        value = float(_meter(rate).integrated_loudness(samples.astype(np.float64)))
    except (ValueError, ZeroDivisionError):
        return None
    return value if np.isfinite(value) else None


@dataclass
class _Info:
    frames: int
    samplerate: int
    channels: int
    subtype: str


def _read_audio(path: Path, analysis_seconds: float) -> tuple[_Info, np.ndarray, float | None]:
    """(info, the first `analysis_seconds` as [samples, channels] float32, peak dBFS of the whole file).

    libsndfile gets an open Python file, not a name: the file is opened read-only ("rb"), and a
    name that is not valid UTF-8 still opens (libsndfile's own open would need it encoded).
    """
    try:
        with open(path, "rb") as raw:
            if os.fstat(raw.fileno()).st_size == 0:
                raise Unusable("empty file (zero bytes)")
            with sf.SoundFile(raw) as f:
                info = _Info(f.frames, f.samplerate, f.channels, f.subtype or "")
                if info.samplerate <= 0 or info.frames <= 0:
                    raise Unusable("no audio (zero length)")
                head = f.read(int(min(info.frames, analysis_seconds * info.samplerate)), dtype="float32", always_2d=True)
                peak = float(np.abs(head).max()) if head.size else 0.0
                # The peak is of the whole file, read in blocks so a two-hour file never sits in memory.
                for block in f.blocks(blocksize=1 << 18, dtype="float32", always_2d=True):
                    peak = max(peak, float(np.abs(block).max(initial=0.0)))
    except Unusable:
        raise
    except OSError as exc:
        raise Unusable(f"unreadable ({exc.strerror or exc})") from None
    except Exception as exc:  # libsndfile reports corrupt and unsupported files in several ways
        raise Unusable(f"unreadable ({_reason(exc)})") from None
    if head.shape[0] == 0:
        raise Unusable("no audio (truncated: no frames decode)")
    if not np.isfinite(head).all():
        head = np.nan_to_num(head, nan=0.0, posinf=1.0, neginf=-1.0)
        peak = float(np.abs(head).max())
    return info, head, (20 * np.log10(peak) if peak > 0 else None)


def _reason(exc: Exception) -> str:
    """libsndfile's own words, without the "Error opening <file object>: " it puts first."""
    first = (str(exc).splitlines() or [type(exc).__name__])[0]
    return re.sub(r"^Error opening .*?>: ", "", first).strip().rstrip(".")[:160] or type(exc).__name__


def analyse(path: Path, relative: Path, stat: os.stat_result, analysis_seconds: float = feats.ANALYSIS_SECONDS,
            generated_root: bool = False) -> FileFacts:
    """Read `path` (below its root at `relative`) into FileFacts; raises Unusable with the reason."""
    info, head, peak = _read_audio(path, analysis_seconds)
    digest = content_hash(path)
    seconds = info.frames / info.samplerate
    features = feats.compute(head, info.samplerate, seconds)
    embedded = read_embedded(path)
    generated = dict(embedded.generated)
    if generated_root or not generated:
        for key, value in sidecar_settings(path).items():
            generated.setdefault(key, value)
    ucs = parse_ucs(relative.stem)
    caption, source = choose_caption(path, relative, embedded.description, ucs_caption(ucs) if ucs else None, "ucs")
    return FileFacts(
        size=stat.st_size, mtime_ns=stat.st_mtime_ns, content_hash=digest, seconds=seconds,
        sample_rate=info.samplerate, channels=info.channels, subtype=info.subtype or "",
        loudness_lufs=loudness_lufs(head, info.samplerate), peak_dbfs=peak, caption=caption, caption_source=source,
        catid=ucs.catid if ucs else None, category=ucs.category if ucs else None,
        subcategory=ucs.subcategory if ucs else None, meta_text=embedded.search_text, generated=generated,
        features=feats.to_blob(features), pitch_hz=features.pitch_hz,
    )
