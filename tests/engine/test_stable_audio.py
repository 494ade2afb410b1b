"""Stable Audio Open on a tiny random-weight folder: the engine matches diffusers' own pipeline,
and every operation works on 44.1 kHz stereo through the one sampling loop."""

import warnings

import numpy as np
import pytest
import torch

from soundloom.engine.models.loading import load_model
from soundloom.engine.pipelines import (
    ExtendRequest,
    GenerateRequest,
    InpaintRequest,
    TransferRequest,
    extend,
    generate,
    inpaint,
    transfer,
)
from soundloom.engine.pipelines import common
from soundloom.engine.pipelines.generate import generate_batch
from soundloom.protocol.errors import SoundloomError

RATE = 44100


@pytest.fixture(scope="module")
def model(stable_audio_path):
    return load_model(stable_audio_path)


@pytest.fixture(scope="module")
def pipeline(stable_audio_path):
    from diffusers import StableAudioPipeline

    pipe = StableAudioPipeline.from_pretrained(stable_audio_path, local_files_only=True)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def _reference(pipeline, prompt, negative, seconds, steps, guidance, seeds):
    # The cosine DPM-Solver++ is an SDE solver: its Brownian noise comes from a torchsde tree seeded
    # with each generator's initial seed. Handing the pipeline one generator per waveform, seeded as
    # the engine seeds its variations (seed, seed + 1, …), lines up both the starting noise and
    # every step's Brownian increments, so the two runs are the same computation.
    gens = [torch.Generator().manual_seed(s) for s in seeds]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torchsde notes the final σ = 0 lies below the tree's range
        out = pipeline(
            prompt, negative_prompt=negative or None, audio_end_in_s=seconds, num_inference_steps=steps,
            guidance_scale=guidance, num_waveforms_per_prompt=len(seeds), generator=gens,
        )
    return out.audios.numpy()


def _assert_same(ours, reference):
    assert ours.shape == reference.shape
    np.testing.assert_allclose(ours, reference, rtol=0, atol=1e-5 * np.abs(reference).max())


def test_generate_equals_stable_audio_pipeline(model, pipeline):
    result = generate(model, GenerateRequest(prompt="a punchy kick drum", seconds=0.5, steps=3, seed=7, guidance=3.0, variations=2,
                                             normalize="off"))
    ours = np.stack(result.audio)
    assert ours.shape == (2, 2, int(0.5 * RATE)) and result.sample_rate == RATE  # stereo, two variations
    assert not np.allclose(ours[:, 0], ours[:, 1])  # two channels, not one copied
    _assert_same(ours, _reference(pipeline, "a punchy kick drum", "", 0.5, 3, 3.0, [7, 8]))


def test_other_schedulers_are_refused_by_name(model):
    with pytest.raises(SoundloomError) as caught:
        generate(model, GenerateRequest(prompt="x", seconds=0.5, steps=2, seed=0, scheduler="ddim"))
    assert caught.value.field == "scheduler"
    assert "dpmpp" in str(caught.value) and "stable_audio" in str(caught.value)


@pytest.mark.slow
@pytest.mark.parametrize("guidance, negative", [(1.0, ""), (4.0, "dog barking in the distance")])
def test_guidance_off_and_negative_prompts_match_the_pipeline(model, pipeline, guidance, negative):
    request = GenerateRequest(prompt="soft rain on a window", negative_prompt=negative, seconds=0.5, steps=4, seed=3,
                              guidance=guidance, normalize="off")
    ours = np.stack(generate(model, request).audio)
    _assert_same(ours, _reference(pipeline, "soft rain on a window", negative, 0.5, 4, guidance, [3]))


@pytest.mark.slow
def test_the_end_seconds_steer_the_sound(model):
    # The model is told how long the sound is (its last cross-attention token and its global state);
    # a shorter sound is made in the whole window and trimmed.
    half, full = model.condition(["a laser zap"], None, 0.5), model.condition(["a laser zap"], None, None)
    assert torch.equal(half.cond["encoder_hidden_states"][:, :-1], full.cond["encoder_hidden_states"][:, :-1])
    assert not torch.equal(half.cond["encoder_hidden_states"][:, -1], full.cond["encoder_hidden_states"][:, -1])
    assert not torch.equal(half.cond["global_hidden_states"], full.cond["global_hidden_states"])
    short = generate(model, GenerateRequest(prompt="a laser zap", seconds=0.5, steps=3, seed=1)).audio[0]
    longer = generate(model, GenerateRequest(prompt="a laser zap", seconds=0.55, steps=3, seed=1)).audio[0]
    assert short.shape == (2, int(0.5 * RATE)) and longer.shape == (2, int(0.55 * RATE))
    assert not np.array_equal(short, longer[:, : short.shape[1]])


