"""What the starter's UNet attends to: sentence-encoder token states plus two summary tokens.

  * the sentence token: the encoder's mean-pooled, normalised embedding — the vector
    all-MiniLM-L6-v2 was trained to make alike for paraphrases, so differently worded prompts
    for one sound land near each other even where their token states differ;
  * the pitch token: a sinusoidal code of the one pitch the prompt names (see `prompt_pitch`),
    masked out when it names none. Sub-word tokens such as "c", "#", "4" carry pitch only
    weakly; a code that varies smoothly with the MIDI number gives the UNet a direct handle.

Both are scaled to the norm of a typical token state. A model folder states which it was trained
with in `conditioning.json`; a folder without that file uses the token states alone.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from soundloom.engine.models.prompt_pitch import prompt_pitch
from soundloom.engine.models.text import tokenize

MAX_TOKENS = 64  # captions are short; longer prompts are cut with a warning
WIDTH = 384  # all-MiniLM-L6-v2's hidden size
TOKEN_NORM = 8.0  # about the L2 norm of its token states
CONFIG_FILE = "conditioning.json"


@dataclass
class ConditioningConfig:
    sentence_token: bool = False
    pitch_token: bool = False

    @classmethod
    def read(cls, folder: Path) -> "ConditioningConfig":
        file = Path(folder) / CONFIG_FILE
        return cls(**json.loads(file.read_text())) if file.is_file() else cls()

    def write(self, folder: Path) -> None:
        (Path(folder) / CONFIG_FILE).write_text(json.dumps(asdict(self), indent=2))


def pitch_code(pitches: list[float | None], device: torch.device | str = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """[batch, WIDTH] sinusoidal codes of MIDI pitches (periods 2–256 semitones) and a 0/1 mask."""
    half = WIDTH // 2
    periods = 2.0 * 128.0 ** (torch.arange(half, device=device) / (half - 1))
    values = torch.tensor([p if p is not None else 0.0 for p in pitches], device=device)[:, None]
    phase = 2 * math.pi * values / periods
    code = torch.cat([phase.sin(), phase.cos()], dim=-1) * (TOKEN_NORM / math.sqrt(half))
    mask = torch.tensor([p is not None for p in pitches], device=device, dtype=torch.long)
    return code, mask


class StarterTextEncoder:
    """texts → (states [batch, extra + MAX_TOKENS, WIDTH], attention mask, truncation warnings)."""

    def __init__(self, tokenizer: Any, encoder: torch.nn.Module, config: ConditioningConfig):
        self.tokenizer, self.encoder, self.config = tokenizer, encoder, config
        self.tokenizer.model_max_length = MAX_TOKENS

    @torch.no_grad()
    def __call__(self, texts: list[str], field: str = "prompt") -> tuple[torch.Tensor, torch.Tensor, list[str]]:
        encoding, warnings = tokenize(self.tokenizer, texts, field)
        device = self.encoder.device
        mask = encoding.attention_mask.to(device)
        states = self.encoder(encoding.input_ids.to(device), attention_mask=mask).last_hidden_state
        extra_states, extra_masks = [], []
        if self.config.sentence_token:
            weights = mask[..., None].to(states.dtype)
            pooled = (states * weights).sum(1) / weights.sum(1).clamp(min=1.0)
            extra_states.append(torch.nn.functional.normalize(pooled, dim=-1) * TOKEN_NORM)
            extra_masks.append(torch.ones_like(mask[:, 0]))
        if self.config.pitch_token:
            code, present = pitch_code([prompt_pitch(t) for t in texts], device)
            extra_states.append(code.to(states.dtype))
            extra_masks.append(present)
        if extra_states:
            states = torch.cat([torch.stack(extra_states, dim=1), states], dim=1)
            mask = torch.cat([torch.stack(extra_masks, dim=1), mask], dim=1)
        return states, mask, warnings
