"""A scanned sample library as training examples: fixed-length windows at the model's rate, in
its channels (mono for a mono model, each channel kept for a stereo one).

Long files are cut into consecutive windows (at most a few per file, so one long recording cannot
outweigh a folder of one-shots); short files are padded with silence after their end, so
one-shots keep their attack at the window's start. Files are opened for reading only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from soundloom.engine.audio import resample, to_model_channels, to_model_input
from soundloom.engine.training.corpus.mixing import tango_mix
from soundloom.engine.training.library import LibraryScan
from soundloom.protocol.errors import ErrorCode, SoundloomError

MAX_WINDOWS_PER_FILE = 8
MIN_TAIL = 0.5  # a trailing partial window is kept when it fills at least half a window


@dataclass
class Window:
    audio: np.ndarray  # float32 at the model's rate: [samples] for a mono model, else [channels, samples]
    caption: str
    source: str  # relative path in the library ("a.wav + b.wav" for a mix)


def windows_of(audio: np.ndarray, samples: int) -> list[np.ndarray]:
    """Consecutive `samples`-long windows along the last axis of `audio` ([samples] or [channels,
    samples]), the last one padded; at least one."""
    out = []
    length = audio.shape[-1]
    for start in range(0, max(length, 1), samples):
        piece = audio[..., start : start + samples]
        if out and piece.shape[-1] < MIN_TAIL * samples:
            break
        padding = [(0, 0)] * (audio.ndim - 1) + [(0, samples - piece.shape[-1])]
        out.append(np.pad(piece, padding).astype(np.float32))
        if len(out) == MAX_WINDOWS_PER_FILE:
            break
    return out


def load_windows(scan: LibraryScan, sample_rate: int, samples: int, channels: int = 1) -> list[Window]:
    """Every usable clip of `scan` as windows in a model's `channels`; a file that cannot be read
    now is a library change."""
    root = Path(scan.root)
    found = []
    for clip in scan.clips:
        try:
            audio, rate = sf.read(str(root / clip.path), dtype="float32", always_2d=True)
        except Exception as exc:  # vanished or changed since the scan
            raise SoundloomError(ErrorCode.LIBRARY_CHANGED, f"{clip.path} can no longer be read ({exc})", "folder") from exc
        if channels == 1:
            signal = to_model_input(audio.T, rate, sample_rate)
        else:
            signal = resample(to_model_channels(np.ascontiguousarray(audio.T), channels), rate, sample_rate)
        found += [Window(w, clip.caption, clip.path) for w in windows_of(signal, samples)]
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
        if first.audio.ndim == 1:
            audio, caption, _ = tango_mix(first.audio, second.audio, first.caption, second.caption, rng)
        else:  # several channels: the gains are chosen on the mono mixes and applied to every channel
            _, caption, mix = tango_mix(first.audio.mean(axis=0), second.audio.mean(axis=0), first.caption, second.caption, rng)
            gain_a, gain_b = 10.0 ** (mix.gain_a_db / 20.0), 10.0 ** (mix.gain_b_db / 20.0)
            audio = (gain_a * first.audio + gain_b * second.audio).astype(np.float32)
        out.append(Window(audio[..., : first.audio.shape[-1]], caption, f"{first.source} + {second.source}"))
    return out

