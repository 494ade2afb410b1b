"""Every operation on Tango and MusicLDM through the Engine: generate, inpaint, transfer, extend, batches."""

from __future__ import annotations

import numpy as np
import pytest

from soundloom.engine.engine import Engine
from soundloom.engine.pipelines import GenerateRequest
from soundloom.engine.pipelines.generate import generate_batch

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def folders(tango_hub_cache, tango_release_path, musicldm_path):
    return {"tango": tango_release_path, "musicldm": musicldm_path}


class FamilyEngine:
    """An Engine whose every call names the family's folder (an unnamed model means the default one)."""

    def __init__(self, folder):
        self.folder, self.engine = folder, Engine(device="cpu", dtype="float32")
        self.model = self.engine.load(folder)

    def run(self, operation, request):
        result = self.engine.run(operation, request, model=self.folder)
        assert {m["model"] for m in result.metadata} == {self.folder.name}
        return result


@pytest.fixture(scope="module", params=["tango", "musicldm"])
def engine(request, folders):
    engine = FamilyEngine(folders[request.param])
    assert engine.model.family == request.param
    return engine


def _clip(seconds: float, rate: int, channels: int = 2) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    rng = np.random.default_rng(0)
    return (0.3 * np.sin(2 * np.pi * 330 * t) + 0.02 * rng.standard_normal((channels, t.size))).astype(np.float32)


def test_generate_any_length(engine):
    for seconds in (0.5, 2.7):
        result = engine.run("generate", {"prompt": "rain on a window", "steps": 3, "seconds": seconds, "seed": 1})
        assert result.audio[0].shape == (1, int(seconds * 16000)) and result.sample_rate == 16000
        assert np.abs(result.audio[0]).max() > 0.01


def test_inpaint_is_bit_exact_outside_the_regions(engine):
    rate, clip, regions = 44100, _clip(2.0, 44100), [(0.3, 0.7), (1.2, 1.5)]
    out = engine.run("inpaint", {"prompt": "a laser zap", "steps": 3, "seed": 2, "audio": clip,
                                 "sample_rate": rate, "regions": regions}).audio[0]
    inside = np.zeros(clip.shape[1], dtype=bool)
    for start, end in regions:
        inside[round(start * rate) : round(end * rate)] = True
    assert out.shape == clip.shape
    assert np.array_equal(out[:, ~inside], clip[:, ~inside])
    assert np.abs(out[:, inside] - clip[:, inside]).mean() > 0.01


def test_transfer_keeps_the_clips_format_and_strength_one_is_generation(engine):
    rate, clip = 16000, _clip(1.0, 16000, channels=1)
    out = engine.run("transfer", {"prompt": "surf", "steps": 4, "seed": 3, "audio": clip, "sample_rate": rate,
                                  "strength": 0.5}).audio[0]
    assert out.shape == clip.shape and not np.allclose(out, clip)
    full = engine.run("transfer", {"prompt": "surf", "steps": 4, "seed": 3, "audio": clip, "sample_rate": rate,
                                   "strength": 1.0}).audio[0]
    plain = engine.run("generate", {"prompt": "surf", "steps": 4, "seed": 3, "seconds": 1.0}).audio[0]
    np.testing.assert_allclose(full, plain, atol=1e-5 * np.abs(plain).max())


def test_extend_keeps_the_original_and_appends(engine):
    rate, clip = 22050, _clip(1.0, 22050)
    out = engine.run("extend", {"prompt": "wind", "steps": 3, "seed": 4, "audio": clip, "sample_rate": rate,
                                "seconds": 0.8}).audio[0]
    assert out.shape == (2, clip.shape[1] + int(0.8 * rate))
    assert np.array_equal(out[:, : clip.shape[1]], clip)
    assert np.abs(out[:, clip.shape[1] :]).max() > 0.01


def test_a_batch_gives_each_request_what_it_gets_alone(engine):
    requests = [
        GenerateRequest(prompt="rain", steps=3, seed=1, seconds=1.0, variations=2),
        GenerateRequest(prompt="a dog barking in the distance", negative_prompt="thunder and heavy rain", steps=3,
                        seed=50, seconds=1.0),
    ]
    together = generate_batch(engine.model, requests)
    for request, batched in zip(requests, together):
        alone = engine.run("generate", GenerateRequest(**request.__dict__))
        for a, b in zip(alone.audio, batched.audio):
            np.testing.assert_allclose(b, a, atol=1e-5 * np.abs(a).max())
