"""Real sound files for the library index tests: tones and noise written by soundfile, Broadcast-WAV
files whose bext and iXML chunks are written here byte by byte, and a fingerprint of a folder tree."""

from __future__ import annotations

import hashlib
import os
import struct
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from soundloom.library import EmbeddingUnavailable, LibraryIndex


def tone(path: Path, hz: float = 440.0, seconds: float = 0.6, rate: int = 16000, level: float = 0.3,
         subtype: str = "PCM_16", channels: int = 1, decay: float = 0.0) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(seconds * rate)) / rate
    mono = level * np.sin(2 * np.pi * hz * t) * np.exp(-decay * t)
    data = np.repeat(mono[:, None], channels, axis=1) if channels > 1 else mono
    sf.write(path, data.astype(np.float32), rate, subtype=subtype)
    return path


def noise(path: Path, seconds: float = 0.6, rate: int = 16000, level: float = 0.2, seed: int = 0) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    samples = np.random.default_rng(seed).normal(0, level, int(seconds * rate)).clip(-1, 1)
    sf.write(path, samples.astype(np.float32), rate, subtype="PCM_16")
    return path


def _chunk(ident: bytes, payload: bytes) -> bytes:
    return ident + struct.pack("<I", len(payload)) + payload + (b"\0" if len(payload) % 2 else b"")


def bwf(path: Path, description: str = "", ixml: str | None = None, seconds: float = 0.5, rate: int = 48000,
        hz: float = 220.0) -> Path:
    """A 24-bit Broadcast-WAV file with a `bext` chunk (EBU Tech 3285 v1) and optionally an iXML chunk."""
    t = np.arange(int(seconds * rate)) / rate
    pcm = (0.3 * np.sin(2 * np.pi * hz * t) * (2**23 - 1)).astype("<i4")
    data = b"".join(int(v).to_bytes(3, "little", signed=True) for v in pcm)
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 3, 3, 24)
    bext = struct.pack("<256s32s32s10s8sQH64s10s180s", description.encode("ascii"), b"soundloom tests", b"REF1",
                       b"2024-01-02", b"03:04:05", 0, 1, b"", b"", b"") + b"A=PCM,F=48000,W=24,M=mono\r\n"
    body = b"WAVE" + _chunk(b"fmt ", fmt) + _chunk(b"bext", bext)
    if ixml is not None:
        body += _chunk(b"iXML", ixml.encode("utf-8"))
    body += _chunk(b"data", data)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


def fingerprint(root: Path) -> dict:
    """Every entry below `root` with its content hash, mtime and mode (links by their target text)."""
    out = {}
    for folder, folders, files in os.walk(root):
        for name in folders + files:
            path = os.path.join(folder, name)
            info = os.lstat(path)
            if os.path.islink(path):
                out[path] = ("link", os.readlink(path))
            elif os.path.isfile(path):
                with open(path, "rb") as f:
                    out[path] = (hashlib.sha256(f.read()).hexdigest(), info.st_mtime_ns, info.st_mode)
            else:
                out[path] = ("dir", info.st_mtime_ns, info.st_mode)
    return out


class NoEngine:
    """An embedder for tests that are not about meaning: as if no engine were running."""

    def embed(self, texts):
        raise EmbeddingUnavailable("no engine is running")


@pytest.fixture
def open_index(tmp_path):
    """open_index(**kw) → a LibraryIndex in tmp_path/data (no engine unless given); closed after the test."""
    opened = []

    def _open(path=None, **kw):
        kw.setdefault("embedder", NoEngine())
        index = LibraryIndex.open(path or tmp_path / "data" / "library.sqlite3", **kw)
        opened.append(index)
        return index

    yield _open
    for index in opened:
        index.close()


@pytest.fixture
def library(tmp_path):
    """A small library folder: UCS names, plain names, a sidecar caption, several formats."""
    root = tmp_path / "Sounds"
    tone(root / "Doors" / "DOORWood_Slam Heavy_JD_Studio.wav", 90, decay=6)
    tone(root / "Doors" / "Door_Slam_Metal_02.wav", 300, decay=6, subtype="PCM_24")
    tone(root / "Impacts" / "anvil_strike.flac", 880, decay=3)
    noise(root / "Weather" / "soft_rain.wav", seconds=1.5)
    (root / "Weather" / "soft_rain.txt").write_text("gentle rain on leaves\n")
    tone(root / "Synth" / "pad_A3.wav", 220, seconds=2.0, subtype="FLOAT", channels=2, rate=48000)
    return root
