"""Tango / Tango 2: frozen FLAN-T5 hidden states as the UNet's cross-attention, mel VAE, HiFi-GAN vocoder.

A folder is either Tango's own release layout (read by `tango_release`) or the diffusers-format
folder `soundloom models convert` writes from it; both give the same components.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from soundloom.engine.models.base import Conditioning
from soundloom.engine.models.mel import MelConfig
from soundloom.engine.models.mel_latents import MelLatentModel

# Prompts are encoded at their own length, then padded (masked) to this many tokens, so that
# conditioning of different prompts stacks into one batch; masked positions change nothing.
_LONGEST_PADDING = 512


class TangoModel(MelLatentModel):
    """A Tango or Tango 2 checkpoint (v-prediction, 16 kHz, 64 mels)."""

    family = "tango"
    pipeline_class = "TangoPipeline"
    components = ("vae", "text_encoder", "tokenizer", "unet", "scheduler", "vocoder", "mel")

    def __init__(self, path: Path, parts: dict[str, Any]):
        mel = parts.get("mel")
        if mel is None:  # implied by the vocoder, as for AudioLDM
            config = parts["vocoder"].config
            mel = MelConfig(
                sample_rate=int(config.sampling_rate), n_mels=int(config.model_in_dim),
                hop_length=int(np.prod(config.upsample_rates)),
            )
        super().__init__(path, parts, mel)

    @property
    def _padded_length(self) -> int:
        limit = int(self.tokenizer.model_max_length)
        return limit if limit <= 4096 else _LONGEST_PADDING

    def _tokens(self, texts: list[str], field: str, length: int | None) -> tuple[Any, list[str]]:
        limit = self._padded_length
        if length is None:  # Tango pads a batch of prompts to its longest
            encoding = self.tokenizer(texts, max_length=limit, padding=True, truncation=True, return_tensors="pt")
        else:
            encoding = self.tokenizer(texts, max_length=length, padding="max_length", truncation=True, return_tensors="pt")
        warnings = []
        for text in texts:
            n_tokens = len(self.tokenizer(text, truncation=False, verbose=False)["input_ids"])
            if n_tokens > limit:
                warnings.append(
                    f"{field}: {n_tokens} tokens is longer than the text encoder reads; only the first {limit} tokens were used"
                )
        return encoding, warnings

    @torch.no_grad()
    def _hidden(self, encoding) -> dict[str, torch.Tensor]:
        device = self.text_encoder.device
        ids, mask = encoding.input_ids.to(device), encoding.attention_mask.to(device)
        hidden = self.text_encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        pad = self._padded_length - hidden.shape[1]
        hidden = torch.nn.functional.pad(hidden, (0, 0, 0, pad))
        mask = torch.nn.functional.pad(mask, (0, pad)) == 1
        return {"encoder_hidden_states": hidden, "encoder_attention_mask": mask}

    def encode_text(self, prompts: list[str], negative_prompts: list[str] | None) -> Conditioning:
        encoding, warnings = self._tokens(prompts, "prompt", None)
        uncond = None
        if negative_prompts is not None:
            # Tango's unconditional input is "" padded to the prompts' length; a longer negative
            # prompt widens both, which the attention mask makes harmless.
            length = encoding.input_ids.shape[1]
            negative_length = self._tokens(negative_prompts, "negative_prompt", None)[0].input_ids.shape[1]
            if negative_length > length:
                length = negative_length
                encoding = self._tokens(prompts, "prompt", length)[0]
            negative, more = self._tokens(negative_prompts, "negative_prompt", length)
            warnings += more
            uncond = self._hidden(negative)
        return Conditioning(self._hidden(encoding), uncond, warnings)

    def predict(self, latents: torch.Tensor, timestep: torch.Tensor, kwargs: dict[str, Any]) -> torch.Tensor:
        """The UNet's output, attending only to as many text positions as the longest text in the batch
        uses. Conditioning is padded to one width so that prompts stack into a batch (512 positions for
        FLAN-T5); the padding is masked out, so dropping it changes nothing but the cost, and the UNet
        then sees what Tango's own loop gives it: the texts at their own length."""
        mask = kwargs.get("encoder_attention_mask")
        if mask is not None and mask.any():
            used = int(mask.any(dim=0).nonzero().max()) + 1
            kwargs = {**kwargs, "encoder_hidden_states": kwargs["encoder_hidden_states"][:, :used],
                      "encoder_attention_mask": mask[:, :used]}
        return self.unet(latents, timestep, **kwargs).sample
