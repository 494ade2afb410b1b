"""AudioLDM 2: CLAP + FLAN-T5 + GPT-2 conditioning of a two-stream UNet, mel VAE, HiFi-GAN vocoder.

Loads diffusers' `AudioLDM2Pipeline` folders for text-to-audio (the base, large and music
checkpoints, and 48 kHz folders of the same format). The speech variants, whose second text
encoder is a VITS phoneme encoder, are a different format and are refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from diffusers.loaders import PeftAdapterMixin
from diffusers.pipelines.audioldm2.modeling_audioldm2 import AudioLDM2UNet2DConditionModel

from soundloom.engine.models.audioldm2_text import TextChain
from soundloom.engine.models.base import Conditioning
from soundloom.engine.models.mel import MelConfig
from soundloom.engine.models.mel_latents import MelLatentModel
from soundloom.protocol.errors import ErrorCode, SoundloomError

DEFAULT_NEW_STATES = 8  # AudioLDM 2's "language of audio" length when the folder does not say

# STFT sizes of the mel front end by rate (Hz → samples), as AudioLDM's 16 kHz and 48 kHz models
# were trained; the lowest mel band starts at 20 Hz in the 48 kHz setup.
_STFT = {16000: (1024, 0.0), 48000: (2048, 20.0)}


def mel_config_for(vocoder_config: Any) -> MelConfig:
    """The front end implied by the vocoder: rate, mel bins, hop = the vocoder's total upsampling."""
    rate = int(vocoder_config.sampling_rate)
    n_fft, f_min = _STFT.get(rate, (1024 * max(1, round(rate / 16000)), 0.0))
    return MelConfig(
        sample_rate=rate, n_mels=int(vocoder_config.model_in_dim), hop_length=int(np.prod(vocoder_config.upsample_rates)),
        n_fft=n_fft, win_length=n_fft, f_min=f_min,
    )


class AdaptableAudioLDM2UNet(AudioLDM2UNet2DConditionModel, PeftAdapterMixin):
    """AudioLDM 2's UNet with the LoRA adapter methods (`add_adapter`, `set_adapters`, …) that
    diffusers gives its other UNets, so fine-tuning and per-request adapters work the same way."""


def adaptable(unet: torch.nn.Module) -> torch.nn.Module:
    """The loaded UNet, its class extended by the adapter methods; weights and modules unchanged."""
    if isinstance(unet, AudioLDM2UNet2DConditionModel) and not isinstance(unet, PeftAdapterMixin):
        unet.__class__ = AdaptableAudioLDM2UNet
    return unet


class AudioLDM2Model(MelLatentModel):
    """An AudioLDM 2 checkpoint in diffusers' folder format."""

    family = "audioldm2"
    pipeline_class = "AudioLDM2Pipeline"
    components = (
        "vae", "text_encoder", "tokenizer", "text_encoder_2", "tokenizer_2", "projection_model",
        "language_model", "unet", "scheduler", "vocoder",
    )

    def __init__(self, path: Path, parts: dict[str, Any]):
        if parts["text_encoder_2"].config.model_type != "t5":
            raise SoundloomError(
                ErrorCode.UNKNOWN_MODEL_FAMILY,
                f"{path}: text_encoder_2 is {type(parts['text_encoder_2']).__name__}; only the text-to-audio "
                "AudioLDM 2 models (a T5 second text encoder) are supported",
                "model",
            )
        parts = {**parts, "unet": adaptable(parts["unet"])}
        super().__init__(path, parts, mel_config_for(parts["vocoder"].config))
        language_model = parts["language_model"]
        self.text = TextChain(
            clap=parts["text_encoder"], clap_tokenizer=parts["tokenizer"],
            t5=parts["text_encoder_2"], t5_tokenizer=parts["tokenizer_2"],
            projection=parts["projection_model"], language_model=language_model,
            new_states=int(getattr(language_model.config, "max_new_tokens", None) or DEFAULT_NEW_STATES),
        )

    def encode_text(self, prompts: list[str], negative_prompts: list[str] | None) -> Conditioning:
        parts, warnings = [], []
        for i, prompt in enumerate(prompts):
            cond, more, used = self.text.encode(prompt, "prompt")
            warnings += more
            uncond = None
            if negative_prompts is not None:
                uncond, more, _ = self.text.encode(negative_prompts[i], "negative_prompt", t5_length=used)
                warnings += more
            parts.append(Conditioning(cond, uncond))
        stacked = Conditioning.stack(parts)
        return Conditioning(stacked.cond, stacked.uncond, warnings)

    def predict(self, latents: torch.Tensor, timestep: torch.Tensor, kwargs: dict[str, Any]) -> torch.Tensor:
        """The UNet's output, attending only to as many T5 keys as the longest prompt in the batch
        uses: the rest are padding, masked out, so dropping them changes nothing but the cost."""
        mask = kwargs.get("encoder_attention_mask_1")
        if mask is not None:
            used = int(mask.any(dim=0).nonzero().max()) + 1 if mask.any() else 1
            kwargs = {
                **kwargs,
                "encoder_hidden_states_1": kwargs["encoder_hidden_states_1"][:, :used],
                "encoder_attention_mask_1": mask[:, :used],
            }
        return self.unet(latents, timestep, **kwargs).sample

    def modules(self) -> dict[str, torch.nn.Module]:
        return {**super().modules(), **self.text.modules()}
