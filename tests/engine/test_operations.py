"""Inpaint, transfer and extend on a tiny model: what must stay, what must change."""

import numpy as np
import pytest

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
from soundloom.protocol.errors import SoundloomError


def _clip(channels=2, seconds=3.0, rate=44100, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    tone = 0.3 * np.sin(2 * np.pi * 220 * t)
    return (tone + 0.05 * rng.standard_normal((channels, t.size))).astype(np.float32)


@pytest.mark.parametrize("scheduler", ["ddim", "dpmpp", "euler"])
def test_inpaint_keeps_every_sample_outside_the_regions(tiny_model, scheduler):
    rate = 44100
    clip = _clip(rate=rate)
    regions = [(0.5, 1.25), (2.0, 2.6)]
    result = inpaint(
        tiny_model,
        InpaintRequest(prompt="a laser zap", steps=5, seed=3, audio=clip, sample_rate=rate, regions=regions, scheduler=scheduler),
    )
    out = result.audio[0]
    assert out.shape == clip.shape and result.sample_rate == rate
    inside = np.zeros(clip.shape[1], dtype=bool)
    for start, end in regions:
        inside[round(start * rate) : round(end * rate)] = True
    assert np.array_equal(out[:, ~inside], clip[:, ~inside])  # bit-identical
    assert np.abs(out[:, inside] - clip[:, inside]).mean() > 0.01  # the regions were regenerated


def test_inpaint_region_edges_crossfade_from_the_original(tiny_model):
    rate = 16000
    clip = _clip(channels=1, rate=rate, seconds=2.0)
    start = 16000  # the region starts at 1.0 s
    out = inpaint(tiny_model, InpaintRequest(prompt="x", steps=3, seed=1, audio=clip, sample_rate=rate, regions=[(1.0, 1.5)])).audio[0]
    # The first sample inside the region is still almost all original; 20 ms in, it is all generated.
    first = out[0, start] - clip[0, start]
    assert abs(first) < 0.05 * np.abs(clip).max() + 1e-6
    fade = int(0.02 * rate)
    assert not np.allclose(out[0, start + fade : start + 2 * fade], clip[0, start + fade : start + 2 * fade])


def test_transfer_strength_zero_is_the_vae_round_trip(tiny_model):
    rate = tiny_model.sample_rate
    clip = _clip(channels=1, rate=rate, seconds=1.5)
    out = transfer(tiny_model, TransferRequest(prompt="x", steps=10, seed=0, audio=clip, sample_rate=rate, strength=0.0)).audio[0]
    frames = common.latent_frames(tiny_model, clip.shape[1])
    round_trip = common.decode(tiny_model, common.encode_mono(tiny_model, clip[0], frames), clip.shape[1])
    np.testing.assert_allclose(out, round_trip, atol=1e-6 * np.abs(round_trip).max())


def test_transfer_strength_one_is_plain_generation(tiny_model):
    rate = tiny_model.sample_rate
    clip = _clip(channels=1, rate=rate, seconds=1.0)
    moved = transfer(tiny_model, TransferRequest(prompt="wind", steps=6, seed=9, audio=clip, sample_rate=rate, strength=1.0))
    made = generate(tiny_model, GenerateRequest(prompt="wind", steps=6, seed=9, seconds=1.0, normalize="off"))
    np.testing.assert_allclose(moved.audio[0], made.audio[0], atol=1e-6)


@pytest.mark.parametrize("scheduler", ["ddim", "dpmpp", "euler"])
def test_transfer_runs_the_last_part_of_the_schedule(tiny_model, scheduler):
    rate = tiny_model.sample_rate
    clip = _clip(channels=1, rate=rate, seconds=1.0)
    steps_seen = []
    request = TransferRequest(prompt="x", steps=10, seed=0, audio=clip, sample_rate=rate, strength=0.3, scheduler=scheduler)
    out = transfer(tiny_model, request, on_step=lambda step, total: steps_seen.append(total))
    assert steps_seen == [3, 3, 3]
    assert np.all(np.isfinite(out.audio[0])) and out.audio[0].shape == (1, rate)


def test_extend_keeps_the_original_and_appends(tiny_model):
    rate = 22050
    clip = _clip(channels=2, rate=rate, seconds=1.0)
    out = extend(tiny_model, ExtendRequest(prompt="surf", steps=4, seed=2, audio=clip, sample_rate=rate, seconds=1.5)).audio[0]
    assert out.shape == (2, clip.shape[1] + int(1.5 * rate))
    assert np.array_equal(out[:, : clip.shape[1]], clip)
    assert np.abs(out[:, clip.shape[1] :]).max() > 0.01


# The longest clip a request may ask for takes most of a minute even on the tiny model: a slow test.
@pytest.mark.parametrize("seconds", [0.5, 7.3, pytest.param(60.0, marks=pytest.mark.slow)])
def test_any_duration_gives_exactly_that_many_samples(tiny_model, seconds):
    result = generate(tiny_model, GenerateRequest(prompt="drone", steps=1, seed=0, seconds=seconds, guidance=1.0))
    assert result.audio[0].shape == (1, int(seconds * tiny_model.sample_rate))
    assert np.all(np.isfinite(result.audio[0]))


def test_progress_reports_every_step_and_a_raise_stops_the_run(tiny_model):
    seen = []

    class Stop(Exception):
        pass

    def on_step(step, total):
        seen.append((step, total))
        if step == 3:
            raise Stop

    with pytest.raises(Stop):
        generate(tiny_model, GenerateRequest(prompt="x", steps=20, seed=0, seconds=1.0), on_step=on_step)
    assert seen == [(1, 20), (2, 20), (3, 20)]


def test_a_prompt_longer_than_the_encoder_reads_is_truncated_with_a_warning(tiny_model):
    result = generate(tiny_model, GenerateRequest(prompt="rain " * 399, steps=1, seed=0, seconds=0.5))
    assert any("prompt" in w and "tokens" in w for w in result.warnings)


def test_nan_samples_are_rejected(tiny_model):
    clip = _clip(channels=1, rate=16000, seconds=1.0)
    clip[0, 100] = np.nan
    with pytest.raises(SoundloomError) as err:
        transfer(tiny_model, TransferRequest(prompt="x", audio=clip, sample_rate=16000))
    assert err.value.field == "audio" and err.value.code.value == "invalid_audio"


def test_transfer_keeps_the_clips_rate_channels_and_length(tiny_model):
    clip = _clip(channels=2, rate=48000, seconds=1.2)
    out = transfer(tiny_model, TransferRequest(prompt="x", steps=4, seed=0, audio=clip, sample_rate=48000, strength=0.5))
    assert out.sample_rate == 48000 and out.audio[0].shape == clip.shape
    assert np.array_equal(out.audio[0][0], out.audio[0][1])  # the mono result on every channel
