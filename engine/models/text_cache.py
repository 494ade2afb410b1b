"""Remembered text conditioning: a prompt asked for again skips the text encoder.

Variations, "again" and A/B takes repeat the same prompt, and on the CPU the text encoders
(CLAP, FLAN-T5, GPT-2) take a noticeable part of a short run. Each loaded model keeps its own
least-recently-used table of what its `condition` returned, keyed by the prompts, the negative
prompts and the seconds (duration-conditioned families encode those too).

Why per model and nothing more: adapters (LoRA) attach to the denoiser only
(`engine.training.lora` targets the UNet's layers), so while a model stays loaded its text path
never changes; a model loaded again is a new object with an empty table. The table is bounded
both in entries and in bytes of tensors held.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from typing import Hashable

import torch

from soundloom.engine.models.base import AudioModel, Conditioning

MAX_ENTRIES = 64  # distinct (prompt, negative, seconds) per model
MAX_BYTES = 64 * 2**20  # tensors held per model; the largest encoders give ~0.2 MB a prompt


class ConditioningCache:
    """An LRU table of `Conditioning` by key, bounded by `max_entries` and `max_bytes`."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES):
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._entries: OrderedDict[Hashable, tuple[Conditioning, int]] = OrderedDict()
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> Conditioning | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        self._entries.move_to_end(key)
        return _copy(entry[0])

    def put(self, key: Hashable, conditioning: Conditioning) -> None:
        size = _nbytes(conditioning)
        if size > self.max_bytes:
            return  # would evict everything and still not fit
        if key in self._entries:
            self.bytes -= self._entries.pop(key)[1]
        self._entries[key] = (_copy(conditioning), size)
        self.bytes += size
        while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
            self.bytes -= self._entries.popitem(last=False)[1][1]

    def clear(self) -> None:
        self._entries.clear()
        self.bytes = 0


_caches: "weakref.WeakKeyDictionary[AudioModel, ConditioningCache]" = weakref.WeakKeyDictionary()


def cache_of(model: AudioModel) -> ConditioningCache:
    """The model's own table (made on first use, dropped with the model)."""
    cache = _caches.get(model)
    if cache is None:
        cache = _caches[model] = ConditioningCache()
    return cache


def condition(model: AudioModel, prompts: list[str], negative_prompts: list[str] | None,
              seconds: float | None = None) -> Conditioning:
    """`model.condition(prompts, negative_prompts, seconds)`, from the model's table when asked before."""
    key = (tuple(prompts), None if negative_prompts is None else tuple(negative_prompts), seconds)
    cache = cache_of(model)
    found = cache.get(key)
    if found is not None:
        return found
    conditioning = model.condition(prompts, negative_prompts, seconds)
    cache.put(key, conditioning)
    return conditioning


def _copy(conditioning: Conditioning) -> Conditioning:
    """Fresh dicts and warning list over the same tensors: callers may edit the containers (the
    sampling loop only reads the tensors, and builds new ones from them)."""
    uncond = None if conditioning.uncond is None else dict(conditioning.uncond)
    return Conditioning(dict(conditioning.cond), uncond, list(conditioning.warnings))


def _nbytes(conditioning: Conditioning) -> int:
    parts = [conditioning.cond] + ([conditioning.uncond] if conditioning.uncond is not None else [])
    return sum(v.numel() * v.element_size() for part in parts for v in part.values() if isinstance(v, torch.Tensor))
