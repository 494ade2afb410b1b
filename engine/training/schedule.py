"""The training stages' step: a learning-rate schedule that is a pure function of the step (so a
resumed run needs no scheduler state) and one clipped gradient step."""

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


def descend(optimizer: torch.optim.Optimizer, loss: torch.Tensor, parameters, max_norm: float = 1.0) -> None:
    """One optimizer step on `loss`, with the gradient norm of `parameters` clipped to `max_norm`."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(parameters, max_norm)
    optimizer.step()
