"""MusicLDM: AudioLDM's architecture for music, conditioned on a CLAP model's pooled text embedding.

Its folder names a full `ClapModel` (text and audio towers) as the text encoder; only the text
tower is used here. The audio tower and feature extractor serve diffusers' optional re-ranking of
candidates, which the engine does not do.
"""

from __future__ import annotations

import torch

from soundloom.engine.models.audioldm import AudioLDMModel
from soundloom.engine.models.text import tokenize


class MusicLDMModel(AudioLDMModel):
    """A MusicLDM checkpoint in diffusers' folder format (16 kHz, 64 mels)."""

    family = "musicldm"
    pipeline_class = "MusicLDMPipeline"
    components = ("vae", "text_encoder", "tokenizer", "unet", "scheduler", "vocoder")

    @torch.no_grad()
    def _embed(self, texts: list[str], field: str) -> tuple[torch.Tensor, list[str]]:
        encoding, warnings = tokenize(self.tokenizer, texts, field)
        device = self.text_encoder.device
        features = self.text_encoder.get_text_features(
            encoding.input_ids.to(device), attention_mask=encoding.attention_mask.to(device)
        )
        # transformers 5 returns an output object whose pooler_output is the projected, L2-normalised
        # embedding; older releases returned that tensor itself.
        embeds = features if isinstance(features, torch.Tensor) else features.pooler_output
        return embeds, warnings
