"""Fine-tuning Stable Audio's transformer: the training objective matches its sampler, and a LoRA
adapter on the transformer's attention learns and switches like a UNet's."""

import math

import numpy as np
import pytest
import torch

from soundloom.engine.models.loading import load_model
from soundloom.engine.models.stable_audio_training import v_diffusion_loss
from soundloom.engine.pipelines import GenerateRequest, generate
from soundloom.engine.training import lora


@pytest.fixture(scope="module")
def model(stable_audio_path):
    return load_model(stable_audio_path)


def test_the_objective_is_the_samplers_parametrisation():
    # The sampler feeds the network c_in·(x0 + σ·n) at timestep precondition_noise(σ); the
    # objective's noisy input cos·x0 + sin·n at t must be exactly that.
    from diffusers import CosineDPMSolverMultistepScheduler

    scheduler = CosineDPMSolverMultistepScheduler(sigma_data=1.0)  # Stable Audio Open's σ_data
    x0, n = torch.randn(1, 8, 5), torch.randn(1, 8, 5)
    for sigma in (0.3, 1.0, 40.0):
        t = scheduler.precondition_noise(torch.tensor(sigma))
        fed = scheduler.precondition_inputs(x0 + sigma * n, torch.tensor(sigma))
        alpha, s = math.cos(t * math.pi / 2), math.sin(t * math.pi / 2)
        torch.testing.assert_close(fed, alpha * x0 + s * n, rtol=1e-5, atol=1e-5)


@pytest.mark.slow
def test_a_lora_adapter_on_the_transformer_attention_learns_and_switches(model):
    rng = torch.Generator().manual_seed(0)
    clip = torch.randn((4, 2, 48 * model.samples_per_latent_frame), generator=rng) * 0.1
    latents = model.waveform_to_latents(clip)
    cond = model.condition(["soft rain on a window"] * 4, None, 0.5).cond

    def held_out_loss() -> float:
        with torch.no_grad():
            return float(v_diffusion_loss(model, latents, cond, torch.Generator().manual_seed(123)))

    base_audio = generate(model, GenerateRequest(prompt="soft rain on a window", seconds=0.5, steps=3, seed=4)).audio[0]
    before = held_out_loss()
    params = lora.attach(model.unet, lora.lora_config(4), "rain")
    names = [n for n, p in model.unet.named_parameters() if p.requires_grad]
    assert names and all("attn" in n and "lora_" in n for n in names)  # attention projections only
    optimizer = torch.optim.AdamW(params, lr=3e-3)
    generator = torch.Generator().manual_seed(1)
    with torch.enable_grad():
        for _ in range(40):
            loss = v_diffusion_loss(model, latents, cond, generator)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    for p in params:
        p.requires_grad_(False)
    assert held_out_loss() < 0.9 * before

    adapted = generate(model, GenerateRequest(prompt="soft rain on a window", seconds=0.5, steps=3, seed=4)).audio[0]
    lora.select(model.unet, None)
    plain = generate(model, GenerateRequest(prompt="soft rain on a window", seconds=0.5, steps=3, seed=4)).audio[0]
    assert np.array_equal(plain, base_audio) and not np.allclose(adapted, base_audio, atol=1e-4)
