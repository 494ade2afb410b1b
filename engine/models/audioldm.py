"""AudioLDM: CLAP text embedding as a class embedding of the UNet, mel VAE, HiFi-GAN vocoder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from soundloom.engine.models.base import Conditioning
from soundloom.engine.models.mel import MelConfig
from soundloom.engine.models.mel_latents import MelLatentModel
from soundloom.engine.models.text import tokenize


class AudioLDMModel(MelLatentModel):
    """An AudioLDM checkpoint in diffusers' folder format."""

    family = "audioldm"
    pipeline_class = "AudioLDMPipeline"
    components = ("vae", "text_encoder", "tokenizer", "unet", "scheduler", "vocoder")

    def __init__(self, path: Path, parts: dict[str, Any]):
        vocoder_config = parts["vocoder"].config
        # AudioLDM's front end is implied by its vocoder: rate, mel bins, and hop = total upsampling.
        mel_config = MelConfig(
            sample_rate=int(vocoder_config.sampling_rate),
            n_mels=int(vocoder_config.model_in_dim),
            hop_length=int(np.prod(vocoder_config.upsample_rates)),
        )
        super().__init__(path, parts, mel_config)

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
