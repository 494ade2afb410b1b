"""Test clips for the bridge: deterministic, non-silent audio in any format soundfile writes."""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path
from typing import Iterator

import numpy as np
import soundfile as sf


def clip_samples(seconds: float, rate: int, channels: int, seed: int = 0) -> np.ndarray:
    """float64 [frames, channels] in −0.5..0.5: a tone per channel plus a little noise, so every
    sample differs from its neighbours and no two channels are equal."""
    frames = round(seconds * rate)
    t = np.arange(frames) / rate
    noise = np.random.default_rng(seed).uniform(-0.05, 0.05, size=(frames, channels))
    tones = np.stack([0.4 * np.sin(2 * np.pi * (220.0 * (c + 1)) * t + c) for c in range(channels)], axis=1)
    return tones + noise


def write_clip(path: str | Path, seconds: float = 1.0, rate: int = 16000, channels: int = 1,
               subtype: str = "PCM_16", format: str | None = None, seed: int = 0) -> Path:
    """Write a deterministic clip to `path` (format from the extension unless given) and return the path."""
    path = Path(path)
    sf.write(str(path), clip_samples(seconds, rate, channels, seed), rate, subtype=subtype, format=format)
    return path


def native(path: str | Path) -> np.ndarray:
    """The file's samples [frames, channels] exactly: int32 for PCM, the float itself for float files."""
    info = sf.info(str(path))
    dtype = {"FLOAT": "float32", "DOUBLE": "float64"}.get(info.subtype, "int32")
    return sf.read(str(path), dtype=dtype, always_2d=True)[0]


@contextlib.contextmanager
def read_only_folder(folder: str | Path) -> Iterator[Path]:
    """Make `folder` unwritable for this process while the block runs: by permissions, and when the
    process may write anyway (root), by the file system's immutable flag (chattr +i)."""
    folder = Path(folder)
    os.chmod(folder, 0o555)
    immutable = False
    try:
        if os.access(folder, os.W_OK):
            immutable = subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0
        if os.access(folder, os.W_OK):
            raise RuntimeError(f"cannot make {folder} read-only here (neither permissions nor chattr +i hold)")
        yield folder
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        os.chmod(folder, 0o755)
