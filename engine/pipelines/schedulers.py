"""Per-request choice of diffusers' samplers, all built from the model's own noise-schedule config."""

from __future__ import annotations

from typing import Any

from diffusers import DDIMScheduler, DPMSolverMultistepScheduler, EulerDiscreteScheduler

from soundloom.protocol.errors import ErrorCode, SoundloomError

SCHEDULERS: dict[str, tuple[type, dict[str, Any]]] = {
    "ddim": (DDIMScheduler, {}),
    "dpmpp": (DPMSolverMultistepScheduler, {"algorithm_type": "dpmsolver++", "solver_order": 2}),
    "euler": (EulerDiscreteScheduler, {}),
}


def make_scheduler(name: str, config: dict[str, Any]):
    """A fresh scheduler (they keep per-run state, so never share one between jobs)."""
    if name not in SCHEDULERS:
        raise SoundloomError(
            ErrorCode.INVALID_ARGUMENT, f"unknown scheduler {name!r}; allowed: {', '.join(SCHEDULERS)}", "scheduler"
        )
    cls, overrides = SCHEDULERS[name]
    return cls.from_config(config, **overrides)
