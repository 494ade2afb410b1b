"""What every model family provides to the shared sampling loop, and nothing more.

A family turns text into UNet keyword arguments and moves between waveforms and latents. The
sampling loop, guidance, inpainting masks and strength live once in `soundloom.engine.pipelines`.
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


class AudioModel(ABC):
    """A loaded model: a denoising UNet plus its family's text and waveform↔latent paths."""

    family: str = ""
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
    def latent_shape_per_frame(self) -> tuple[int, int]:
        """(channels, width) of the latent for one time step; the time axis is dim 2."""

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

    @abstractmethod
    def waveform_to_latents(self, waveform: torch.Tensor) -> torch.Tensor:
        """Mono waveform [batch, samples] at `sample_rate` → scaled latents [batch, C, frames, W]."""

    @abstractmethod
    def latents_to_waveform(self, latents: torch.Tensor) -> torch.Tensor:
        """Scaled latents → waveform [batch, samples] at `sample_rate`, float32 on the CPU."""

    def to(self, device: torch.device | str) -> "AudioModel":
        for module in self.modules().values():
            module.to(device)
        return self

    @abstractmethod
    def modules(self) -> dict[str, torch.nn.Module]:
        """The torch modules of the model, by component name."""
