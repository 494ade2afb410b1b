"""The waveform ↔ latent path shared by mel-spectrogram families: mel front end, VAE, vocoder."""

from __future__ import annotations

from typing import Callable

import torch

from soundloom.engine.models.mel import MelFrontEnd

Vocoder = Callable[[torch.Tensor], torch.Tensor]  # log-mel [batch, frames, n_mels] → [batch, samples]


class MelLatents:
    """Waveform → log-mel → VAE latents and back; the VAE sees mels as 1-channel images [time, mel]."""

    def __init__(self, front_end: MelFrontEnd, vae: torch.nn.Module, vocoder: Vocoder):
        self.front_end = front_end
        self.vae = vae
        self.vocoder = vocoder

    @property
    def vae_scale(self) -> int:
        return 2 ** (len(self.vae.config.block_out_channels) - 1)

    @property
    def scaling_factor(self) -> float:
        return float(self.vae.config.scaling_factor)

    @torch.no_grad()
    def encode(self, waveform: torch.Tensor) -> torch.Tensor:
        mel = self.front_end(waveform.to(self.front_end.filters.device)).unsqueeze(1)
        posterior = self.vae.encode(mel.to(self.vae.dtype)).latent_dist
        # The posterior mean, not a sample: re-encoding the same clip must give the same latents.
        return posterior.mode() * self.scaling_factor

    @torch.no_grad()
    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        mel = self.vae.decode(latents / self.scaling_factor).sample.squeeze(1)
        return self.vocoder(mel).cpu().float()
