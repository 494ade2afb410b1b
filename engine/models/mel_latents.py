"""The waveform ↔ latent path shared by mel-spectrogram families: mel front end, VAE, vocoder."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import torch

from soundloom.engine.models.base import AudioModel
from soundloom.engine.models.mel import MelConfig, MelFrontEnd

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


class MelLatentModel(AudioModel):
    """A family whose audio path is mel front end → VAE → vocoder; subclasses add the text side."""

    def __init__(self, path: Path, parts: dict[str, Any], mel_config: MelConfig):
        super().__init__(path, parts["unet"], parts["scheduler"])
        self.vae = parts["vae"]
        self.vocoder = parts["vocoder"]
        self.text_encoder = parts["text_encoder"]
        self.tokenizer = parts["tokenizer"]
        self.mel_config = mel_config
        self.latents = MelLatents(MelFrontEnd(mel_config), self.vae, self.vocoder)

    @property
    def sample_rate(self) -> int:
        return self.mel_config.sample_rate

    @property
    def samples_per_latent_frame(self) -> int:
        return self.mel_config.hop_length * self.latents.vae_scale

    @property
    def latent_shape_per_frame(self) -> tuple[int, int]:
        return int(self.unet.config.in_channels), self.mel_config.n_mels // self.latents.vae_scale

    def modules(self) -> dict[str, torch.nn.Module]:
        return {
            "unet": self.unet, "vae": self.vae, "text_encoder": self.text_encoder,
            "vocoder": self.vocoder, "front_end": self.latents.front_end,
        }

    def waveform_to_latents(self, waveform: torch.Tensor) -> torch.Tensor:
        return self.latents.encode(waveform)

    def latents_to_waveform(self, latents: torch.Tensor) -> torch.Tensor:
        return self.latents.decode(latents)
