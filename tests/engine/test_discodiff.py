"""DiscoDiff: a tiny random two-stage model with a tiny DAC, built offline, run through the engine's one
sampling loop and checked against DiscoDiff's published coarse-then-fine DDPM loop."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch

from soundloom.engine.models.loading import load_model
from soundloom.engine.models.untrained_discodiff import build_untrained_discodiff
from soundloom.engine.pipelines import (
    ExtendRequest,
    GenerateRequest,
    InpaintRequest,
    TransferRequest,
    common,
    extend,
    generate,
    inpaint,
    transfer,
)
from soundloom.engine.pipelines.generate import generate_batch
from soundloom.engine.pipelines.sampling import denoise
from soundloom.protocol.errors import ErrorCode, SoundloomError

RATE = 44100


@pytest.fixture(scope="module")
def folder(discodiff_path):
    return discodiff_path


@pytest.fixture(scope="module")
def model(discodiff_path):
    return load_model(discodiff_path)


def test_generate_runs_both_stages_and_needs_no_torchaudio(model):
    seen = []
    result = generate(model, GenerateRequest(prompt="a punchy kick drum", seconds=0.5, steps=2, seed=5, variations=2),
                      on_step=lambda step, total: seen.append((step, total)))
    assert model.family == "discodiff" and result.sample_rate == RATE
    assert [a.shape for a in result.audio] == [(1, int(0.5 * RATE))] * 2
    assert all(np.isfinite(a).all() and np.abs(a).max() > 0 for a in result.audio)
    assert not np.allclose(result.audio[0], result.audio[1])
    assert seen == [(i, 4) for i in range(1, 5)]  # two steps of the coarse stage, then two of the fine
    # The family, its loader, codec and a whole generate ran without the broken torchaudio.
    assert "torchaudio" not in sys.modules


# ------------------------------------------------------------------ DiscoDiff's published loop, re-implemented


def _published_cosine_betas(steps: int, s: float = 0.008) -> torch.Tensor:
    x = torch.linspace(0, steps, steps + 1, dtype=torch.float64)
    alphas_cumprod = torch.cos(((x / steps) + s) / (1 + s) * math.pi * 0.5) ** 2
    alphas_cumprod = alphas_cumprod / alphas_cumprod[0]
    return torch.clip(1 - alphas_cumprod[1:] / alphas_cumprod[:-1], 0, 0.999)


def _published_sample(model, cond, uncond, scale, noise, gens, prediction="v_prediction"):
    """DiscoDiff's two-stage ancestral DDPM (primary loop, then secondary loop), its networks predicting
    v or, as its repository's configuration sets, the clean sample ("sample")."""
    steps = int(model.scheduler_config["num_train_timesteps"])
    betas = _published_cosine_betas(steps)
    ac = torch.cumprod(1 - betas, 0)
    ac_prev = torch.nn.functional.pad(ac[:-1], (1, 0), value=1.0)
    f32 = lambda v: v.to(torch.float32)  # noqa: E731 - the published buffers are float32
    sqrt_ac, sqrt_1m_ac = f32(ac.sqrt()), f32((1 - ac).sqrt())
    coef1, coef2 = f32(betas * ac_prev.sqrt() / (1 - ac)), f32((1 - ac_prev) * (1 - betas).sqrt() / (1 - ac))
    log_var = f32(torch.log((betas * (1 - ac_prev) / (1 - ac)).clamp(min=1e-20)))
    c = model.coarse_channels

    def guided(denoiser, x, t):
        both = {k: torch.cat([uncond[k], cond[k]]) for k in cond}
        null, text = model._run(denoiser, torch.cat([x, x]), torch.tensor(t), both).chunk(2)
        return null + scale * (text - null)

    def p_sample(x_stage, out, t):
        x_start = sqrt_ac[t] * x_stage - sqrt_1m_ac[t] * out if prediction == "v_prediction" else out
        mean = coef1[t] * x_start + coef2[t] * x_stage
        if t == 0:
            return mean
        fresh = torch.cat([torch.randn((1, *x_stage.shape[1:]), generator=g) for g in gens])
        return mean + (0.5 * log_var[t]).exp() * fresh

    pred = noise.clone()
    for t in reversed(range(steps)):
        pred[:, :c] = p_sample(pred[:, :c], guided(model.unet.coarse, pred[:, :c], t), t)
    for t in reversed(range(steps)):
        pred[:, c:] = p_sample(pred[:, c:], guided(model.unet.fine, pred, t), t)
    return pred