@pytest.mark.slow
def test_batched_requests_equal_each_run_alone(model):
    requests = [
        GenerateRequest(prompt="a punchy kick drum", seconds=0.5, steps=3, seed=11, guidance=3.0, variations=2),
        GenerateRequest(prompt="thunder and heavy rain", seconds=0.5, steps=3, seed=40, guidance=3.0),
    ]
    together = generate_batch(model, requests)
    for request, result in zip(requests, together):
        alone = generate(model, GenerateRequest(**{**request.__dict__}))
        for a, b in zip(result.audio, alone.audio):
            np.testing.assert_allclose(a, b, atol=1e-4 * np.abs(b).max())


def _stereo(seconds, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    left = 0.3 * np.sin(2 * np.pi * 220 * t)
    right = 0.3 * np.sin(2 * np.pi * 330 * t)
    return (np.stack([left, right]) + 0.02 * rng.standard_normal((2, t.size))).astype(np.float32)


@pytest.mark.slow
def test_transfer_strength_zero_is_the_stereo_vae_round_trip(model):
    clip = _stereo(0.5)
    result = transfer(model, TransferRequest(prompt="x", steps=4, seed=0, audio=clip, sample_rate=RATE, strength=0.0))
    frames = common.latent_frames(model, clip.shape[1])
    round_trip = common.decode_clips(model, common.encode_clip(model, clip, frames), clip.shape[1])[0]
    assert result.audio[0].shape == clip.shape and not result.warnings
    np.testing.assert_allclose(result.audio[0], round_trip, atol=1e-6 * np.abs(round_trip).max())
    assert not np.allclose(round_trip[0], round_trip[1])  # each channel went through on its own


@pytest.mark.slow
def test_transfer_strength_one_is_generation_and_partial_strength_keeps_some_of_the_clip(model):
    clip = _stereo(0.5)
    moved = transfer(model, TransferRequest(prompt="wind", steps=4, seed=9, audio=clip, sample_rate=RATE, strength=1.0))
    made = generate(model, GenerateRequest(prompt="wind", steps=4, seed=9, seconds=0.5))
    np.testing.assert_allclose(moved.audio[0], made.audio[0], atol=1e-6 * np.abs(made.audio[0]).max())
    seen = []
    request = TransferRequest(prompt="wind", steps=10, seed=9, audio=clip, sample_rate=RATE, strength=0.3)
    half = transfer(model, request, on_step=lambda step, total: seen.append(total))
    assert seen == [3, 3, 3] and half.audio[0].shape == clip.shape
    assert not np.allclose(half.audio[0], moved.audio[0], atol=1e-3)


@pytest.mark.slow
def test_inpaint_keeps_every_stereo_sample_outside_the_regions(model):
    clip = _stereo(1.0)
    regions = [(0.2, 0.4), (0.7, 0.8)]
    result = inpaint(model, InpaintRequest(prompt="a laser zap", steps=4, seed=3, audio=clip, sample_rate=RATE, regions=regions))
    out = result.audio[0]
    assert out.shape == clip.shape and result.sample_rate == RATE and not result.warnings
    inside = np.zeros(clip.shape[1], dtype=bool)
    for start, end in regions:
        inside[round(start * RATE) : round(end * RATE)] = True
    for channel in range(2):  # bit-identical outside, per channel
        assert np.array_equal(out[channel, ~inside], clip[channel, ~inside])
        assert np.abs(out[channel, inside] - clip[channel, inside]).mean() > 1e-3
    assert not np.allclose(out[0, inside], out[1, inside])  # stereo regenerated, not a copied mono


@pytest.mark.slow
def test_extend_continues_a_stereo_clip(model):
    clip = _stereo(0.6)
    result = extend(model, ExtendRequest(prompt="footsteps on gravel", steps=3, seed=2, audio=clip, sample_rate=RATE, seconds=0.5))
    out = result.audio[0]
    assert out.shape == (2, clip.shape[1] + int(0.5 * RATE))
    assert np.array_equal(out[:, : clip.shape[1]], clip)
    assert np.abs(out[:, clip.shape[1] :]).max() > 0 and not np.allclose(out[0, clip.shape[1] :], out[1, clip.shape[1] :])


@pytest.mark.slow
def test_decoding_only_the_needed_frames_gives_the_samples_a_whole_decode_gives(model):
    latents = torch.randn((1, *model.latent_shape(200)), generator=torch.Generator().manual_seed(0))
    samples = 40 * model.samples_per_latent_frame
    whole = model.latents_to_waveform(latents).numpy()[..., :samples]
    trimmed = common.decode(model, latents, samples)
    assert trimmed.shape == (1, 2, samples)
    np.testing.assert_allclose(trimmed, whole, rtol=0, atol=1e-5 * np.abs(whole).max())
