"""Stable Audio Open: T5 text and timing conditioning, a DiT over 1-D latents, the Oobleck VAE.

44.1 kHz stereo. The waveform goes straight through the Oobleck autoencoder to latents
[batch, 64, frames] (one frame per `hop_length` samples, no mel and no vocoder). The transformer
is conditioned by cross-attention on the projected T5 states followed by the projected start and
end seconds, and by a global state made of those two seconds embeddings; its timestep is the EDM
noise level preconditioned by the cosine DPM-Solver++ scheduler the model was trained with.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from diffusers import StableAudioDiTModel
from diffusers.loaders.peft import PeftAdapterMixin
from diffusers.models.embeddings import get_1d_rotary_pos_embed

from soundloom.engine.models.base import AudioModel, Conditioning
from soundloom.engine.models.text import tokenize

# Only the model's own sampler fits its EDM v-prediction training: DPM-Solver++ (2M, SDE) on a
# cosine-preconditioned exponential sigma schedule, as the folder's scheduler config describes.
STABLE_AUDIO_SCHEDULERS: dict[str, tuple[str, dict[str, Any]]] = {
    "dpmpp": ("CosineDPMSolverMultistepScheduler", {}),
}


class AdaptableStableAudioDiT(PeftAdapterMixin, StableAudioDiTModel):
    """The diffusion transformer with diffusers' LoRA adapter methods (add, select, scale), which
    its UNets have and it lacks; it adds no weights or state of its own."""


class StableAudioModel(AudioModel):
    """A Stable Audio Open checkpoint in diffusers' `StableAudioPipeline` folder format."""

    family = "stable_audio"
    pipeline_class = "StableAudioPipeline"
    components = ("vae", "text_encoder", "projection_model", "tokenizer", "transformer", "scheduler")
    audio_channels = 2
    schedulers = STABLE_AUDIO_SCHEDULERS
    # The Oobleck decoder is a stack of 1-D convolutions; its reach is about a dozen latent frames
    # each way, so a short sound made in the 47 s window is decoded from its own frames plus these.
    decode_context_frames = 32

    def __init__(self, path: Path, parts: dict[str, Any]):
        # `unet` is the base class's name for the denoiser; here it is the diffusion transformer.
        super().__init__(path, parts["transformer"], parts["scheduler"])
        if type(self.unet) is StableAudioDiTModel:  # so fine-tuned adapters attach as they do to a UNet
            self.unet.__class__ = AdaptableStableAudioDiT
        self.vae = parts["vae"]
        self.text_encoder = parts["text_encoder"]
        self.projection = parts["projection_model"]
        self.tokenizer = parts["tokenizer"]
        self.audio_channels = int(self.vae.config.audio_channels)

    @property
    def sample_rate(self) -> int:
        return int(self.vae.config.sampling_rate)

    @property
    def samples_per_latent_frame(self) -> int:
        return int(self.vae.hop_length)

    @property
    def latent_shape_per_frame(self) -> tuple[int, ...]:
        return (int(self.unet.config.in_channels),)

    @property
    def time_multiple(self) -> int:
        return 1  # a transformer has no down-sampling: any length is fine

    @property
    def min_latent_frames(self) -> int:
        # Trained on windows of `sample_size` frames told how long the sound in them is (the end
        # seconds); a shorter sound is made in a whole window and trimmed, as the model expects.
        return int(self.unet.config.sample_size)

    @property
    def full_seconds(self) -> float:
        return self.min_latent_frames * self.samples_per_latent_frame / self.sample_rate

    @torch.no_grad()
    def _text_states(self, texts: list[str], field: str, zero_padding: bool) -> tuple[torch.Tensor, list[str]]:
        """Projected T5 states [batch, tokens, dim], zero at padding tokens."""
        encoding, warnings = tokenize(self.tokenizer, texts, field)
        device = self.text_encoder.device
        mask = encoding.attention_mask.to(device)
        states = self.text_encoder(encoding.input_ids.to(device), attention_mask=mask)[0]
        if zero_padding:  # the negative prompt's padding is zeroed before the projection too
            states = torch.where(mask.bool().unsqueeze(2), states, 0.0)
        states = self.projection(text_hidden_states=states).text_hidden_states
        return states * mask.unsqueeze(-1).to(states.dtype), warnings

    @torch.no_grad()
    def _seconds_states(self, rows: int, seconds: float) -> tuple[torch.Tensor, torch.Tensor]:
        """Start and end seconds embeddings, each [rows, 1, dim], for a sound from 0 to `seconds`."""
        device = self.text_encoder.device
        start = torch.zeros(rows, device=device)
        end = torch.full((rows,), float(seconds), device=device)
        out = self.projection(start_seconds=start, end_seconds=end)
        return out.seconds_start_hidden_states, out.seconds_end_hidden_states

    def encode_text(self, prompts: list[str], negative_prompts: list[str] | None) -> Conditioning:
        return self.condition(prompts, negative_prompts, None)

    def condition(self, prompts: list[str], negative_prompts: list[str] | None, seconds: float | None = None) -> Conditioning:
        """Cross-attention states: text then start and end seconds; global state: both seconds.

        Without a negative prompt (an empty one), the unconditional branch is all zeros for the
        cross-attention and shares the global timing state, as the model was trained to guide.
        """
        seconds = self.full_seconds if seconds is None else seconds
        text, warnings = self._text_states(prompts, "prompt", zero_padding=False)
        start, end = self._seconds_states(len(prompts), seconds)
        timing = torch.cat([start, end], dim=2)
        cond = {"encoder_hidden_states": torch.cat([text, start, end], dim=1), "global_hidden_states": timing}
        uncond = None
        if negative_prompts is not None:
            if all(not p.strip() for p in negative_prompts):
                uncond = {"encoder_hidden_states": torch.zeros_like(cond["encoder_hidden_states"]),
                          "global_hidden_states": timing}
            else:
                negative, more = self._text_states(negative_prompts, "negative_prompt", zero_padding=True)
                warnings += more
                uncond = {"encoder_hidden_states": torch.cat([negative, start, end], dim=1), "global_hidden_states": timing}
        return Conditioning(cond, uncond, warnings)

    def predict(self, latents: torch.Tensor, timestep: torch.Tensor, kwargs: dict[str, Any]) -> torch.Tensor:
        # Rotary positions over the global token plus every latent frame; the timestep is one
        # noise level for the whole batch (sampling) or one per row (training).
        rotary = get_1d_rotary_pos_embed(
            self.unet.config.attention_head_dim // 2, latents.shape[2] + 1, use_real=True, repeat_interleave_real=False
        )
        rotary = tuple(r.to(latents.device) for r in rotary)
        return self.unet(latents, timestep.reshape(-1), rotary_embedding=rotary, **kwargs).sample

    def training_loss(self, latents: torch.Tensor, cond: dict[str, Any], generator: torch.Generator) -> torch.Tensor:
        # v-diffusion on the cosine schedule the transformer was trained with, through `predict`
        # so it gets its rotary positions.
        from soundloom.engine.models.stable_audio_training import v_diffusion_loss

        return v_diffusion_loss(self, latents, cond, generator)

    @torch.no_grad()
    def waveform_to_latents(self, waveform: torch.Tensor) -> torch.Tensor:
        # The posterior mean, not a sample: re-encoding the same clip must give the same latents.
        return self.vae.encode(waveform.to(self.vae.dtype)).latent_dist.mode()

    @torch.no_grad()
    def latents_to_waveform(self, latents: torch.Tensor) -> torch.Tensor:
        return self.vae.decode(latents.to(self.vae.dtype)).sample.cpu().float()

    def modules(self) -> dict[str, torch.nn.Module]:
        return {
            "transformer": self.unet, "vae": self.vae, "text_encoder": self.text_encoder,
            "projection_model": self.projection,
        }
