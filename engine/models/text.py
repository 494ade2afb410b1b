"""Tokenising prompts with a clear warning when a prompt is longer than the encoder can read."""

from __future__ import annotations

from typing import Any


def tokenize(tokenizer: Any, texts: list[str], field: str = "prompt") -> tuple[Any, list[str]]:
    """Pad to the tokenizer's maximum length and truncate; return (encoding, warnings)."""
    max_length = tokenizer.model_max_length
    encoding = tokenizer(texts, padding="max_length", max_length=max_length, truncation=True, return_tensors="pt")
    warnings = []
    for text in texts:
        n_tokens = len(tokenizer(text, truncation=False, verbose=False)["input_ids"])
        if n_tokens > max_length:
            warnings.append(
                f"{field}: {n_tokens} tokens is longer than the text encoder reads; "
                f"only the first {max_length} tokens were used"
            )
    return encoding, warnings