def _predicting(folder, tmp_path, prediction):
    """The tiny model with its scheduler config set to another prediction type."""
    copy = shutil.copytree(folder, tmp_path / prediction)
    config_file = copy / "scheduler" / "scheduler_config.json"
    config_file.write_text(json.dumps({**json.loads(config_file.read_text()), "prediction_type": prediction}))
    return load_model(copy)


@pytest.mark.parametrize("prediction", ["v_prediction", pytest.param("sample", marks=pytest.mark.slow)])
def test_two_stage_sampling_matches_discodiffs_published_loop(model, folder, tmp_path, prediction):
    if prediction != model.scheduler_config["prediction_type"]:
        model = _predicting(folder, tmp_path, prediction)
    frames, seeds, scale = 6, [3, 4], 3.0
    conditioning = model.encode_text(["soft rain on a window"], [""])
    scheduler = model.scheduler_config.build("DDPMScheduler", {})  # DiscoDiff's own ancestral sampler
    scheduler.set_timesteps(int(model.scheduler_config["num_train_timesteps"]))
    gens = common.generators(seeds[0], len(seeds), model.device)
    noise = common.noise(model, frames, gens)
    ours = denoise(model, scheduler, noise.clone(), scheduler.timesteps, conditioning, scale, gens, repeats=[2])
    reference_gens = common.generators(seeds[0], len(seeds), model.device)
    common.noise(model, frames, reference_gens)  # the same draws as the engine's starting noise
    cond = {k: v.repeat(2, 1, 1) for k, v in conditioning.cond.items()}
    uncond = {k: v.repeat(2, 1, 1) for k, v in conditioning.uncond.items()}
    reference = _published_sample(model, cond, uncond, scale, noise, reference_gens, prediction)
    assert ours.shape == (2, model.codec.channels, frames)
    torch.testing.assert_close(ours, reference, rtol=1e-4, atol=1e-4 * reference.abs().max().item())


def test_the_fine_stage_keeps_the_coarse_levels_and_reads_them(model):
    conditioning = model.encode_text(["bass guitar"], None)
    gens = common.generators(0, 1, model.device)
    noise = common.noise(model, 8, gens)
    scheduler = model.scheduler_config.build("DDIMScheduler", {})
    scheduler.set_timesteps(2)
    latents = denoise(model, scheduler, noise.clone(), scheduler.timesteps[:2], conditioning, 1.0, gens)
    c = model.coarse_channels
    assert torch.equal(latents[:, c:], noise[:, c:])  # the coarse stage leaves the fine levels alone
    fine_t = scheduler.timesteps[2:3]
    other = latents.clone()
    other[:, :c] += 1.0
    a = model.predict(latents, fine_t, conditioning.cond)
    b = model.predict(other, fine_t, conditioning.cond)
    assert torch.equal(a[:, :c], torch.zeros_like(a[:, :c]))  # the fine model writes only fine levels
    assert not torch.allclose(a[:, c:], b[:, c:])  # and they depend on the coarse ones


# ------------------------------------------------------------------ bad folders


def test_a_folder_without_its_fine_stage_is_incomplete_and_says_which(folder, tmp_path):
    broken = shutil.copytree(folder, tmp_path / "no-fine")
    shutil.rmtree(broken / "fine_transformer")
    with pytest.raises(SoundloomError) as caught:
        load_model(broken)
    assert caught.value.code == ErrorCode.MODEL_INCOMPLETE and "fine_transformer" in str(caught.value)


def test_a_codec_with_another_level_count_is_refused_naming_both(tmp_path):
    folder = build_untrained_discodiff(tmp_path / "four-levels", seed=1, codec_levels=4)
    with pytest.raises(SoundloomError) as caught:
        load_model(folder)
    message = str(caught.value)
    assert caught.value.code == ErrorCode.MODEL_INCOMPLETE and caught.value.field == "codec"
    assert "codec has 4 RVQ levels" in message and "built for 3 levels" in message


# ------------------------------------------------------------------ operations


def _tone(seconds, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.3 * np.sin(2 * np.pi * 220 * t) + 0.02 * rng.standard_normal(t.size)).astype(np.float32)[None]


