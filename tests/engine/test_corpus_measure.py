"""Measurements used for ground truth and evaluation: loudness, onsets, pitch."""

from __future__ import annotations

import numpy as np
import pytest
from soundloom.engine.pitch import cents, estimate_f0
from soundloom.engine.training.corpus.measure import detect_onsets, loudness_lufs, peak_dbfs, rms_dbfs

SR = 16000
T = np.arange(3 * SR) / SR


def test_levels_of_a_full_scale_and_a_quieter_sine():
    x = np.sin(2 * np.pi * 1000 * T)
    assert rms_dbfs(x) == pytest.approx(-3.01, abs=0.01)
    assert peak_dbfs(0.5 * x) == pytest.approx(-6.02, abs=0.01)
    # BS.1770: a 0 dBFS 1 kHz sine reads -3.01 LUFS (K-weighting is ~0 dB at 1 kHz).
    assert loudness_lufs(x) == pytest.approx(-3.01, abs=0.1)
    assert loudness_lufs(0.5 * x) - loudness_lufs(x) == pytest.approx(-6.02, abs=0.05)


def test_k_weighting_favours_presence_over_bass():
    low, high = np.sin(2 * np.pi * 50 * T), np.sin(2 * np.pi * 4000 * T)
    assert loudness_lufs(high) - loudness_lufs(low) > 3.0


def test_onsets_of_clicks_are_found_to_the_millisecond():
    x = np.zeros(2 * SR)
    truth = [0.0, 0.25, 0.6, 1.1, 1.5]
    rng = np.random.default_rng(0)
    for t in truth:
        i = int(t * SR)
        x[i : i + 800] += rng.standard_normal(800) * np.exp(-np.arange(800) / 120)
    found = detect_onsets(x)
    assert len(found) == len(truth)
    assert np.max(np.abs(np.array(found) - truth)) < 0.002


@pytest.mark.parametrize("freq", [41.2, 110.0, 440.0, 1760.0])
def test_pitch_of_a_harmonic_tone(freq):
    x = sum(np.sin(2 * np.pi * k * freq * T[:SR]) / k for k in range(1, 6) if k * freq < 7000)
    assert abs(cents(estimate_f0(x, fmin_hz=30, fmax_hz=2500), freq)) < 1.0


def test_noise_has_no_pitch():
    assert estimate_f0(np.random.default_rng(0).standard_normal(SR)) is None
