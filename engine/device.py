"""Where models run: the first CUDA GPU when there is one, else the CPU."""

from __future__ import annotations

import torch


def pick_device(requested: str | None = None) -> torch.device:
    """`requested` ("cpu", "cuda", "cuda:1") if given, else CUDA when available, else CPU."""
    if requested:
        return torch.device(requested)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