@pytest.mark.slow
def test_batched_requests_equal_each_run_alone(model):
    requests = [
        GenerateRequest(prompt="a punchy kick drum", seconds=0.5, steps=3, seed=11, guidance=3.0, variations=2),
        GenerateRequest(prompt="thunder and heavy wind", seconds=0.5, steps=3, seed=40, guidance=3.0),
    ]
    together = generate_batch(model, requests)
    for request, result in zip(requests, together):
        alone = generate(model, GenerateRequest(**{**request.__dict__}))
        for a, b in zip(result.audio, alone.audio):
            np.testing.assert_allclose(a, b, atol=1e-4 * np.abs(b).max())


@pytest.mark.slow
def test_dpmpp_runs_both_stages(model):
    result = generate(model, GenerateRequest(prompt="piano", seconds=0.5, steps=3, seed=1, scheduler="dpmpp"))
    assert result.audio[0].shape == (1, int(0.5 * RATE)) and np.isfinite(result.audio[0]).all()


def test_transfer_zero_is_the_codec_round_trip_and_one_is_generation(model):
    clip = _tone(0.5)
    kept = transfer(model, TransferRequest(prompt="x", steps=4, seed=0, audio=clip, sample_rate=RATE, strength=0.0))
    frames = common.latent_frames(model, clip.shape[1])
    round_trip = common.decode_clips(model, common.encode_clip(model, clip, frames), clip.shape[1])[0]
    np.testing.assert_array_equal(kept.audio[0], round_trip)
    moved = transfer(model, TransferRequest(prompt="wind", steps=3, seed=9, audio=clip, sample_rate=RATE, strength=1.0))
    made = generate(model, GenerateRequest(prompt="wind", steps=3, seed=9, seconds=0.5, normalize="off"))
    np.testing.assert_allclose(moved.audio[0], made.audio[0], atol=1e-5 * np.abs(made.audio[0]).max())
    seen = []
    half = transfer(model, TransferRequest(prompt="wind", steps=4, seed=9, audio=clip, sample_rate=RATE, strength=0.5),
                    on_step=lambda step, total: seen.append(total))
    # The tail of the coarse stage, then the whole fine stage (DiscoDiff's audio editing).
    assert seen == [6] * 6 and half.audio[0].shape == clip.shape
    assert not np.allclose(half.audio[0], moved.audio[0], atol=1e-3)


def test_inpaint_keeps_every_sample_outside_the_regions(model):
    clip = _tone(0.6)
    regions = [(0.1, 0.2), (0.4, 0.5)]
    result = inpaint(model, InpaintRequest(prompt="a laser zap", steps=3, seed=3, audio=clip, sample_rate=RATE, regions=regions))
    out = result.audio[0]
    inside = np.zeros(clip.shape[1], dtype=bool)
    for start, end in regions:
        inside[round(start * RATE) : round(end * RATE)] = True
    assert out.shape == clip.shape
    assert np.array_equal(out[:, ~inside], clip[:, ~inside])
    assert np.abs(out[:, inside] - clip[:, inside]).mean() > 1e-3


@pytest.mark.slow
def test_extend_continues_the_clip(model):
    clip = _tone(0.3)
    result = extend(model, ExtendRequest(prompt="footsteps on gravel", steps=3, seed=2, audio=clip, sample_rate=RATE, seconds=0.5))
    out = result.audio[0]
    assert out.shape == (1, clip.shape[1] + int(0.5 * RATE))
    assert np.array_equal(out[:, : clip.shape[1]], clip) and np.abs(out[:, clip.shape[1] :]).max() > 0


def test_samplers_outside_the_family_are_refused_by_name(model):
    with pytest.raises(SoundloomError) as caught:
        generate(model, GenerateRequest(prompt="x", seconds=0.5, steps=2, seed=0, scheduler="euler"))
    assert caught.value.field == "scheduler" and "ddim, dpmpp" in str(caught.value)


@pytest.mark.slow
def test_the_family_runs_where_torchaudio_cannot_be_imported(folder):
    # A fresh interpreter in which torchaudio looks absent: a None entry in sys.modules makes its
    # import fail and `importlib.util.find_spec` report it missing, as on a machine without it.
    script = f"""
import sys
sys.modules["torchaudio"] = None
from soundloom.engine.models.loading import load_model
from soundloom.engine.pipelines import GenerateRequest, generate
model = load_model({str(folder)!r})
audio = generate(model, GenerateRequest(prompt="piano", seconds=0.5, steps=2, seed=0)).audio[0]
assert audio.shape == (1, 22050) and sys.modules["torchaudio"] is None
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("ok")
