"""The Descript Audio Codec (Kumar et al. 2023, "High-Fidelity Audio Compression with Improved RVQGAN").

A convolutional encoder turns a mono waveform into continuous latents (1024 channels, 86 frames a
second at 44.1 kHz), a residual vector quantiser codes them with up to 9 codebooks, and a decoder
turns quantised latents back into a waveform. Parameter names follow the published weights, so a
published `weights.pth` loads into this module unchanged (see `dac_loading`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrize

from soundloom.engine.codecs.dac_config import DAC_44KHZ, DACConfig
from soundloom.engine.codecs.dac_decoder import Decoder
from soundloom.engine.codecs.dac_encoder import Encoder
from soundloom.engine.codecs.dac_quantizer import Quantized, ResidualVectorQuantizer
from soundloom.protocol.errors import ErrorCode, SoundloomError


class DAC(nn.Module):
    def __init__(self, config: DACConfig = DAC_44KHZ):
        super().__init__()
        self.config = config
        self.encoder = Encoder(config.encoder_dim, config.encoder_rates, config.latent_dim)
        self.quantizer = ResidualVectorQuantizer(config.latent_dim, config.n_codebooks, config.codebook_size, config.codebook_dim)
        self.decoder = Decoder(config.latent_dim, config.decoder_dim, config.decoder_rates)

    @property
    def sample_rate(self) -> int:
        return self.config.sample_rate

    @property
    def hop_length(self) -> int:
        return self.config.hop_length

    @property
    def n_levels(self) -> int:
        return self.config.n_codebooks

    def encode(self, audio: torch.Tensor) -> torch.Tensor:
        """Continuous latents z [B, latent_dim, ⌈T / hop⌉] of audio [B, 1, T] at `sample_rate`, in [-1, 1].

        The audio is padded with silence at the end to a whole number of frames.
        """
        if not torch.is_tensor(audio) or audio.dim() != 3 or audio.shape[1] != 1 or audio.shape[2] < 1:
            shape = list(audio.shape) if torch.is_tensor(audio) else type(audio).__name__
            raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"must be mono audio shaped [batch, 1, samples], got {shape}", "audio")
        if not audio.is_floating_point():
            raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"must be floating-point samples, got {audio.dtype}", "audio")
        audio = F.pad(audio, (0, -audio.shape[-1] % self.hop_length))
        # Caching computes each weight-normalised weight once per call instead of once per use.
        with parametrize.cached():
            return self.encoder(audio)

    def quantize(self, z: torch.Tensor, n_levels: int | None = None) -> Quantized:
        """Quantise z [B, latent_dim, F] with the first `n_levels` codebooks (all when None)."""
        return self.quantizer(z, self._levels(n_levels))

    def decode(self, z_q: torch.Tensor) -> torch.Tensor:
        """Audio [B, 1, F · hop] in [-1, 1] from quantised latents [B, latent_dim, F]."""
        if z_q.dim() != 3 or z_q.shape[1] != self.config.latent_dim:
            raise SoundloomError(
                ErrorCode.INVALID_ARGUMENT, f"must be [batch, {self.config.latent_dim}, frames], got {list(z_q.shape)}", "z_q"
            )
        with parametrize.cached():
            return self.decoder(z_q)

    def codes_to_z(self, codes: torch.Tensor) -> torch.Tensor:
        """z_q [B, latent_dim, F] from codes [B, n, F] of the first n levels."""
        if codes.dim() != 3 or not 1 <= codes.shape[1] <= self.n_levels:
            raise SoundloomError(
                ErrorCode.INVALID_ARGUMENT, f"must be [batch, 1..{self.n_levels} levels, frames], got {list(codes.shape)}", "codes"
            )
        if codes.min() < 0 or codes.max() >= self.config.codebook_size:
            raise SoundloomError(ErrorCode.OUT_OF_RANGE, f"must be in 0..{self.config.codebook_size - 1}", "codes")
        return self.quantizer.from_codes(codes)

    def latents_to_z(self, latents: torch.Tensor, snap: bool = True) -> torch.Tensor:
        """z_q [B, latent_dim, F] from per-level latents [B, n · codebook_dim, F] of the first n levels.

        Each level is snapped to its nearest codebook entry, projected up and summed; for the latents
        `quantize` returned, this gives back exactly its z_q.
        """
        dim = self.config.codebook_dim
        if latents.dim() != 3 or latents.shape[1] % dim or not 1 <= latents.shape[1] // dim <= self.n_levels:
            raise SoundloomError(
                ErrorCode.INVALID_ARGUMENT,
                f"must be [batch, levels × {dim} with 1..{self.n_levels} levels, frames], got {list(latents.shape)}",
                "latents",
            )
        return self.quantizer.from_latents(latents, snap=snap)[0]

    def forward(self, audio: torch.Tensor, n_levels: int | None = None) -> torch.Tensor:
        """Audio [B, 1, T] coded with `n_levels` codebooks and decoded again, trimmed to T samples."""
        quantized = self.quantize(self.encode(audio), n_levels)
        return self.decode(quantized.z_q)[..., : audio.shape[-1]]

    def _levels(self, n_levels: int | None) -> int:
        if n_levels is None:
            return self.n_levels
        if isinstance(n_levels, bool) or not isinstance(n_levels, int) or not 1 <= n_levels <= self.n_levels:
            raise SoundloomError(ErrorCode.OUT_OF_RANGE, f"must be an integer from 1 to {self.n_levels}, got {n_levels!r}", "n_levels")
        return n_levels
