"""The codec of a DiscoDiff folder: a DAC plus the per-level statistics its latents are standardised by.

Folder `codec/`: `weights.pth` in the published DAC format (see `codecs.dac_loading`) and
`config.json` {"weights": "weights.pth", "sample_rate": 44100, "level_means": [...], "level_stds": [...]}, one mean and
one deviation per RVQ level (DiscoDiff's published constants for the published 44.1 kHz DAC).
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from soundloom.engine.codecs.dac import DAC
from soundloom.engine.codecs.dac_latents import DISCODIFF_LEVEL_MEANS, DISCODIFF_LEVEL_STDS, denormalize_latents, normalize_latents
from soundloom.engine.codecs.dac_loading import load_dac, save_dac
from soundloom.protocol.atomic_files import write_text_atomically
from soundloom.protocol.errors import ErrorCode, SoundloomError


class DiscoDiffCodec(torch.nn.Module):
    """Waveform ↔ standardised per-level DAC latents [B, levels × codebook_dim, frames]."""

    def __init__(self, dac: DAC, level_means=DISCODIFF_LEVEL_MEANS, level_stds=DISCODIFF_LEVEL_STDS):
        super().__init__()
        levels = dac.n_levels
        if len(level_means) < levels or len(level_stds) < levels:
            raise SoundloomError(
                ErrorCode.MODEL_INCOMPLETE,
                f"codec statistics cover {min(len(level_means), len(level_stds))} levels, the DAC has {levels}",
                "codec",
            )
        self.dac = dac
        self.level_means = tuple(float(v) for v in level_means[:levels])
        self.level_stds = tuple(float(v) for v in level_stds[:levels])

    @property
    def channels(self) -> int:
        return self.dac.n_levels * self.dac.config.codebook_dim

    @torch.no_grad()
    def encode(self, waveform: torch.Tensor) -> torch.Tensor:
        """Standardised latents of mono audio [B, samples]."""
        latents = self.dac.quantize(self.dac.encode(waveform[:, None].float())).latents
        return normalize_latents(latents, self.level_means, self.level_stds, self.dac.config.codebook_dim)

    @torch.no_grad()
    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        """Mono audio [B, frames × hop] from standardised latents: every level snapped to its codebook."""
        raw = denormalize_latents(latents.float(), self.level_means, self.level_stds, self.dac.config.codebook_dim)
        return self.dac.decode(self.dac.latents_to_z(raw))[:, 0]

    @classmethod
    def from_pretrained(cls, folder: str | Path, **_) -> "DiscoDiffCodec":
        folder = Path(folder)
        config = json.loads((folder / "config.json").read_text())
        dac = load_dac(folder / config.get("weights", "weights.pth"))
        return cls(dac, config.get("level_means", DISCODIFF_LEVEL_MEANS), config.get("level_stds", DISCODIFF_LEVEL_STDS))

    def save_pretrained(self, folder: str | Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        save_dac(self.dac, folder / "weights.pth")
        # The rate is repeated here so that a folder can be described without loading the codec.
        config = {"weights": "weights.pth", "sample_rate": self.dac.sample_rate,
                  "level_means": list(self.level_means), "level_stds": list(self.level_stds)}
        write_text_atomically(folder / "config.json", json.dumps(config, indent=2), sync=False)
        return folder
