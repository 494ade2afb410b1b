"""Every bad field is rejected by name, with the allowed range, before any work is done."""

import math

import numpy as np
import pytest

from soundloom.engine import build_request
from soundloom.protocol.errors import SoundloomError

CLIP = np.zeros((1, 16000), dtype=np.float32)


@pytest.mark.parametrize(
    "operation, fields, field, fragment",
    [
        ("generate", {"prompt": ""}, "prompt", "non-empty"),
        ("generate", {"prompt": "x", "seconds": 0}, "seconds", "0.5 to 60"),
        ("generate", {"prompt": "x", "seconds": -1}, "seconds", "0.5 to 60"),
        ("generate", {"prompt": "x", "seconds": 61}, "seconds", "0.5 to 60"),
        ("generate", {"prompt": "x", "seconds": math.nan}, "seconds", "0.5 to 60"),
        ("generate", {"prompt": "x", "steps": 0}, "steps", "1 to 1000"),
        ("generate", {"prompt": "x", "steps": 2.5}, "steps", "integer"),
        ("generate", {"prompt": "x", "guidance": 31}, "guidance", "0 to 30"),
        ("generate", {"prompt": "x", "seed": -1}, "seed", "0 to 4294967295"),
        ("generate", {"prompt": "x", "variations": 17}, "variations", "1 to 16"),
        ("generate", {"prompt": "x", "scheduler": "plms"}, "scheduler", "ddim, dpmpp, euler"),
        ("generate", {"prompt": "x", "colour": "red"}, "colour", "not a field"),
        ("transfer", {"prompt": "x", "audio": CLIP, "sample_rate": 16000, "strength": 1.5}, "strength", "0 to 1"),
        ("transfer", {"prompt": "x", "audio": CLIP, "sample_rate": 16000, "strength": -0.1}, "strength", "0 to 1"),
        ("transfer", {"prompt": "x", "audio": np.full((1, 16000), np.inf, np.float32), "sample_rate": 16000}, "audio", "NaN or infinite"),
        ("transfer", {"prompt": "x", "audio": np.zeros((1, 0), np.float32), "sample_rate": 16000}, "audio", "no samples"),
        ("inpaint", {"prompt": "x", "audio": CLIP, "sample_rate": 16000, "regions": []}, "regions", "at least one"),
        ("inpaint", {"prompt": "x", "audio": CLIP, "sample_rate": 16000, "regions": [(0.5, 0.5)]}, "regions[0]", "empty"),
        ("inpaint", {"prompt": "x", "audio": CLIP, "sample_rate": 16000, "regions": [(0.2, 1.5)]}, "regions[0]", "the clip"),
        ("inpaint", {"prompt": "x", "audio": CLIP, "sample_rate": 16000, "regions": [(0.1, 0.5), (0.4, 0.8)]}, "regions[1]", "overlap"),
        ("inpaint", {"prompt": "x", "audio": CLIP, "sample_rate": 16000}, "regions", "required"),
        ("extend", {"prompt": "x", "audio": CLIP, "sample_rate": 16000, "seconds": 59.5}, "seconds", "clip plus extension"),
    ],
)
def test_bad_fields_are_named_with_their_range(operation, fields, field, fragment):
    with pytest.raises(SoundloomError) as err:
        build_request(operation, fields).validate()
    assert err.value.field == field
    assert fragment in err.value.message


@pytest.mark.slow  # a clip past a minute, even from the tiny model
def test_an_engine_allowed_longer_clips_generates_past_the_default_limit(tiny_model_path):
    from soundloom.engine import Engine
    from soundloom.engine.pipelines.requests import MAX_SECONDS

    seconds = MAX_SECONDS + 2
    request = build_request("generate", {"prompt": "rain", "seconds": seconds, "steps": 1, "seed": 3})
    with pytest.raises(SoundloomError, match="seconds"):
        Engine(device="cpu").run("generate", request, model=tiny_model_path)
    result = Engine(device="cpu", max_seconds=MAX_SECONDS * 2).run("generate", request, model=tiny_model_path)
    assert result.audio[0].shape[-1] == int(seconds * result.sample_rate)
