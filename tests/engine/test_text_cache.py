"""A prompt asked for again skips the text encoder, and the sound stays bit-identical."""

import numpy as np
import pytest
import torch

from soundloom.engine.models import text_cache
from soundloom.engine.models.base import Conditioning
from soundloom.engine.pipelines import GenerateRequest, generate


@pytest.fixture
def encoder_calls(tiny_model):
    """Counts forward passes of the tiny model's real text encoder, starting from an empty cache."""
    text_cache.cache_of(tiny_model).clear()
    calls = []
    handle = tiny_model.text_encoder.register_forward_hook(lambda *_: calls.append(1))
    yield calls
    handle.remove()


def _request(**overrides):
    return GenerateRequest(**{"prompt": "rain on a roof", "seconds": 0.5, "steps": 2, "seed": 7, **overrides})


def test_a_repeated_prompt_skips_the_encoder_and_sounds_the_same(tiny_model, encoder_calls):
    first = generate(tiny_model, _request()).audio[0]
    after_first = len(encoder_calls)
    assert after_first > 0
    again = generate(tiny_model, _request()).audio[0]
    assert len(encoder_calls) == after_first  # the text encoder did not run again
    assert np.array_equal(first, again)


def test_cached_conditioning_is_exactly_what_the_encoder_gives(tiny_model, encoder_calls):
    cached = text_cache.condition(tiny_model, ["wind"], ["noise"])
    cached = text_cache.condition(tiny_model, ["wind"], ["noise"])
    fresh = tiny_model.condition(["wind"], ["noise"])
    for part in ("cond", "uncond"):
        for name, tensor in getattr(fresh, part).items():
            if tensor is None:
                assert getattr(cached, part)[name] is None
            else:
                assert torch.equal(getattr(cached, part)[name], tensor)


def test_another_negative_prompt_or_guidance_off_is_encoded_afresh(tiny_model, encoder_calls):
    generate(tiny_model, _request(guidance=2.5, negative_prompt="hiss"))
    calls = len(encoder_calls)
    generate(tiny_model, _request(guidance=2.5, negative_prompt="hum"))
    assert len(encoder_calls) > calls
    calls = len(encoder_calls)
    generate(tiny_model, _request(guidance=1.0))  # no negative: another key
    assert len(encoder_calls) > calls


def test_the_table_forgets_the_least_recently_used_within_its_bounds():
    def entry(floats: int) -> Conditioning:
        return Conditioning({"encoder_hidden_states": torch.zeros(floats)}, None, ["a warning"])

    cache = text_cache.ConditioningCache(max_entries=2, max_bytes=1000)
    cache.put("a", entry(10))
    cache.put("b", entry(10))
    assert cache.get("a") is not None  # "a" is now the most recent
    cache.put("c", entry(10))
    assert cache.get("b") is None and cache.get("a") is not None and len(cache) == 2
    cache.put("big", entry(245))  # 980 bytes: the others go to stay within 1000
    assert len(cache) == 1 and cache.bytes == 980
    cache.put("huge", entry(1000))  # larger than the whole table: not kept
    assert cache.get("huge") is None and cache.get("big") is not None
    got = cache.get("big")
    got.warnings.append("edited by a caller")
    assert cache.get("big").warnings == ["a warning"]
