"""AudioLDM: CLAP text embedding as a class embedding of the UNet, mel VAE, HiFi-GAN vocoder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from soundloom.engine.models.base import AudioModel, Conditioning
from soundloom.engine.models.mel import MelConfig, MelFrontEnd
from soundloom.engine.models.mel_latents import MelLatents
from soundloom.engine.models.text import tokenize


class AudioLDMModel(AudioModel):
    """An AudioLDM checkpoint in diffusers' folder format."""

    family = "audioldm"
    pipeline_class = "AudioLDMPipeline"
    components = ("vae", "text_encoder", "tokenizer", "unet", "scheduler", "vocoder")

    def __init__(self, path: Path, parts: dict[str, Any]):
        super().__init__(path, parts["unet"], parts["scheduler"])
        self.vae = parts["vae"]
        self.text_encoder = parts["text_encoder"]
        self.tokenizer = parts["tokenizer"]
        self.vocoder = parts["vocoder"]
        vocoder_config = self.vocoder.config
        # AudioLDM's front end is implied by its vocoder: rate, mel bins, and hop = total upsampling.
        self.mel_config = MelConfig(
            sample_rate=int(vocoder_config.sampling_rate),
            n_mels=int(vocoder_config.model_in_dim),
            hop_length=int(np.prod(vocoder_config.upsample_rates)),
        )
        self.latents = MelLatents(MelFrontEnd(self.mel_config), self.vae, self.vocoder)

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
            "unet": self.unet,
            "vae": self.vae,
            "text_encoder": self.text_encoder,
            "vocoder": self.vocoder,
            "front_end": self.latents.front_end,
        }

    @torch.no_grad()
    def _embed(self, texts: list[str], field: str) -> tuple[torch.Tensor, list[str]]:
        encoding, warnings = tokenize(self.tokenizer, texts, field)
        device = self.text_encoder.device
        output = self.text_encoder(
            encoding.input_ids.to(device), attention_mask=encoding.attention_mask.to(device)
        )
        # AudioLDM conditions on the L2-normalised CLAP text embedding.
        return F.normalize(output.text_embeds, dim=-1), warnings

    def encode_text(self, prompts: list[str], negative_prompts: list[str] | None) -> Conditioning:
        embeds, warnings = self._embed(prompts, "prompt")
        cond = {"class_labels": embeds, "encoder_hidden_states": None}
        uncond = None
        if negative_prompts is not None:
            negative, more = self._embed(negative_prompts, "negative_prompt")
            warnings += more
            uncond = {"class_labels": negative, "encoder_hidden_states": None}
        return Conditioning(cond, uncond, warnings)

    def waveform_to_latents(self, waveform: torch.Tensor) -> torch.Tensor:
        return self.latents.encode(waveform)

    def latents_to_waveform(self, latents: torch.Tensor) -> torch.Tensor:
        return self.latents.decode(latents)
