"""What a model folder declares about itself in `soundloom.json`, beside its `model_index.json`.

    {"default_steps": 10}

`default_steps` is the number of sampling steps used when a request leaves `steps` unset: a model
knows best where more steps stop paying (the starter's quality is flat from 10).

`from_cache` names components the folder does not ship but takes from a model the user already has
in the local Hugging Face cache, by repo id, e.g. a multi-gigabyte text encoder shared by several
models: `{"from_cache": {"text_encoder": "google/flan-t5-large", "tokenizer": "google/flan-t5-large"}}`.
They are looked up offline; nothing is downloaded.

The file is optional; without it, or without a key, the engine-wide defaults apply.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from soundloom.engine.models.hf_cache import is_repo_id
from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.protocol.messages import RANGES

SETTINGS_FILE = "soundloom.json"
FALLBACK_STEPS = 25  # for a model that does not say


@dataclass(frozen=True)
class ModelSettings:
    default_steps: int = FALLBACK_STEPS
    from_cache: dict[str, str] = field(default_factory=dict)  # component name → repo id in the HF cache


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
    from_cache = data.get("from_cache", {})
    if not isinstance(from_cache, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and is_repo_id(v) for k, v in from_cache.items()
    ):
        raise SoundloomError(
            ErrorCode.MODEL_INCOMPLETE,
            f"{path}: from_cache must map component names to repo ids such as \"google/flan-t5-large\", got {from_cache!r}",
            "model",
        )
    return ModelSettings(default_steps=steps, from_cache=dict(from_cache))
