"""What every model family provides to the shared sampling loop, and nothing more.

A family turns text into denoiser keyword arguments and moves between waveforms and latents. The
sampling loop, guidance, inpainting masks and strength live once in `soundloom.engine.pipelines`.

Latents are [batch, channels, frames, *rest] with time on dim 2 whatever the family: mel families
have one more axis (mel bins, [B, C, frames, W]); sequence families have none ([B, C, frames]).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from soundloom.engine.models.settings import FALLBACK_STEPS


@dataclass
class Conditioning:
    """UNet keyword arguments for the prompts (`cond`) and the negative prompts (`uncond`).

    Tensors have one row per prompt. `uncond` is None when guidance is off.
    """

    cond: dict[str, torch.Tensor | None]
    uncond: dict[str, torch.Tensor | None] | None = None
    warnings: list[str] = field(default_factory=list)

    @staticmethod
    def stack(parts: list["Conditioning"]) -> "Conditioning":
        """One conditioning whose rows are those of `parts`, in order (warnings are not carried)."""

        def cat(dicts: list[dict[str, torch.Tensor | None]]) -> dict[str, torch.Tensor | None]:
            return {k: None if dicts[0][k] is None else torch.cat([d[k] for d in dicts]) for k in dicts[0]}

        uncond = None if parts[0].uncond is None else cat([p.uncond for p in parts])
        return Conditioning(cat([p.cond for p in parts]), uncond)

    def unet_kwargs(self, repeats: list[int]) -> dict[str, Any]:
        """Row i repeated `repeats[i]` times; with guidance, [uncond; cond] stacked in one batch."""
        counts = torch.tensor(repeats)

        def expand(part: dict[str, torch.Tensor | None]) -> dict[str, torch.Tensor | None]:
            return {k: None if v is None else v.repeat_interleave(counts.to(v.device), dim=0) for k, v in part.items()}

        cond = expand(self.cond)
        if self.uncond is None:
            return cond
        uncond = expand(self.uncond)
        return {k: None if cond[k] is None else torch.cat([uncond[k], cond[k]]) for k in cond}


# DDIM clips each step's clean-sample estimate to [-1, 1] unless its config says otherwise, which
# suits pixels, not latents (the starter's reach ±3): a folder whose own sampler is another class
# (DPM-Solver++ for the starter) has no `clip_sample`, and DDIM would then bend every result.
UNCLIPPED: dict[str, Any] = {"clip_sample": False}

# Which of diffusers' samplers a request may pick, by the wire name of `scheduler`: (class, overrides
# of the folder's scheduler config). These fit the DDPM-trained UNets; a family trained another way
# (an EDM / v-prediction model, say) lists its own.
DDPM_SCHEDULERS: dict[str, tuple[str, dict[str, Any]]] = {
    "ddim": ("DDIMScheduler", UNCLIPPED),
    "dpmpp": ("DPMSolverMultistepScheduler", {"algorithm_type": "dpmsolver++", "solver_order": 2}),
    "euler": ("EulerDiscreteScheduler", {}),
}


class AudioModel(ABC):
    """A loaded model: a denoiser (`unet`: a UNet or a transformer) plus its family's text and
    waveform↔latent paths."""

    family: str = ""
    audio_channels: int = 1  # channels of the waveforms the model reads and writes
    schedulers: dict[str, tuple[str, dict[str, Any]]] = DDPM_SCHEDULERS
    default_steps: int = FALLBACK_STEPS  # sampling steps when a request leaves them unset (the folder's soundloom.json)
    compute_dtype: torch.dtype = torch.float32  # precision of the UNet's arithmetic while sampling (engine.device)

    def __init__(self, path: Path, unet: torch.nn.Module, scheduler_config: dict[str, Any]):
        self.path = path
        self.unet = unet
        self.scheduler_config = scheduler_config

    @property
    def name(self) -> str:
        return self.path.name

    @property
    @abstractmethod
    def sample_rate(self) -> int:
        """Rate of the waveforms this model reads and writes, in Hz."""

    @property
    @abstractmethod
    def samples_per_latent_frame(self) -> int:
        """How many waveform samples one latent step along time covers."""

    @property
    @abstractmethod
    def latent_shape_per_frame(self) -> tuple[int, ...]:
        """(channels, *rest) of the latent for one time step, e.g. (channels, width) for mel latents
        or (channels,) for sequence latents; the time axis is dim 2."""

    def latent_shape(self, frames: int) -> tuple[int, ...]:
        """Shape of one latent row of `frames` time steps: (channels, frames, *rest)."""
        channels, *rest = self.latent_shape_per_frame
        return (channels, frames, *rest)

    def time_mask(self, frames: int) -> torch.Tensor:
        """Zeros [1, 1, frames, 1, …]: a per-frame mask that broadcasts over a latent row."""
        ones = (1,) * (len(self.latent_shape_per_frame) - 1)
        return torch.zeros((1, 1, frames, *ones), device=self.device, dtype=self.dtype)

    # Latent frames past the last needed one that the decoder must see for every needed sample to
    # come out as a decode of all frames would give it; None: the decoder is not local in time
    # (a VAE over mel images plus a vocoder), so every frame is decoded.
    decode_context_frames: int | None = None

    @property
    def min_latent_frames(self) -> int:
        """Fewest latent frames the model denoises at once; shorter clips are padded to this length
        and trimmed after decoding (a family trained on fixed-length windows says so here)."""
        return 1

    @property
    def time_multiple(self) -> int:
        """The UNet halves time once per down block but the last, so latent length pads to this."""
        return 2 ** (len(self.unet.config.down_block_types) - 1)

    @property
    def device(self) -> torch.device:
        return next(self.unet.parameters()).device

    @property
    def dtype(self) -> torch.dtype:
        return next(self.unet.parameters()).dtype

    @abstractmethod
    def encode_text(self, prompts: list[str], negative_prompts: list[str] | None) -> Conditioning:
        """UNet conditioning for each prompt; negatives given only when guidance is on."""

    def condition(self, prompts: list[str], negative_prompts: list[str] | None, seconds: float | None = None) -> Conditioning:
        """Conditioning for prompts describing `seconds` of audio (None: the model's full length).

        Only families conditioned on duration use `seconds`; the others encode the text alone.
        """
        return self.encode_text(prompts, negative_prompts)

    def predict(self, latents: torch.Tensor, timestep: torch.Tensor, kwargs: dict[str, Any]) -> torch.Tensor:
        """The denoiser's output for `latents` (already scaled by the scheduler) at `timestep`."""
        return self.unet(latents, timestep, **kwargs).sample

    def training_loss(self, latents: torch.Tensor, cond: dict[str, Any], generator: torch.Generator) -> torch.Tensor:
        """The loss one fine-tuning step minimises on clean `latents` with the denoiser's conditioning
        keyword arguments `cond` (rows as `latents`), noise drawn on the CPU `generator`.

        By default the DDPM denoising loss on the folder's own noise schedule and prediction type;
        a family trained with another objective overrides this.
        """
        from diffusers import DDPMScheduler

        from soundloom.engine.training.diffusion_training import diffusion_loss

        if getattr(self, "_training_schedule", None) is None:
            config = {k: v for k, v in self.scheduler_config.items() if not k.startswith("_")}
            self._training_schedule = DDPMScheduler.from_config({**config, "clip_sample": False})
        return diffusion_loss(self.unet, self._training_schedule, latents, cond, generator)

    @abstractmethod
    def waveform_to_latents(self, waveform: torch.Tensor) -> torch.Tensor:
        """Waveform at `sample_rate` → scaled latents [batch, C, frames, *rest].

        The waveform is [batch, samples] for a mono model and [batch, channels, samples] for one
        with several `audio_channels`.
        """

    @abstractmethod
    def latents_to_waveform(self, latents: torch.Tensor) -> torch.Tensor:
        """Scaled latents → waveform at `sample_rate`, float32 on the CPU, shaped as
        `waveform_to_latents` takes it."""

    def to(self, device: torch.device | str) -> "AudioModel":
        for module in self.modules().values():
            module.to(device)
        return self

    @abstractmethod
    def modules(self) -> dict[str, torch.nn.Module]:
        """The torch modules of the model, by component name."""
