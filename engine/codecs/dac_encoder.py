"""DAC encoder: waveform [B, 1, T] → continuous latents [B, latent_dim, T / hop]."""

from __future__ import annotations

import math

import torch
from torch import nn

from soundloom.engine.codecs.dac_layers import Snake1d, residual_stack, wn_conv1d


class EncoderBlock(nn.Module):
    """Residual units at half width, then a strided conv that doubles the channels and divides time by `stride`."""

    def __init__(self, channels: int, stride: int):
        super().__init__()
        half = channels // 2
        self.block = nn.Sequential(
            *residual_stack(half),
            Snake1d(half),
            # Kernel 2·stride with padding ⌈stride/2⌉ maps T samples to exactly T / stride frames.
            wn_conv1d(half, channels, kernel_size=2 * stride, stride=stride, padding=math.ceil(stride / 2)),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(x)


class Encoder(nn.Module):
    def __init__(self, width: int, strides: tuple[int, ...], latent_dim: int):
        super().__init__()
        layers: list[nn.Module] = [wn_conv1d(1, width, kernel_size=7, padding=3)]
        for stride in strides:
            width *= 2
            layers.append(EncoderBlock(width, stride))
        layers += [Snake1d(width), wn_conv1d(width, latent_dim, kernel_size=3, padding=1)]
        self.block = nn.Sequential(*layers)

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        return self.block(audio)
