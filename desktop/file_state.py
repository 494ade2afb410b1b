"""What a file was when the editor opened it, to notice when something else (a DAW, another editor)
changes it before the editor writes over it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from soundloom.desktop.peaks import content_hash


@dataclass(frozen=True)
class FileState:
    size: int
    mtime_ns: int
    digest: str  # blake3 of the bytes: a change that keeps size and mtime is still seen

    @classmethod
    def of(cls, path: Path) -> "FileState":
        info = os.stat(path)
        return cls(info.st_size, info.st_mtime_ns, content_hash(path))


def change_since(path: Path, opened: FileState) -> str:
    """Why `path` is no longer what was opened ("" when it is unchanged): gone, resized, rewritten."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return f"{Path(path).name} was deleted or moved since it was opened"
    except OSError as exc:
        return f"{Path(path).name} cannot be read: {exc.strerror or exc}"
    if info.st_size != opened.size:
        return f"{Path(path).name} changed on disk since it was opened ({opened.size:,} → {info.st_size:,} bytes)"
    # Hashed even when size and time stamp agree: a rewrite within one time-stamp tick keeps both.
    # A touched but unchanged file (new time stamp, same bytes) is still the file that was opened.
    if content_hash(path) != opened.digest:
        return f"{Path(path).name} was rewritten on disk since it was opened"
    return ""
