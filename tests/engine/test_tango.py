"""Tango / Tango 2: a tiny random model in Tango's own release layout, its FLAN-T5 and scheduler in a
Hugging Face cache layout, loaded offline and checked against Tango's published inference loop."""

from __future__ import annotations

import hashlib
import json
import shutil

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from soundloom.engine.models.loading import load_model
from soundloom.engine.models.tango_release import resolve_sources
from soundloom.engine.models.untrained_tango import (
    SD21_SCHEDULER_CONFIG,
    TEXT_ENCODER_ID,
    build_untrained_tango,
    tango_vocoder_state,
    tiny_tango_components,
)
from soundloom.engine.pipelines import GenerateRequest, InpaintRequest, generate, inpaint
from soundloom.protocol.errors import SoundloomError


@pytest.fixture(scope="module")
def hub_cache(tango_hub_cache):
    return tango_hub_cache


@pytest.fixture(scope="module")
def release(hub_cache, tango_release_path):
    return tango_release_path


@pytest.fixture(scope="module")
def tango(release):
    return load_model(release)


# ------------------------------------------------------------------ Tango's published loop, re-implemented


def _hifigan(state: dict[str, torch.Tensor], mel: torch.Tensor) -> torch.Tensor:
    """Tango's HiFi-GAN generator (Generator.forward) over its own weight names; mel [B, n_mels, T]."""
    rates, dilations, slope = [5, 4, 2, 2, 2], [1, 3, 5], 0.1
    x = F.conv1d(mel, state["conv_pre.weight"], state["conv_pre.bias"], padding=3)
    kernels = len({k.split(".")[1] for k in state if k.startswith("resblocks.")}) // len(rates)
    for i, rate in enumerate(rates):
        x = F.leaky_relu(x, slope)
        w = state[f"ups.{i}.weight"]
        x = F.conv_transpose1d(x, w, state[f"ups.{i}.bias"], stride=rate, padding=(w.shape[2] - rate) // 2)
        total = 0
        for j in range(kernels):
            block, y = f"resblocks.{i * kernels + j}", x
            for n, d in enumerate(dilations):
                k = state[f"{block}.convs1.{n}.weight"].shape[2]
                t = F.conv1d(F.leaky_relu(y, slope), state[f"{block}.convs1.{n}.weight"], state[f"{block}.convs1.{n}.bias"],
                             dilation=d, padding=(k * d - d) // 2)
                t = F.conv1d(F.leaky_relu(t, slope), state[f"{block}.convs2.{n}.weight"], state[f"{block}.convs2.{n}.bias"],
                             padding=(k - 1) // 2)
                y = y + t
            total = total + y
        x = total / kernels
    x = F.conv1d(F.leaky_relu(x), state["conv_post.weight"], state["conv_post.bias"], padding=3)
    return torch.tanh(x).squeeze(1)


@torch.no_grad()
def _tango_reference(prompt: str, guidance: float, steps: int, latents: torch.Tensor) -> np.ndarray:
    """AudioDiffusion.inference + decode_first_stage + decode_to_waveform, as Tango publishes them.

    Differences, each forced by running here: the initial latents are passed in (Tango draws them
    unseeded), the scheduler is DDIM built from Stable Diffusion 2.1's config (Tango's loop takes any
    scheduler), the VAE and vocoder are the modules the tiny release was written from, and the
    waveform is returned as float before Tango's int16 rounding.
    """
    from diffusers import DDIMScheduler

    parts = tiny_tango_components(seed=0)
    tokenizer, t5, unet = parts.tokenizer, parts.text_encoder, parts.unet
    batch = tokenizer([prompt], max_length=tokenizer.model_max_length, padding=True, truncation=True, return_tensors="pt")
    embeds = t5(input_ids=batch.input_ids, attention_mask=batch.attention_mask)[0]
    mask = batch.attention_mask
    if guidance > 1.0:
        uncond = tokenizer([""], max_length=embeds.shape[1], padding="max_length", truncation=True, return_tensors="pt")
        negative = t5(input_ids=uncond.input_ids, attention_mask=uncond.attention_mask)[0]
        embeds, mask = torch.cat([negative, embeds]), torch.cat([uncond.attention_mask, mask])
    mask = mask == 1
    scheduler = DDIMScheduler.from_config(SD21_SCHEDULER_CONFIG)
    scheduler.set_timesteps(steps)
    latents = latents * scheduler.init_noise_sigma
    for t in scheduler.timesteps:
        model_input = torch.cat([latents] * 2) if guidance > 1.0 else latents
        model_input = scheduler.scale_model_input(model_input, t)
        noise_pred = unet(model_input, t, encoder_hidden_states=embeds, encoder_attention_mask=mask).sample
        if guidance > 1.0:
            uncond_pred, text_pred = noise_pred.chunk(2)
            noise_pred = uncond_pred + guidance * (text_pred - uncond_pred)
        latents = scheduler.step(noise_pred, t, latents).prev_sample
    mel = parts.vae.decode(latents / parts.vae.config.scaling_factor).sample
    return _hifigan(tango_vocoder_state(parts.vocoder), mel.squeeze(1).permute(0, 2, 1)).numpy()


@pytest.mark.parametrize("guidance", [pytest.param(1.0, marks=pytest.mark.slow), 3.0])
def test_generate_equals_tangos_inference_loop(tango, guidance):
    seconds, steps, seed = 1.28, 4, 5
    ours = generate(tango, GenerateRequest(prompt="a dog barking", steps=steps, guidance=guidance, seed=seed,
                                           seconds=seconds, scheduler="ddim", normalize="off")).audio[0][0]
    channels, width = tango.latent_shape_per_frame
    frames = 32  # 1.28 s = 128 mel frames, over the VAE's compression of 4
    start = torch.randn((1, channels, frames, width), generator=torch.Generator().manual_seed(seed))
    expected = _tango_reference("a dog barking", guidance, steps, start)[0][: ours.shape[0]]
    assert ours.shape == expected.shape == (int(seconds * 16000),)
    scale = np.abs(expected).max()
    assert scale > 0.05  # audible-sized, so the tolerance below means something
    assert np.abs(ours - expected).max() <= 1e-4 * scale


def test_the_release_is_read_offline_with_v_prediction_and_t5_cross_attention(tango, hub_cache):
    assert tango.family == "tango" and tango.sample_rate == 16000
    assert tango.scheduler_config["prediction_type"] == "v_prediction"
    cond = tango.encode_text(["rain", "a dog barking in the distance"], ["", ""])
    assert set(cond.cond) == {"encoder_hidden_states", "encoder_attention_mask"}
    # Padded to one width, the uncond rows only as long as the prompts: "" is one token (</s>).
    assert cond.uncond["encoder_attention_mask"].sum(dim=1).tolist() == [1, 1]
    assert cond.cond["encoder_attention_mask"].sum(dim=1).tolist() == [2, 7]


def test_the_published_unet_config_stands_in_when_the_named_file_is_absent(hub_cache, tmp_path):
    folder = build_untrained_tango(tmp_path / "tango-published", unet_config_in_folder=False)
    sources = resolve_sources(folder)
    assert sources.unet_config_source == "published"
    assert sources.unet_config["block_out_channels"] == [320, 640, 1280, 1280]
    assert sources.unet_config["cross_attention_dim"] == 32  # the cached T5's width, as Tango XL's config does
    assert sources.scheduler_config["prediction_type"] == "v_prediction"


def test_inpaint_keeps_every_sample_outside_the_region(tango):
    rate = 22050
    clip = (0.3 * np.sin(np.arange(int(1.5 * rate)) * 0.05)).astype(np.float32)[None]
    out = inpaint(tango, InpaintRequest(prompt="thunder", steps=3, seed=1, audio=clip, sample_rate=rate,
                                        regions=[(0.4, 0.9)])).audio[0]
    inside = np.zeros(clip.shape[1], dtype=bool)
    inside[round(0.4 * rate) : round(0.9 * rate)] = True
    assert np.array_equal(out[:, ~inside], clip[:, ~inside])
    assert np.abs(out[:, inside] - clip[:, inside]).mean() > 0.01


# ------------------------------------------------------------------ conversion to diffusers' format


def _digest(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_convert_writes_a_diffusers_folder_that_sounds_the_same(tango, release, tmp_path):
    from soundloom.engine.models.cli import main

    before = _digest(release)
    out = tmp_path / "converted"
    assert main(["convert", str(release), str(out)]) == 0
    assert _digest(release) == before  # the release is only read
    index = json.loads((out / "model_index.json").read_text())
    assert index["_class_name"] == "TangoPipeline" and index["vae"] == ["diffusers", "AutoencoderKL"]
    assert index["vocoder"] == ["transformers", "SpeechT5HifiGan"]
    converted = load_model(out)
    request = dict(prompt="footsteps on gravel", steps=3, guidance=2.5, seed=9, seconds=1.0)
    a = generate(tango, GenerateRequest(**request)).audio[0]
    b = generate(converted, GenerateRequest(**request)).audio[0]
    np.testing.assert_allclose(b, a, atol=1e-5 * np.abs(a).max())
    assert main(["convert", str(release), str(out)]) == 2  # never over an existing folder
    assert [p.name for p in tmp_path.iterdir()] == ["converted"]  # no partial folder left


# ------------------------------------------------------------------ bad input


def test_a_missing_text_encoder_names_the_model_id_and_the_cache(release, tmp_path, monkeypatch):
    empty = tmp_path / "empty-cache"
    empty.mkdir()
    monkeypatch.setenv("HF_HUB_CACHE", str(empty))
    with pytest.raises(SoundloomError) as info:
        load_model(release)
    assert TEXT_ENCODER_ID in info.value.message and str(empty) in info.value.message
    assert info.value.field == "text_encoder"


def test_a_truncated_weight_file_is_reported_by_name(release, tmp_path):
    broken = shutil.copytree(release, tmp_path / "broken")
    weights = broken / "pytorch_model_vae.bin"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    with pytest.raises(SoundloomError) as info:
        load_model(broken)
    assert info.value.code.value == "model_incomplete" and "pytorch_model_vae.bin" in info.value.message


def test_a_folder_of_an_unsupported_family_lists_the_supported_ones(tmp_path):
    folder = tmp_path / "stranger"
    folder.mkdir()
    (folder / "model.ckpt").write_bytes(b"\0" * 16)
    with pytest.raises(SoundloomError) as info:
        load_model(folder)
    for name in ("AudioLDMPipeline", "MusicLDMPipeline", "TangoPipeline", "Tango release"):
        assert name in info.value.message


@pytest.mark.slow
def test_convert_takes_the_text_encoder_and_scheduler_from_explicit_paths(release, hub_cache, tmp_path, monkeypatch):
    from soundloom.engine.models.cli import main
    from soundloom.engine.models.hf_cache import snapshot_path
    from soundloom.engine.models.untrained_tango import SCHEDULER_ID

    t5 = shutil.copytree(snapshot_path(TEXT_ENCODER_ID, hub_cache), tmp_path / "flan-t5")
    scheduler = shutil.copytree(snapshot_path(SCHEDULER_ID, hub_cache) / "scheduler", tmp_path / "sd21-scheduler")
    empty = tmp_path / "empty-cache"
    empty.mkdir()
    monkeypatch.setenv("HF_HUB_CACHE", str(empty))  # nothing may come from a cache now
    out = tmp_path / "converted"
    assert main(["convert", str(release), str(out), "--text-encoder", str(t5), "--scheduler", str(scheduler)]) == 0
    model = load_model(out)
    assert model.family == "tango" and model.scheduler_config["prediction_type"] == "v_prediction"


def test_a_unet_started_from_stable_diffusion_is_refused_by_name(release, hub_cache, tmp_path):
    folder = shutil.copytree(release, tmp_path / "sd-initialised")
    config = json.loads((folder / "main_config.json").read_text())
    config.update(unet_model_name="stabilityai/stable-diffusion-2-1", unet_model_config_path=None)
    (folder / "main_config.json").write_text(json.dumps(config))
    with pytest.raises(SoundloomError) as info:
        resolve_sources(folder)
    assert "unet_model_name" in info.value.message and info.value.code.value == "model_incomplete"
