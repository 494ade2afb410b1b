"""DiscoDiff: coarse-to-fine text-to-music diffusion on the latents of the 44.1 kHz DAC.

Two 1-D diffusion transformers share one latent space: the codec's per-level 8-d projections,
standardised per level (72 channels for 9 levels, 86 frames a second; `codecs.dac_latents`). The
coarse model generates the first level(s) from noise; the fine model sees the clean coarse
channels next to the noisy fine ones and generates the rest. Both are cross-attention
conditioned on FLAN-T5 encoder states and take their masked mean as the global state. The sum of
the levels, each snapped to its codebook, is decoded by DAC. Mono, 44.1 kHz.

Both stages run through the one sampling loop: the family's scheduler lays them out as one
timeline (`discodiff_schedule`) and `predict` sends each timestep to its stage's model.

Folder layout (model_index.json `_class_name`: "DiscoDiffPipeline"): `coarse_transformer/` and
`fine_transformer/` (diffusers `StableAudioDiTModel`), `codec/` (`DiscoDiffCodec`),
`text_encoder/` + `tokenizer/` (FLAN-T5's encoder and tokenizer), `scheduler/` (a DDPM config).
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import torch
from diffusers import DDPMScheduler, StableAudioDiTModel
from diffusers.loaders.peft import PeftAdapterMixin
from diffusers.models.embeddings import get_1d_rotary_pos_embed

from soundloom.engine.models.base import UNCLIPPED, AudioModel, Conditioning
from soundloom.engine.models.discodiff_schedule import StagedSchedulerConfig
from soundloom.engine.models.text import tokenize
from soundloom.protocol.errors import ErrorCode, SoundloomError

# Samplers for a v- or epsilon-prediction DDPM, each run once per stage.
DISCODIFF_SCHEDULERS: dict[str, tuple[str, dict[str, Any]]] = {
    "ddim": ("DDIMScheduler", UNCLIPPED),
    "dpmpp": ("DPMSolverMultistepScheduler", {"algorithm_type": "dpmsolver++", "solver_order": 2}),
}


class DiscoDiffStages(PeftAdapterMixin, torch.nn.Module):
    """The coarse and the fine denoiser as one module: the engine moves, freezes and counts them
    together, and a fine-tuned LoRA adapter attaches to (and switches on or off) both stages at once."""

    def __init__(self, coarse: StableAudioDiTModel, fine: StableAudioDiTModel):
        super().__init__()
        self.coarse, self.fine = coarse, fine

    @property
    def config(self):
        # The training window (`sample_size`) is the coarse model's; both stages share it.
        return self.coarse.config


def check_levels(codec_channels: int, codebook_dim: int, coarse, fine) -> int:
    """The number of coarse channels, once the codec and both models agree on the latent layout."""
    levels = codec_channels // codebook_dim
    coarse_out, fine_in, fine_out = coarse.config.out_channels, fine.config.in_channels, fine.config.out_channels
    if coarse.config.in_channels != coarse_out or coarse_out % codebook_dim:
        raise SoundloomError(
            ErrorCode.MODEL_INCOMPLETE,
            f"the coarse model reads {coarse.config.in_channels} and writes {coarse_out} channels; it must read and "
            f"write whole levels of {codebook_dim} channels",
            "coarse_transformer",
        )
    model_levels = fine_in // codebook_dim
    if fine_in != codec_channels or coarse_out + fine_out != fine_in:
        raise SoundloomError(
            ErrorCode.MODEL_INCOMPLETE,
            f"the codec has {levels} RVQ levels ({codec_channels} channels) but the models are built for "
            f"{model_levels} levels ({coarse_out} coarse + {fine_out} fine = {coarse_out + fine_out} channels, "
            f"the fine model reads {fine_in})",
            "codec",
        )
    return coarse_out


class DiscoDiffModel(AudioModel):
    family = "discodiff"
    pipeline_class = "DiscoDiffPipeline"
    components = ("codec", "text_encoder", "tokenizer", "coarse_transformer", "fine_transformer", "scheduler")
    audio_channels = 1
    schedulers = DISCODIFF_SCHEDULERS

    def __init__(self, path: Path, parts: dict[str, Any]):
        self.codec = parts["codec"]
        codebook_dim = self.codec.dac.config.codebook_dim
        coarse, fine = parts["coarse_transformer"], parts["fine_transformer"]
        self.coarse_channels = check_levels(self.codec.channels, codebook_dim, coarse, fine)
        config = StagedSchedulerConfig(parts["scheduler"], self.coarse_channels)
        super().__init__(path, DiscoDiffStages(coarse, fine), config)
        self.text_encoder = parts["text_encoder"]
        self.tokenizer = parts["tokenizer"]
        self.offset = int(config["num_train_timesteps"])

    @property
    def sample_rate(self) -> int:
        return int(self.codec.dac.sample_rate)

    @property
    def samples_per_latent_frame(self) -> int:
        return int(self.codec.dac.hop_length)

    @property
    def latent_shape_per_frame(self) -> tuple[int, ...]:
        return (self.codec.channels,)

    @property
    def time_multiple(self) -> int:
        return 1  # transformers: any length

    @torch.no_grad()
    def _text(self, texts: list[str], field: str) -> tuple[dict[str, torch.Tensor], list[str]]:
        encoding, warnings = tokenize(self.tokenizer, texts, field)
        device = self.text_encoder.device
        mask = encoding.attention_mask.to(device)
        states = self.text_encoder(encoding.input_ids.to(device), attention_mask=mask)[0]
        weights = mask.unsqueeze(-1).to(states.dtype)
        states = states * weights
        pooled = states.sum(dim=1, keepdim=True) / weights.sum(dim=1, keepdim=True).clamp(min=1.0)
        return {"encoder_hidden_states": states, "global_hidden_states": pooled}, warnings

    def encode_text(self, prompts: list[str], negative_prompts: list[str] | None) -> Conditioning:
        cond, warnings = self._text(prompts, "prompt")
        uncond = None
        if negative_prompts is not None:
            uncond, more = self._text(negative_prompts, "negative_prompt")
            warnings += more
            # Prompt and negative prompt may tokenize to different lengths; zero states pad the shorter.
            length = max(cond["encoder_hidden_states"].shape[1], uncond["encoder_hidden_states"].shape[1])
            for part in (cond, uncond):
                states = part["encoder_hidden_states"]
                part["encoder_hidden_states"] = torch.nn.functional.pad(states, (0, 0, 0, length - states.shape[1]))
        return Conditioning(cond, uncond, warnings)

    def _run(self, denoiser: StableAudioDiTModel, latents: torch.Tensor, timestep: torch.Tensor, kwargs) -> torch.Tensor:
        rotary = get_1d_rotary_pos_embed(
            denoiser.config.attention_head_dim // 2, latents.shape[2] + 1, use_real=True, repeat_interleave_real=False
        )
        rotary = tuple(r.to(latents.device) for r in rotary)
        timestep = timestep.reshape(-1).to(latents.device)
        return denoiser(latents, timestep, rotary_embedding=rotary, **kwargs).sample

    def predict(self, latents: torch.Tensor, timestep: torch.Tensor, kwargs: dict[str, Any]) -> torch.Tensor:
        """The stage's prediction in its own channels, zeros elsewhere (the scheduler steps only those)."""
        out = torch.zeros_like(latents)
        c = self.coarse_channels
        if int(timestep.reshape(-1)[0]) >= self.offset:
            out[:, :c] = self._run(self.unet.coarse, latents[:, :c], timestep - self.offset, kwargs)
        else:
            out[:, c:] = self._run(self.unet.fine, latents, timestep, kwargs)
        return out

    def training_loss(self, latents: torch.Tensor, cond: dict[str, Any], generator: torch.Generator) -> torch.Tensor:
        """The sum of both stages' losses with DiscoDiff's objective (absolute error, at timesteps
        drawn more often where the noise is heavy): the coarse model denoises the coarse levels
        alone; the fine model denoises the fine levels next to the clean coarse ones."""
        import torch.nn.functional as F

        from soundloom.engine.models.discodiff_schedule import importance_timesteps
        from soundloom.engine.training.diffusion_training import diffusion_loss

        if getattr(self, "_training_schedule", None) is None:
            config = {k: v for k, v in self.scheduler_config.items() if not k.startswith("_")}
            self._training_schedule = DDPMScheduler.from_config({**config, "clip_sample": False})
        c = self.coarse_channels
        clean_coarse = latents[:, :c]

        def coarse(noisy: torch.Tensor, t: torch.Tensor, **kwargs) -> SimpleNamespace:
            return SimpleNamespace(sample=self._run(self.unet.coarse, noisy, t, kwargs))

        def fine(noisy: torch.Tensor, t: torch.Tensor, **kwargs) -> SimpleNamespace:
            return SimpleNamespace(sample=self._run(self.unet.fine, torch.cat([clean_coarse, noisy], dim=1), t, kwargs))

        schedule = self._training_schedule
        objective = {"error": F.l1_loss, "timesteps": importance_timesteps}
        return diffusion_loss(coarse, schedule, clean_coarse, cond, generator, **objective) + \
            diffusion_loss(fine, schedule, latents[:, c:], cond, generator, **objective)

    def waveform_to_latents(self, waveform: torch.Tensor) -> torch.Tensor:
        return self.codec.encode(waveform.to(self.device)).to(self.dtype)

    def latents_to_waveform(self, latents: torch.Tensor) -> torch.Tensor:
        return self.codec.decode(latents).cpu().float()

    def modules(self) -> dict[str, torch.nn.Module]:
        return {"transformer": self.unet, "codec": self.codec, "text_encoder": self.text_encoder}
