"""AudioLDM 2 on a tiny random-weight folder: it loads through the normal loader, generates what
diffusers' AudioLDM2Pipeline generates, and every operation runs on it."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch

from soundloom.engine.models.audioldm2 import AudioLDM2Model
from soundloom.engine.models.loading import load_model
from soundloom.engine.pipelines import (
    GenerateRequest, InpaintRequest, generate, inpaint,
)
from soundloom.engine.pipelines.generate import generate_batch
from soundloom.protocol.errors import SoundloomError


@pytest.fixture(scope="module")
def audioldm2(audioldm2_path):
    return load_model(audioldm2_path)


def _diffusers_pipeline(folder):
    """diffusers' own pipeline on the same folder.

    Real AudioLDM 2 folders name the language model `GPT2Model`, which in transformers 5 lacks the
    generation helpers the pipeline calls; it is given the same weights loaded as GPT2LMHeadModel
    (the bare GPT-2 plus an unused head), which has them.
    """
    from diffusers import AudioLDM2Pipeline
    from transformers import GPT2LMHeadModel

    language_model = GPT2LMHeadModel.from_pretrained(folder / "language_model", local_files_only=True)
    pipe = AudioLDM2Pipeline.from_pretrained(folder, local_files_only=True, language_model=language_model)
    pipe.set_progress_bar_config(disable=True)
    return pipe


@pytest.fixture(scope="module")
def reference(audioldm2_path):
    return _diffusers_pipeline(audioldm2_path)


def _assert_same_audio(got: np.ndarray, expected: np.ndarray) -> None:
    assert got.shape == expected.shape
    scale = np.abs(expected).max()
    assert scale > 0.05  # audible-sized, so the tolerance below means something
    assert np.abs(got - expected).max() <= 1e-4 * scale


def test_an_audioldm2_folder_loads_as_its_family(audioldm2):
    assert isinstance(audioldm2, AudioLDM2Model) and audioldm2.family == "audioldm2"
    assert audioldm2.sample_rate == 16000 and audioldm2.samples_per_latent_frame == 320
    assert {"language_model", "projection_model", "text_encoder_2"} <= set(audioldm2.modules())


@pytest.mark.parametrize("guidance, negative", [(2.5, "thunder"), pytest.param(3.0, "", marks=pytest.mark.slow)])
def test_generate_equals_audioldm2_pipeline(audioldm2, reference, guidance, negative):
    seconds = 0.64  # 64 mel frames: both pad to the same latent length
    expected = reference(
        "a dog barking", negative_prompt=negative or None, num_inference_steps=3, audio_length_in_s=seconds,
        guidance_scale=guidance, generator=torch.Generator().manual_seed(11),
    ).audios[0]
    ours = generate(audioldm2, GenerateRequest(
        prompt="a dog barking", negative_prompt=negative, steps=3, guidance=guidance, seed=11, seconds=seconds,
        scheduler="ddim", normalize="off",
    ))
    _assert_same_audio(ours.audio[0][0], expected)


def test_language_model_states_equal_a_full_recomputation(audioldm2):
    """The cached 8-step loop gives what re-running GPT-2 over the whole sequence gives each step."""
    chain = audioldm2.text
    torch.manual_seed(0)
    embeds = torch.randn(2, 7, chain.language_model.config.n_embd)
    mask = torch.ones(2, 7, dtype=torch.long)
    mask[1, 4:6] = 0  # padding in the middle, as T5 padding sits before the projection's end token
    cached = chain.generate_states(embeds, mask)
    sequence, full_mask = embeds, mask
    for _ in range(chain.new_states):
        last = chain.language_model(inputs_embeds=sequence, attention_mask=full_mask).last_hidden_state[:, -1:]
        sequence = torch.cat([sequence, last], dim=1)
        full_mask = torch.cat([full_mask, full_mask.new_ones(2, 1)], dim=1)
    assert cached.shape == (2, chain.new_states, embeds.shape[-1])
    torch.testing.assert_close(cached, sequence[:, -chain.new_states :], rtol=1e-5, atol=1e-5)


def test_the_unconditional_branch_is_the_empty_prompt_through_the_chain(audioldm2):
    guided = audioldm2.encode_text(["a dog barking"], [""])
    empty = audioldm2.encode_text([""], None).cond
    states = guided.uncond["encoder_hidden_states"]
    assert states.abs().max() > 0.1  # not zeros
    # The empty prompt's T5 tokens are padded to the prompt's before GPT-2, as diffusers does; its
    # T5 states themselves are the empty prompt's.
    n = int(empty["encoder_attention_mask_1"].sum())
    torch.testing.assert_close(guided.uncond["encoder_hidden_states_1"][:, :n], empty["encoder_hidden_states_1"][:, :n])
    assert not torch.allclose(states, guided.cond["encoder_hidden_states"])


def test_a_negative_prompt_longer_than_the_prompt_is_read_whole(audioldm2):
    short, long = "rain", "thunder and heavy rain on a window"
    guided = audioldm2.encode_text([short], [long])
    alone = audioldm2.encode_text([long], None).cond
    assert int(guided.uncond["encoder_attention_mask_1"].sum()) == int(alone["encoder_attention_mask_1"].sum())
    torch.testing.assert_close(guided.uncond["encoder_hidden_states"], alone["encoder_hidden_states"])


@pytest.mark.slow
def test_requests_with_prompts_of_different_lengths_batch_together(audioldm2):
    requests = [
        GenerateRequest(prompt="rain", steps=3, seed=1, seconds=0.64, variations=2),
        GenerateRequest(prompt="footsteps on gravel and a dog barking in the distance", negative_prompt="thunder",
                        steps=3, seed=50, seconds=0.64),
    ]
    batched = generate_batch(audioldm2, requests)
    for request, together in zip(requests, batched):
        alone = generate(audioldm2, GenerateRequest(**{**request.__dict__}))
        assert len(together.audio) == request.variations
        for a, b in zip(alone.audio, together.audio):
            np.testing.assert_allclose(b, a, atol=1e-5 * np.abs(a).max())


@pytest.mark.slow
def test_a_v_prediction_folder_is_sampled_as_v_prediction(audioldm2_path, tmp_path):
    folder = tmp_path / "v-audioldm2"
    shutil.copytree(audioldm2_path, folder)
    config_file = folder / "scheduler" / "scheduler_config.json"
    config_file.write_text(json.dumps({**json.loads(config_file.read_text()), "prediction_type": "v_prediction"}))
    model = load_model(folder)
    expected = _diffusers_pipeline(folder)(
        "a laser zap", num_inference_steps=3, audio_length_in_s=0.64, guidance_scale=2.0,
        generator=torch.Generator().manual_seed(5),
    ).audios[0]
    ours = generate(model, GenerateRequest(prompt="a laser zap", steps=3, guidance=2.0, seed=5, seconds=0.64, scheduler="ddim"))
    _assert_same_audio(ours.audio[0][0], expected)


def _clip(channels: int, seconds: float, rate: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * 220 * t) + 0.05 * rng.standard_normal((channels, t.size))).astype(np.float32)


def test_inpaint_keeps_every_sample_outside_the_region(audioldm2):
    rate = 22050
    clip = _clip(2, 1.0, rate)
    region = (0.4, 0.7)
    out = inpaint(audioldm2, InpaintRequest(
        prompt="a laser zap", steps=2, seed=3, audio=clip, sample_rate=rate, regions=[region],
    )).audio[0]
    inside = np.zeros(clip.shape[1], dtype=bool)
    inside[round(region[0] * rate) : round(region[1] * rate)] = True
    assert out.shape == clip.shape
    assert np.array_equal(out[:, ~inside], clip[:, ~inside])  # bit-identical
    assert np.abs(out[:, inside] - clip[:, inside]).mean() > 0.01


@pytest.mark.slow
def test_every_operation_runs_on_audioldm2_through_the_engine(audioldm2_path):
    from soundloom.engine.engine import Engine

    engine = Engine(dtype="float32")
    rate = 16000
    clip = _clip(1, 0.64, rate)
    base = {"prompt": "wind", "steps": 3, "seed": 9}
    made = engine.run("generate", {**base, "seconds": 0.64, "variations": 2}, model=audioldm2_path)
    assert engine.model.family == "audioldm2" and [a.shape for a in made.audio] == [(1, 10240)] * 2
    assert not np.allclose(made.audio[0], made.audio[1])
    moved = engine.run("transfer", {**base, "audio": clip, "sample_rate": rate, "strength": 0.5}, model=audioldm2_path)
    assert moved.audio[0].shape == clip.shape and np.all(np.isfinite(moved.audio[0]))
    assert not np.allclose(moved.audio[0], clip)
    longer = engine.run("extend", {**base, "audio": clip, "sample_rate": rate, "seconds": 0.5}, model=audioldm2_path).audio[0]
    assert longer.shape == (1, clip.shape[1] + 8000)
    assert np.array_equal(longer[:, : clip.shape[1]], clip) and np.abs(longer[:, clip.shape[1] :]).max() > 0.01
    fixed = engine.run("inpaint", {**base, "audio": clip, "sample_rate": rate, "regions": [(0.2, 0.4)]}, model=audioldm2_path)
    assert np.array_equal(fixed.audio[0][:, :3200], clip[:, :3200]) and np.array_equal(fixed.audio[0][:, 6400:], clip[:, 6400:])


def test_a_truncated_weight_file_names_the_component(audioldm2_path, tmp_path):
    folder = tmp_path / "broken"
    shutil.copytree(audioldm2_path, folder)
    weights = next((folder / "language_model").glob("*.safetensors"))
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    with pytest.raises(SoundloomError) as err:
        load_model(folder)
    assert err.value.code.value == "model_incomplete" and "language_model" in err.value.message
