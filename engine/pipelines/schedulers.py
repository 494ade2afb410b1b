"""Per-request choice of diffusers' samplers, each family offering those that fit how it was trained.

Every sampler is built from the model folder's own noise-schedule config; a family lists the wire
names it accepts (`AudioModel.schedulers`), so the same name may mean a different solver of the
same kind for another family (`dpmpp` is DPM-Solver++ for each).
"""

from __future__ import annotations

from typing import Any

import diffusers

from soundloom.engine.models.base import AudioModel
from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.protocol.messages import Scheduler

SCHEDULERS: tuple[str, ...] = tuple(s.value for s in Scheduler)
"""Every scheduler name the wire knows; which of them a model accepts is up to its family."""


def scheduler_for(model: AudioModel, name: str):
    """A fresh scheduler for `model` (they keep per-run state, so never share one between jobs)."""
    allowed = model.schedulers
    if name not in allowed:
        raise SoundloomError(
            ErrorCode.INVALID_ARGUMENT,
            f"scheduler {name!r} is not available for {model.family} models; allowed: {', '.join(allowed)}",
            "scheduler",
        )
    return _build(allowed[name], model.scheduler_config)


def _build(choice: tuple[str, dict[str, Any]], config: dict[str, Any]):
    class_name, overrides = choice
    if hasattr(config, "build"):  # a family whose sampling needs more than one solver (DiscoDiff's two stages)
        return config.build(class_name, overrides)
    return getattr(diffusers, class_name).from_config(config, **overrides)
