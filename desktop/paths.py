"""Where the desktop app keeps what it makes: exports (kept for good) and caches (safe to delete)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from soundloom.settings.paths import DATA_DIR_ENV, data_dir  # noqa: F401  (the one data folder the engine uses too)

CACHE_DIR_ENV = "SOUNDLOOM_CACHE_DIR"  # overrides the cache folder (tests, sandboxes)


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
