"""Building blocks of DAC: weight-normalised 1-D convolutions, Snake activations, residual units."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import weight_norm


def wn_conv1d(*args, **kwargs) -> nn.Conv1d:
    """A weight-normalised Conv1d (norm over output channels, as DAC trains it)."""
    return weight_norm(nn.Conv1d(*args, **kwargs))


def wn_conv_transpose1d(*args, **kwargs) -> nn.ConvTranspose1d:
    """A weight-normalised ConvTranspose1d (norm over dim 0, its input channels, as DAC trains it)."""
    return weight_norm(nn.ConvTranspose1d(*args, **kwargs))


def snake(x: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    """x + sin²(αx)/α: a periodic inductive bias that suits audio (Ziyin et al. 2020)."""
    # The small constant keeps a channel whose alpha trained to zero finite.
    return x + torch.sin(alpha * x).pow(2) * (alpha + 1e-9).reciprocal()


class Snake1d(nn.Module):
    """Snake with one learnable frequency per channel (`alpha`, shape [1, C, 1])."""

    def __init__(self, channels: int):
        super().__init__()
        self.alpha = nn.Parameter(torch.ones(1, channels, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return snake(x, self.alpha)


class ResidualUnit(nn.Module):
    """Snake → dilated 7-tap conv → Snake → 1×1 conv, added back onto the input."""

    def __init__(self, channels: int, dilation: int):
        super().__init__()
        self.block = nn.Sequential(
            Snake1d(channels),
            wn_conv1d(channels, channels, kernel_size=7, dilation=dilation, padding=3 * dilation),
            Snake1d(channels),
            wn_conv1d(channels, channels, kernel_size=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.block(x)


def residual_stack(channels: int) -> list[nn.Module]:
    """Three residual units with dilations 1, 3 and 9: a receptive field of 79 samples at this rate."""
    return [ResidualUnit(channels, dilation) for dilation in (1, 3, 9)]
