"""The engine's front door: keeps one model warm and runs operations on it by name."""

from __future__ import annotations

import hashlib
import os
from dataclasses import fields
from pathlib import Path
from typing import Any

from soundloom.engine.device import pick_device, pick_dtype
from soundloom.engine.models.base import AudioModel
from soundloom.engine.models.loading import load_model
from soundloom.engine.pipelines import (
    ExtendRequest,
    GenerateRequest,
    InpaintRequest,
    Result,
    TransferRequest,
    extend,
    generate,
    inpaint,
    transfer,
)
from soundloom.engine.pipelines.requests import MAX_SECONDS
from soundloom.engine.pipelines.sampling import StepCallback
from soundloom.protocol.errors import ErrorCode, SoundloomError

OPERATIONS = {
    "generate": (GenerateRequest, generate),
    "inpaint": (InpaintRequest, inpaint),
    "transfer": (TransferRequest, transfer),
    "extend": (ExtendRequest, extend),
}


STARTER_PATH = Path(__file__).resolve().parent / "weights" / "starter"


def default_model_path() -> Path:
    """The model used when a request names none: $SOUNDLOOM_MODEL, else the bundled starter model."""
    configured = os.environ.get("SOUNDLOOM_MODEL")
    if configured:
        return Path(configured)
    if (STARTER_PATH / "model_index.json").is_file():
        return STARTER_PATH
    raise SoundloomError(
        ErrorCode.MODEL_NOT_FOUND, "no default model is installed; give a model folder (--model PATH)", "model"
    )


def build_request(operation: str, fields_: dict[str, Any]):
    """The request object for `operation` from plain fields, rejecting unknown ones by name."""
    if operation not in OPERATIONS:
        raise SoundloomError(
            ErrorCode.INVALID_ARGUMENT, f"unknown operation {operation!r}; allowed: {', '.join(OPERATIONS)}", "operation"
        )
    cls = OPERATIONS[operation][0]
    known = {f.name for f in fields(cls)}
    for name in fields_:
        if name not in known:
            raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"not a field of {operation}; allowed: {', '.join(sorted(known))}", name)
    if "prompt" not in fields_:
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, "is required", "prompt")
    required = {"audio", "sample_rate", "regions"} & known
    for name in sorted(required - set(fields_)):
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, "is required", name)
    return cls(**fields_)


class Engine:
    """Runs operations on one model at a time, loading it on first use and keeping it warm."""

    def __init__(self, device: str | None = None, max_seconds: float = MAX_SECONDS, dtype: str | None = None):
        """`dtype`: the UNet's compute precision while sampling, "auto" (None), "float32" or "bfloat16"."""
        self.device = pick_device(device)
        self.dtype = pick_dtype(dtype, self.device)
        self.max_seconds = max_seconds
        self._model: AudioModel | None = None
        self._adapters: set[str] = set()  # adapters attached to the warm model's UNet

    @property
    def model(self) -> AudioModel | None:
        return self._model

    def load(self, path: str | Path | None = None) -> AudioModel:
        """Make the model at `path` (default: the default model) the warm one."""
        resolved = Path(path or default_model_path()).expanduser().resolve()
        if self._model is None or self._model.path != resolved:
            self.unload()
            self._model = load_model(resolved, device=str(self.device))
            self._model.compute_dtype = self.dtype
        return self._model

    def unload(self) -> None:
        self._model = None
        self._adapters.clear()

    def use_adapter(self, folder: Path | None, scale: float = 1.0) -> None:
        """Run the warm model with the adapter in `folder` at `scale`, or as the base model (None)."""
        from soundloom.engine.training import lora

        if folder is None:
            lora.select(self._model.unet, None)
            return
        weights = folder / lora.WEIGHTS_FILE
        # Keyed by file identity, so an adapter trained again under the same name is loaded afresh.
        key = "adapter_" + hashlib.sha1(f"{folder}:{weights.stat().st_mtime_ns}".encode()).hexdigest()[:16]
        if key not in self._adapters:
            lora.load(folder, self._model.unet, key)
            self._adapters.add(key)
        lora.select(self._model.unet, key, scale)

    def run(self, operation: str, request, model: str | Path | None = None, on_step: StepCallback | None = None,
            adapter: Path | None = None) -> Result:
        """Validate `request`, load `model` if needed, and run `operation` ("generate", "inpaint", …),
        with the adapter in folder `adapter` at the request's `adapter_scale` when one is given."""
        if isinstance(request, dict):
            request = build_request(operation, request)
        request.validate(self.max_seconds)
        loaded = self.load(model)
        self.use_adapter(adapter, request.adapter_scale)
        return OPERATIONS[operation][1](loaded, request, on_step)
