"""Learning-rate schedule as a pure function of the step, so a resumed run needs no scheduler state."""

from __future__ import annotations

import math

import torch


def cosine_lr(step: int, total: int, base: float, warmup: int = 100, floor: float = 0.05) -> float:
    """Linear warm-up over `warmup` steps (at most a tenth of the run), then cosine decay to `floor × base`."""
    warmup = min(warmup, total // 10)
    if step < warmup:
        return base * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return base * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress)))


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr
