"""The waveform splice: untouched outside, equal-power inside the edges."""

import numpy as np

from soundloom.engine.audio import splice, to_model_input


def test_splice_is_equal_power_at_the_edges_and_exact_elsewhere():
    original = np.ones((2, 1000), dtype=np.float32)
    generated = np.full((2, 1000), 2.0, dtype=np.float32)
    out = splice(original, generated, [(200, 600)], fade=50)
    assert np.array_equal(out[:, :200], original[:, :200]) and np.array_equal(out[:, 600:], original[:, 600:])
    assert np.array_equal(out[:, 250:550], generated[:, 250:550])
    # original·cos + generated·sin with cos² + sin² = 1: uncorrelated signals keep their power.
    theta = (np.arange(50) + 0.5) / 50 * np.pi / 2
    np.testing.assert_allclose(out[0, 200:250], np.cos(theta) + 2 * np.sin(theta), rtol=1e-6)
    np.testing.assert_allclose(out[0, 550:600], np.sin(theta) + 2 * np.cos(theta), rtol=1e-6)


def test_a_region_at_the_clip_start_has_no_fade_in():
    original = np.zeros((1, 100), dtype=np.float32)
    generated = np.ones((1, 100), dtype=np.float32)
    out = splice(original, generated, [(0, 40)], fade=10)
    assert out[0, 0] == 1.0 and out[0, 39] < 1.0 and out[0, 40] == 0.0


def test_model_input_is_a_mono_mix_at_the_model_rate():
    t = np.arange(48000) / 48000
    stereo = np.stack([np.sin(2 * np.pi * 440 * t), -np.sin(2 * np.pi * 440 * t) + 0.5]).astype(np.float32)
    mono = to_model_input(stereo, 48000, 16000)
    assert mono.shape == (16000,)
    np.testing.assert_allclose(mono[1000:15000], 0.25, atol=1e-3)
