"""The correctness anchor: our one sampling loop reproduces diffusers' AudioLDMPipeline."""

import numpy as np
import pytest
import torch
from diffusers import AudioLDMPipeline

from soundloom.engine.pipelines import GenerateRequest, generate


@pytest.fixture(scope="module")
def reference(tiny_model_path):
    pipe = AudioLDMPipeline.from_pretrained(tiny_model_path, local_files_only=True)
    pipe.set_progress_bar_config(disable=True)
    return pipe


@pytest.mark.parametrize("guidance, negative", [(1.0, ""), (3.0, ""), (2.5, "hiss and hum")])
def test_generate_equals_audioldm_pipeline(tiny_model, reference, guidance, negative):
    seconds = 1.28  # 128 mel frames: both pad to the same latent length
    expected = reference(
        "a dog barking",
        negative_prompt=negative or None,
        num_inference_steps=6,
        audio_length_in_s=seconds,
        guidance_scale=guidance,
        generator=torch.Generator().manual_seed(11),
    ).audios[0]
    ours = generate(
        tiny_model,
        GenerateRequest(
            prompt="a dog barking", negative_prompt=negative, steps=6, guidance=guidance, seed=11,
            seconds=seconds, scheduler="ddim", normalize="off",
        ),
    )
    got = ours.audio[0][0]
    assert got.shape == expected.shape
    assert np.abs(expected).max() > 0.05  # audible-sized, so the tolerance below means something
    assert np.abs(got - expected).max() <= 1e-4


def test_each_variation_replays_alone_with_its_seed(tiny_model):
    batch = generate(tiny_model, GenerateRequest(prompt="rain", steps=4, seed=100, variations=3, seconds=1.0))
    single = generate(tiny_model, GenerateRequest(prompt="rain", steps=4, seed=102, seconds=1.0))
    assert [m["seed"] for m in batch.metadata] == [100, 101, 102]
    np.testing.assert_allclose(batch.audio[2], single.audio[0], atol=1e-5 * np.abs(single.audio[0]).max())
    assert not np.allclose(batch.audio[0], batch.audio[1])


def test_a_batch_of_requests_gives_each_what_it_would_get_alone(tiny_model):
    from soundloom.engine.pipelines.generate import generate_batch

    requests = [
        GenerateRequest(prompt="rain", steps=4, seed=1, seconds=1.0, variations=2),
        GenerateRequest(prompt="a laser zap", negative_prompt="noise", steps=4, seed=50, seconds=1.0),
        GenerateRequest(prompt="rain " * 399, steps=4, seed=7, seconds=1.0),
    ]
    batched = generate_batch(tiny_model, requests)
    for request, together in zip(requests, batched):
        alone = generate(tiny_model, GenerateRequest(**{**request.__dict__}))
        assert len(together.audio) == request.variations
        for a, b in zip(alone.audio, together.audio):
            np.testing.assert_allclose(b, a, atol=1e-5 * np.abs(a).max())
    assert batched[0].warnings == [] and batched[1].warnings == [] and len(batched[2].warnings) == 1
