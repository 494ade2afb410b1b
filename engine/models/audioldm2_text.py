"""AudioLDM 2's text chain: CLAP and FLAN-T5 → projection → GPT-2 "language of audio" states.

The UNet attends to two streams: the states GPT-2 generates from the projected CLAP and T5
embeddings, and the T5 states themselves (with their padding mask). The unconditional branch of
guidance is the negative (or empty) prompt through this whole chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from transformers import DynamicCache

from soundloom.engine.models.text import tokenize

MAX_T5_TOKENS = 512  # FLAN-T5's own limit; longer prompts are truncated with a warning


@dataclass
class TextChain:
    """The loaded text-side components of an AudioLDM 2 folder."""

    clap: Any  # ClapModel (real folders) or ClapTextModelWithProjection
    clap_tokenizer: Any
    t5: Any  # T5EncoderModel
    t5_tokenizer: Any
    projection: Any  # AudioLDM2ProjectionModel
    language_model: Any  # GPT2Model, or GPT2LMHeadModel whose base model is used
    new_states: int  # how many states GPT-2 generates per prompt (AudioLDM 2: 8)

    @property
    def t5_length(self) -> int:
        """Key length of the T5 stream in the conditioning: every prompt is padded to it, so that
        conditionings of different prompts stack into one batch (the padding is masked out)."""
        return min(int(self.t5_tokenizer.model_max_length), MAX_T5_TOKENS)

    @torch.no_grad()
    def _clap(self, text: str, field: str) -> tuple[torch.Tensor, list[str]]:
        encoding, warnings = tokenize(self.clap_tokenizer, [text], field)
        ids = encoding.input_ids.to(self.clap.device)
        mask = encoding.attention_mask.to(self.clap.device)
        if hasattr(self.clap, "get_text_features"):
            features = self.clap.get_text_features(ids, attention_mask=mask)
            embeds = getattr(features, "pooler_output", features)  # normalised by ClapModel itself
        else:
            embeds = F.normalize(self.clap(ids, attention_mask=mask).text_embeds, dim=-1)
        return embeds[:, None, :], warnings

    def _t5_tokens(self, text: str, field: str, length: int | None) -> tuple[Any, list[str]]:
        tokenizer, limit = self.t5_tokenizer, self.t5_length
        warnings = []
        n_tokens = len(tokenizer(text, truncation=False, verbose=False)["input_ids"])
        if n_tokens > limit:
            warnings.append(
                f"{field}: {n_tokens} tokens is longer than the text encoder reads; only the first {limit} tokens were used"
            )
        padding = "max_length" if length is not None else "do_not_pad"
        target = max(length or 0, min(n_tokens, limit))
        encoding = tokenizer([text], padding=padding, max_length=target, truncation=True, return_tensors="pt")
        return encoding, warnings

    @torch.no_grad()
    def _t5(self, encoding: Any) -> torch.Tensor:
        device = self.t5.device
        return self.t5(encoding.input_ids.to(device), attention_mask=encoding.attention_mask.to(device))[0]

    @torch.no_grad()
    def generate_states(self, embeds: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """GPT-2 continues the projected sequence by `new_states` hidden states [batch, n, width].

        Each step feeds back the last hidden state as the next input embedding; keys and values of
        earlier positions come from the cache, so each step costs one position.
        """
        model = self.language_model.base_model  # the bare GPT-2 whether or not a head is attached
        cache = DynamicCache(config=model.config)
        inputs, states = embeds, []
        for _ in range(self.new_states):
            output = model(inputs_embeds=inputs, attention_mask=mask, cache=cache, use_cache=True)
            inputs = output.last_hidden_state[:, -1:, :]
            states.append(inputs)
            mask = torch.cat([mask, mask.new_ones((mask.shape[0], 1))], dim=1)
        return torch.cat(states, dim=1)

    @torch.no_grad()
    def encode(self, text: str, field: str, t5_length: int | None = None) -> tuple[dict[str, torch.Tensor], list[str], int]:
        """UNet conditioning of one text, and the number of T5 tokens it used.

        `t5_length` pads the T5 tokens before they reach GPT-2: diffusers' pipeline pads a negative
        prompt to its prompt's length there, and GPT-2's positions depend on it.
        """
        clap, warnings = self._clap(text, field)
        tokens, more = self._t5_tokens(text, field, t5_length)
        warnings += more
        t5_states = self._t5(tokens)
        t5_mask = tokens.attention_mask.to(t5_states.device)
        projected = self.projection(
            hidden_states=clap.to(self.projection.dtype),
            hidden_states_1=t5_states.to(self.projection.dtype),
            attention_mask=torch.ones(clap.shape[:2], dtype=t5_mask.dtype, device=t5_mask.device),
            attention_mask_1=t5_mask,
        )
        states = self.generate_states(projected.hidden_states, projected.attention_mask)
        used = t5_states.shape[1]
        pad = self.t5_length - used
        conditioning = {
            "encoder_hidden_states": states,
            "encoder_hidden_states_1": F.pad(t5_states, (0, 0, 0, pad)),
            "encoder_attention_mask_1": F.pad(t5_mask, (0, pad)),
        }
        return conditioning, warnings, used

    def modules(self) -> dict[str, torch.nn.Module]:
        return {
            "text_encoder": self.clap, "text_encoder_2": self.t5,
            "projection_model": self.projection, "language_model": self.language_model,
        }
