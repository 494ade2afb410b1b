"""A scanned sample library as training examples: fixed-length mono windows at the model's rate.

Long files are cut into consecutive windows (at most a few per file, so one long recording cannot
outweigh a folder of one-shots); short files are padded with silence after their end, so
one-shots keep their attack at the window's start. Files are opened for reading only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from soundloom.engine.audio import to_model_input
from soundloom.engine.training.corpus.mixing import tango_mix
from soundloom.engine.training.library import LibraryScan
from soundloom.protocol.errors import ErrorCode, SoundloomError

MAX_WINDOWS_PER_FILE = 8
MIN_TAIL = 0.5  # a trailing partial window is kept when it fills at least half a window


@dataclass
class Window:
    audio: np.ndarray  # [samples] float32 at the model's rate
    caption: str
    source: str  # relative path in the library ("a.wav + b.wav" for a mix)


def windows_of(mono: np.ndarray, samples: int) -> list[np.ndarray]:
    """Consecutive `samples`-long windows of `mono`, the last one padded; at least one."""
    out = []
    for start in range(0, max(len(mono), 1), samples):
        piece = mono[start : start + samples]
        if out and len(piece) < MIN_TAIL * samples:
            break
        out.append(np.pad(piece, (0, samples - len(piece))).astype(np.float32))
        if len(out) == MAX_WINDOWS_PER_FILE:
            break
    return out


def load_windows(scan: LibraryScan, sample_rate: int, samples: int) -> list[Window]:
    """Every usable clip of `scan` as windows; a file that cannot be read now is a library change."""
    root = Path(scan.root)
    found = []
    for clip in scan.clips:
        try:
            audio, rate = sf.read(str(root / clip.path), dtype="float32", always_2d=True)
        except Exception as exc:  # vanished or changed since the scan
            raise SoundloomError(ErrorCode.LIBRARY_CHANGED, f"{clip.path} can no longer be read ({exc})", "folder") from exc
        mono = to_model_input(audio.T, rate, sample_rate)
        found += [Window(w, clip.caption, clip.path) for w in windows_of(mono, samples)]
    return found


def mixed_windows(windows: list[Window], rng: np.random.Generator) -> list[Window]:
    """Tango's augmentation: each window mixed with another of a different caption at a random
    relative pressure level, captions joined. Empty when every window has the same caption."""
    out = []
    for first in windows:
        others = [w for w in windows if w.caption != first.caption]
        if not others:
            continue
        second = others[int(rng.integers(len(others)))]
        audio, caption, _ = tango_mix(first.audio, second.audio, first.caption, second.caption, rng)
        out.append(Window(audio[: len(first.audio)], caption, f"{first.source} + {second.source}"))
    return out

