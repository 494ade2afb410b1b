"""The starter family: packaged sentence encoder, cross-attention UNet, Griffin-Lim vocoder."""

import numpy as np
import pytest
import torch

from soundloom.engine.models.griffin_lim import INVERSION_ITERATIONS, GriffinLim
from soundloom.engine.models.loading import load_model
from soundloom.engine.models.mel import MelConfig, MelFrontEnd
from soundloom.engine.models.untrained import build_untrained_starter
from soundloom.engine.pipelines import GenerateRequest, InpaintRequest, generate, inpaint
from soundloom.engine.pitch import cents, estimate_f0


@pytest.fixture(scope="module")
def starter(tmp_path_factory):
    return load_model(build_untrained_starter(tmp_path_factory.mktemp("starter") / "tiny-starter"))


def test_the_folder_holds_no_text_encoder_weights_yet_loads_one(starter):
    assert starter.family == "starter"
    assert not (starter.path / "text_encoder").exists()
    states, mask, _ = starter.token_states(["a punchy kick drum"])
    assert states.shape[-1] == 384 and mask.sum() > 2


def test_prompts_steer_the_cross_attention(starter):
    base = dict(seconds=1.0, steps=3, seed=0, guidance=1.0)
    a = generate(starter, GenerateRequest(prompt="a punchy kick drum", **base)).audio[0]
    b = generate(starter, GenerateRequest(prompt="soft rain on a window", **base)).audio[0]
    assert a.shape == (1, 16000) and not np.allclose(a, b)


def test_inpaint_works_on_the_starter_family(starter):
    clip = (0.1 * np.random.default_rng(0).standard_normal((1, 16000))).astype(np.float32)
    out = inpaint(starter, InpaintRequest(prompt="x", audio=clip, sample_rate=16000, regions=[(0.25, 0.5)], steps=2, seed=0))
    assert np.array_equal(out.audio[0][:, :4000], clip[:, :4000])
    assert np.array_equal(out.audio[0][:, 8000:], clip[:, 8000:])


def test_griffin_lim_reproduces_the_mel_of_a_real_signal():
    config = MelConfig()
    front = MelFrontEnd(config)
    t = torch.arange(32000) / 16000
    signal = (0.3 * torch.sin(2 * torch.pi * 440 * t) + 0.05 * torch.randn(32000))[None]
    mel = front(signal)
    rebuilt = GriffinLim(config, iterations=32)(mel)
    assert rebuilt.shape == signal.shape
    error = (front(rebuilt) - mel).abs().mean().item()
    noise_floor = (front(0.3 * torch.randn(1, 32000)) - mel).abs().mean().item()
    assert error < 0.4 and error < noise_floor / 3


@pytest.mark.parametrize("f0", [164.81, 233.08, 466.16])  # E3, A#3, A#4: mel bands wider than a semitone
def test_griffin_lim_with_sinusoid_atoms_keeps_a_notes_pitch(f0):
    config = MelConfig()
    front = MelFrontEnd(config)
    t = torch.arange(32000) / 16000
    tone = sum(0.3 / k * torch.sin(2 * torch.pi * f0 * k * t) for k in range(1, 8))[None]
    mel = front(tone)
    errors = {}
    for iterations in (0, INVERSION_ITERATIONS):
        rebuilt = GriffinLim(config, iterations=32, inversion_iterations=iterations)(mel)
        errors[iterations] = (front(rebuilt) - mel).abs().mean().item()
    assert abs(cents(estimate_f0(rebuilt[0].numpy(), 16000), f0)) < 20
    assert errors[INVERSION_ITERATIONS] < 0.4 * errors[0]