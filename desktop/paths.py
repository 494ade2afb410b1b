"""Where the desktop app keeps what it makes: exports (kept for good) and caches (safe to delete)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

DATA_DIR_ENV = "SOUNDLOOM_DATA_DIR"    # the same variable the engine reads, so both agree on one data folder
CACHE_DIR_ENV = "SOUNDLOOM_CACHE_DIR"  # overrides the cache folder (tests, sandboxes)


def data_dir() -> Path:
    """$SOUNDLOOM_DATA_DIR, else the user data dir for soundloom."""
    return Path(os.environ.get(DATA_DIR_ENV) or platformdirs.user_data_dir("soundloom"))


def cache_dir() -> Path:
    """$SOUNDLOOM_CACHE_DIR, else the user cache dir for soundloom."""
    return Path(os.environ.get(CACHE_DIR_ENV) or platformdirs.user_cache_dir("soundloom"))


def exports_dir() -> Path:
    """The folder sounds dragged or exported into a DAW are rendered to.

    It lives under the data dir, never a temporary folder: a DAW session keeps pointing at these
    files long after the drag, so they must outlive reboots and cache cleaning.
    """
    return data_dir() / "exports"


def peaks_dir() -> Path:
    return cache_dir() / "peaks"
