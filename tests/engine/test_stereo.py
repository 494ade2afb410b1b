"""Channel layouts between clips and models: what a mono model does with a stereo clip."""

import numpy as np

from soundloom.engine.audio import to_clip_channels, to_model_channels
from soundloom.engine.pipelines import TransferRequest, transfer


def test_a_stereo_clip_on_a_mono_model_comes_back_as_mono_on_both_channels_with_a_warning(tiny_model):
    rate = 44100
    t = np.arange(int(1.0 * rate)) / rate
    clip = np.stack([np.sin(2 * np.pi * 220 * t), np.sin(2 * np.pi * 330 * t)]).astype(np.float32) * 0.3
    result = transfer(tiny_model, TransferRequest(prompt="wind", steps=2, seed=0, audio=clip, sample_rate=rate, strength=0.5))
    out = result.audio[0]
    assert out.shape == clip.shape
    assert np.array_equal(out[0], out[1]) and np.abs(out).max() > 0
    assert any("mono" in w and "2 channels" in w for w in result.warnings)


def test_channel_layouts_between_clip_and_model():
    stereo = np.stack([np.full(4, 1.0), np.full(4, 3.0)]).astype(np.float32)
    assert to_model_channels(stereo, 2) is stereo  # a stereo model reads each channel
    assert np.array_equal(to_model_channels(stereo, 1), np.full((1, 4), 2.0, np.float32))
    assert np.array_equal(to_model_channels(stereo[:1], 2), np.ones((2, 4), np.float32))
    kept, note = to_clip_channels(stereo, 2)
    assert kept is stereo and note is None
    mixed, note = to_clip_channels(stereo, 1)  # a stereo model's output into a mono clip: the mix
    assert np.array_equal(mixed, np.full((1, 4), 2.0, np.float32)) and note is None
    copied, note = to_clip_channels(stereo[:1], 2)
    assert np.array_equal(copied, np.ones((2, 4), np.float32)) and "mono" in note
