"""A user's sample library, read-only: which files can train a model, with what captions, and why
the others cannot.

Captions come from a sidecar `.txt` or `.json` beside a file when there is one, otherwise from its
file and folder names ("Foley/Doors/Door_Slam_Wood_03.wav" → "door slam, wood, foley doors").
Nothing inside the library is ever written, moved or touched: files are opened for reading only.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from soundloom.engine.files import is_within
# Captions are made the same way by the sound library index, which lives outside the engine.
from soundloom.library.captions import NOISE_WORDS, caption_from_names, sidecar_caption, words_of  # noqa: F401

AUDIO_SUFFIXES = {".wav", ".flac", ".aif", ".aiff", ".ogg", ".oga", ".mp3"}
MIN_SECONDS = 0.1
MAX_SECONDS = 600.0  # longer files are skipped: a two-hour field recording is not a sample
SILENCE_DBFS = -70.0


@dataclass
class LibraryClip:
    path: str  # relative to the library root
    caption: str
    caption_source: str  # "sidecar", "ucs" or "names"
    seconds: float
    sample_rate: int
    channels: int


@dataclass
class LibraryScan:
    root: str
    clips: list[LibraryClip] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)  # {"path", "reason"}

    @property
    def seconds(self) -> float:
        return sum(c.seconds for c in self.clips)

    def to_dict(self) -> dict:
        return {"root": self.root, "clips": [asdict(c) for c in self.clips], "skipped": self.skipped,
                "total_seconds": round(self.seconds, 3)}


def _relative(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if path != root else "."


def _audio_files(root: Path, allowed: list[Path], skipped: list[dict]) -> list[Path]:
    """Audio files below `root` that resolve inside `allowed`, following folder symlinks once each
    (a symlink loop ends there). A link leading out of `allowed` is skipped with that reason, so a
    library cannot hand the engine files from outside the folders it may read."""
    found, seen = [], set()

    def leaves(path: Path) -> str | None:
        target = Path(os.path.realpath(path))
        return None if is_within(target, allowed) else f"links to {target}, outside the library roots"

    for folder, subfolders, files in os.walk(root, followlinks=True, onerror=lambda e: skipped.append(
            {"path": _relative(Path(e.filename), root) if e.filename else "", "reason": f"unreadable folder ({e.strerror})"})):
        folder = Path(folder)
        try:
            key = os.stat(folder)
        except OSError:
            subfolders[:] = []
            continue
        if (key.st_dev, key.st_ino) in seen:
            skipped.append({"path": _relative(folder, root), "reason": "folder already scanned (symlink loop)"})
            subfolders[:] = []
            continue
        seen.add((key.st_dev, key.st_ino))
        for name in sorted(subfolders):
            reason = leaves(folder / name)
            if reason:
                skipped.append({"path": _relative(folder / name, root), "reason": reason})
                subfolders.remove(name)
        subfolders.sort()
        for name in sorted(files):
            path = folder / name
            if path.suffix.lower() not in AUDIO_SUFFIXES:
                continue
            reason = leaves(path)
            if reason:
                skipped.append({"path": _relative(path, root), "reason": reason})
            else:
                found.append(path)
    return found


def _peak_dbfs(path: Path) -> float:
    peak = 0.0
    with sf.SoundFile(path) as f:  # read-only by default
        for block in f.blocks(blocksize=65536, dtype="float32", always_2d=True):
            peak = max(peak, float(np.abs(block).max(initial=0.0)))
    return 20 * np.log10(peak) if peak > 0 else -np.inf


def scan_library(root: str | Path, allowed_roots: list[Path] | None = None) -> LibraryScan:
    """Every usable clip below `root` with its caption; every other audio file with its reason.

    Files and folders reached through a symlink count only if they resolve inside `allowed_roots`
    (default: `root` itself).
    """
    from soundloom.protocol.errors import ErrorCode, SoundloomError

    root = Path(root).expanduser()
    if not root.is_dir():
        raise SoundloomError(ErrorCode.FILE_NOT_FOUND, f"{root} is not a folder", "folder")
    scan = LibraryScan(str(root.resolve()))
    allowed = [Path(r).expanduser().resolve() for r in allowed_roots] if allowed_roots else [root.resolve()]
    for path in _audio_files(root, allowed, scan.skipped):
        relative = path.relative_to(root)
        try:
            info = sf.info(str(path))
        except Exception as exc:  # libsndfile reports corrupt or unsupported files in several ways
            scan.skipped.append({"path": str(relative), "reason": f"unreadable ({str(exc).splitlines()[0][:120]})"})
            continue
        seconds = info.frames / info.samplerate if info.samplerate else 0.0
        if seconds < MIN_SECONDS:
            scan.skipped.append({"path": str(relative), "reason": f"too short ({seconds:.3f} s; at least {MIN_SECONDS} s)"})
            continue
        if seconds > MAX_SECONDS:
            scan.skipped.append({"path": str(relative), "reason": f"too long ({seconds / 60:.1f} min; at most {MAX_SECONDS / 60:.0f} min)"})
            continue
        try:
            if _peak_dbfs(path) < SILENCE_DBFS:
                scan.skipped.append({"path": str(relative), "reason": f"silent (peak below {SILENCE_DBFS:.0f} dBFS)"})
                continue
        except Exception as exc:
            scan.skipped.append({"path": str(relative), "reason": f"unreadable ({str(exc).splitlines()[0][:120]})"})
            continue
        caption, source = _caption(path, relative)
        scan.clips.append(LibraryClip(str(relative), caption, source, round(seconds, 3), info.samplerate, info.channels))
    return scan


def _caption(path: Path, relative: Path) -> tuple[str, str]:
    """(caption, source): a caption file beside the sound, else what a UCS name says (as the library
    index reads it, without the creator and source IDs), else the file and folder names."""
    from soundloom.library.ucs import parse_ucs, ucs_caption

    sidecar = sidecar_caption(path)
    if sidecar:
        return sidecar, "sidecar"
    ucs = parse_ucs(relative.stem)
    if ucs is not None:
        return ucs_caption(ucs), "ucs"
    return caption_from_names(relative) or "a sound", "names"
