"""Training state on disk: written atomically, found again after a crash, kept few.

A checkpoint is one torch file holding model and optimizer state, the step and the RNG states,
so a resumed run continues where it stopped and loses at most one checkpoint interval.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import torch

from soundloom.protocol.atomic_files import atomic_writer

_NAME = re.compile(r"^step-(\d+)\.pt$")


def save_checkpoint(folder: Path, step: int, state: dict[str, Any], keep: int = 2) -> Path:
    """Write `state` as step-<step>.pt atomically; delete all but the newest `keep`."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"step-{step:07d}.pt"
    with atomic_writer(target) as f:
        torch.save({"step": step, "rng": torch.get_rng_state(), **state}, f)
    for old in list_checkpoints(folder)[:-keep]:
        old.unlink(missing_ok=True)
    return target


def list_checkpoints(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _NAME.match(p.name))]
    return [p for _, p in sorted(found)]


def load_latest(folder: Path) -> dict[str, Any] | None:
    """The newest readable checkpoint in `folder`, or None. RNG state is restored."""
    for path in reversed(list_checkpoints(folder)):
        try:
            state = torch.load(path, map_location="cpu", weights_only=False)
        except Exception:  # a truncated file from a crash mid-write of an older format; try the one before
            continue
        torch.set_rng_state(state["rng"])
        return state
    return None
