"""Where the index lives, and how file paths are stored.

Paths are stored as the bytes the operating system uses (`os.fsencode`), so a file whose name is
not valid UTF-8 is indexed and found again exactly; in Python they travel as `str` with surrogate
escapes (`os.fsdecode`), which `open()` accepts.
"""

from __future__ import annotations

import os
from pathlib import Path

from soundloom.settings.paths import DATA_DIR_ENV, data_dir  # noqa: F401  (the one data folder the engine uses too)

INDEX_NAME = "library.sqlite3"
GENERATED_FOLDER = "generated"


def default_index_path() -> Path:
    return data_dir() / INDEX_NAME


def generated_folder(data: Path | None = None) -> Path:
    """Where generated sounds are saved: `<data dir>/generated/`, always indexed as "Generated"."""
    return (data or data_dir()) / GENERATED_FOLDER


def key(path: str | os.PathLike | bytes) -> bytes:
    """The stored form of an absolute path."""
    return os.fsencode(os.path.abspath(os.fspath(path)))


def from_key(stored: bytes) -> str:
    return os.fsdecode(stored)


def display(path: str | bytes) -> str:
    """A path as text to show: undecodable bytes become U+FFFD."""
    raw = path if isinstance(path, bytes) else os.fsencode(path)
    return raw.decode("utf-8", errors="replace")


def upper_bound(prefix: bytes) -> bytes:
    """The smallest key above every key that starts with `prefix` + separator (for range queries)."""
    return prefix + bytes([os.sep.encode()[0] + 1])
