"""The folders soundloom keeps things in: its settings file and its data folder.

Light on purpose (stdlib and platformdirs only): the engine, the desktop app, the library and the
command line all ask here, so every one of them agrees on the same folders.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "soundloom"
CONFIG_DIR_ENV = "SOUNDLOOM_CONFIG_DIR"  # overrides the folder of settings.toml (tests, sandboxes)
DATA_DIR_ENV = "SOUNDLOOM_DATA_DIR"      # overrides the data folder: results, logs, adapters, library index
SETTINGS_NAME = "settings.toml"


def config_dir() -> Path:
    """$SOUNDLOOM_CONFIG_DIR, else the user config dir (~/.config/soundloom on Linux)."""
    return Path(os.environ.get(CONFIG_DIR_ENV) or platformdirs.user_config_dir(APP_NAME))


def settings_path() -> Path:
    """The settings file; it need not exist (every key then has its default)."""
    return config_dir() / SETTINGS_NAME


def data_dir(explicit: Path | None = None, create: bool = True) -> Path:
    """Where results, logs, adapters and the library index live: `explicit` (e.g. --data-dir),
    $SOUNDLOOM_DATA_DIR, or the user data dir (~/.local/share/soundloom on Linux); created 0700."""
    path = Path(explicit) if explicit else Path(os.environ.get(DATA_DIR_ENV) or platformdirs.user_data_dir(APP_NAME))
    if create:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
