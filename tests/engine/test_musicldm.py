"""MusicLDM: our one sampling loop reproduces diffusers' (deprecated) MusicLDMPipeline on a tiny folder."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from soundloom.engine.models.loading import load_model
from soundloom.engine.pipelines import GenerateRequest, generate


@pytest.fixture(scope="module")
def musicldm(musicldm_path):
    return load_model(musicldm_path)


@pytest.fixture(scope="module")
def reference(musicldm_path):
    from diffusers import MusicLDMPipeline

    pipe = MusicLDMPipeline.from_pretrained(musicldm_path, local_files_only=True)
    pipe.set_progress_bar_config(disable=True)
    return pipe


@torch.no_grad()
def _clap_embedding(pipe, text: str, length: int) -> torch.Tensor:
    """The pipeline's own text encoding (`_encode_prompt`), with one change: under transformers 5
    `ClapModel.get_text_features` returns an output object whose `pooler_output` is the tensor the
    pipeline expects, and the pipeline itself would fail on it, so the embeddings are passed in."""
    tokens = pipe.tokenizer([text], padding="max_length", max_length=length, truncation=True, return_tensors="pt")
    return pipe.text_encoder.get_text_features(tokens.input_ids, attention_mask=tokens.attention_mask).pooler_output


@pytest.mark.parametrize("guidance, negative", [pytest.param(1.0, "", marks=pytest.mark.slow), (2.5, "hiss and hum")])
def test_generate_equals_musicldm_pipeline(musicldm, reference, guidance, negative):
    seconds = 1.28
    prompt_embeds = _clap_embedding(reference, "a cello playing", reference.tokenizer.model_max_length)
    # The pipeline pads the negative prompt to the embedding's width (its own quirk); masked, it changes nothing.
    negative_embeds = _clap_embedding(reference, negative, prompt_embeds.shape[1]) if guidance > 1 else None
    expected = reference(
        prompt_embeds=prompt_embeds, negative_prompt_embeds=negative_embeds, num_inference_steps=5,
        audio_length_in_s=seconds, guidance_scale=guidance, generator=torch.Generator().manual_seed(4),
    ).audios[0]
    ours = generate(musicldm, GenerateRequest(prompt="a cello playing", negative_prompt=negative, steps=5,
                                              guidance=guidance, seed=4, seconds=seconds, scheduler="ddim",
                                              normalize="off"))
    got = ours.audio[0][0]
    assert musicldm.family == "musicldm" and got.shape == expected.shape
    assert np.abs(expected).max() > 0.05  # audible-sized, so the tolerance below means something
    assert np.abs(got - expected).max() <= 1e-4 * np.abs(expected).max()
