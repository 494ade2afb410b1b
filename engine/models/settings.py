"""What a model folder declares about itself in `soundloom.json`, beside its `model_index.json`.

    {"default_steps": 10}

`default_steps` is the number of sampling steps used when a request leaves `steps` unset: a model
knows best where more steps stop paying (the starter's quality is flat from 10). The file is
optional; without it, or without a key, the engine-wide defaults apply.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.protocol.messages import RANGES

SETTINGS_FILE = "soundloom.json"
FALLBACK_STEPS = 25  # for a model that does not say


@dataclass(frozen=True)
class ModelSettings:
    default_steps: int = FALLBACK_STEPS


def read_settings(folder: Path) -> ModelSettings:
    """The settings of the model folder `folder`; a missing file gives the defaults, a bad one a clear error."""
    path = Path(folder) / SETTINGS_FILE
    if not path.is_file():
        return ModelSettings()
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise SoundloomError(ErrorCode.MODEL_INCOMPLETE, f"{path} is not valid JSON ({exc})", "model") from exc
    if not isinstance(data, dict):
        raise SoundloomError(ErrorCode.MODEL_INCOMPLETE, f"{path} is not a JSON object", "model")
    steps = data.get("default_steps", FALLBACK_STEPS)
    low, high = (int(v) for v in RANGES["steps"])
    if isinstance(steps, bool) or not isinstance(steps, int) or not low <= steps <= high:
        raise SoundloomError(
            ErrorCode.MODEL_INCOMPLETE, f"{path}: default_steps must be an integer from {low} to {high}, got {steps!r}", "model"
        )
    return ModelSettings(default_steps=steps)
