"""Which model folder is the default, found without loading the engine (no torch)."""

from __future__ import annotations

import os
from pathlib import Path

MODEL_ENV = "SOUNDLOOM_MODEL"  # the engine's own override of its default model
STARTER = Path(__file__).resolve().parent.parent / "engine" / "weights" / "starter"


def default_model_folder(setting: str = "") -> Path | None:
    """The default_model setting when set, else $SOUNDLOOM_MODEL, else the bundled starter model if
    installed; None when there is none."""
    if setting:
        return Path(setting)
    if os.environ.get(MODEL_ENV):
        return Path(os.environ[MODEL_ENV])
    return STARTER if (STARTER / "model_index.json").is_file() else None
