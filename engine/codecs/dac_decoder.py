"""DAC decoder: quantised latents [B, latent_dim, F] → waveform [B, 1, F · hop] in [-1, 1]."""

from __future__ import annotations

import math

import torch
from torch import nn

from soundloom.engine.codecs.dac_layers import Snake1d, residual_stack, wn_conv1d, wn_conv_transpose1d


class DecoderBlock(nn.Module):
    """A transposed conv that multiplies time by `stride` (and changes width), then residual units."""

    def __init__(self, in_channels: int, out_channels: int, stride: int):
        super().__init__()
        self.block = nn.Sequential(
            Snake1d(in_channels),
            # Kernel 2·stride with padding ⌈stride/2⌉ maps F frames to exactly F · stride samples (even strides).
            wn_conv_transpose1d(in_channels, out_channels, kernel_size=2 * stride, stride=stride, padding=math.ceil(stride / 2)),
            *residual_stack(out_channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(x)


class Decoder(nn.Module):
    """Width starts at `width` and halves at every stride."""

    def __init__(self, latent_dim: int, width: int, strides: tuple[int, ...]):
        super().__init__()
        layers: list[nn.Module] = [wn_conv1d(latent_dim, width, kernel_size=7, padding=3)]
        for i, stride in enumerate(strides):
            layers.append(DecoderBlock(width // 2**i, width // 2 ** (i + 1), stride))
        out = width // 2 ** len(strides)
        layers += [Snake1d(out), wn_conv1d(out, 1, kernel_size=7, padding=3), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.model(z)
