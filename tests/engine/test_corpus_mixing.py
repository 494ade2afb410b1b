"""Tango-style pressure-level mixing: the stated relative level is the measured one."""

from __future__ import annotations

import numpy as np
import pytest
from soundloom.engine.training.corpus.measure import pressure_level_db, rms_dbfs
from soundloom.engine.training.corpus.mixing import mix_pair, tango_mix

SR = 16000


def noise(seconds: float, level: float, seed: int = 0) -> np.ndarray:
    return (level * np.random.default_rng(seed).standard_normal(int(seconds * SR))).astype(np.float32)


def tone(seconds: float, freq: float, level: float) -> np.ndarray:
    return (level * np.sin(2 * np.pi * freq * np.arange(int(seconds * SR)) / SR)).astype(np.float32)


@pytest.mark.parametrize("relative_db", [-12.0, -6.0, 0.0, 4.5])
def test_stated_relative_level_gives_that_rms_ratio(relative_db):
    a, b = tone(3.0, 440.0, 0.05), tone(3.0, 1250.0, 0.6)  # steady sounds, very different input levels
    mix = mix_pair(a, b, relative_db)
    part_a = a * 10 ** (mix.gain_a_db / 20)
    part_b = b * 10 ** (mix.gain_b_db / 20)
    assert rms_dbfs(part_b) - rms_dbfs(part_a) == pytest.approx(relative_db, abs=0.05)
    assert np.allclose(mix.audio, part_a + part_b, atol=1e-5)


def test_relative_level_holds_for_pressure_levels_of_any_material():
    a, b = noise(2.0, 0.3, 1), np.concatenate([tone(0.5, 300.0, 0.1), np.zeros(SR, dtype=np.float32)])
    mix = mix_pair(a, b, -6.0)
    level_a = pressure_level_db(a * 10 ** (mix.gain_a_db / 20))
    level_b = pressure_level_db(b * 10 ** (mix.gain_b_db / 20))
    assert level_b - level_a == pytest.approx(-6.0, abs=0.01)


def test_levels_are_pressure_levels_not_whole_clip_rms():
    # A 0.2 s burst followed by silence and a steady noise at the same frame level mix at 0 dB
    # as equals, although the burst's whole-clip RMS is 12 dB lower.
    burst = np.concatenate([noise(0.2, 0.1, 1), np.zeros(int(2.8 * SR), dtype=np.float32)])
    steady = noise(3.0, 0.1, 2)
    mix = mix_pair(burst, steady, 0.0)
    assert mix.gain_a_db == pytest.approx(mix.gain_b_db, abs=0.3)
    assert pressure_level_db(burst) - rms_dbfs(burst) > 10


def test_a_mix_that_would_clip_is_scaled_down_keeping_the_ratio():
    a, b = tone(2.0, 220.0, 0.99), tone(2.0, 330.0, 0.99)
    mix = mix_pair(a, b, -3.0)
    assert np.max(np.abs(mix.audio)) <= 10 ** (-1 / 20) + 1e-6
    assert mix.gain_b_db - mix.gain_a_db == pytest.approx(-3.0, abs=0.01)


def test_mix_is_as_long_as_the_longer_clip_and_captions_join():
    audio, caption, info = tango_mix(tone(1.0, 440, 0.3), noise(2.5, 0.1), "A snare hit", "Rain", np.random.default_rng(0))
    assert len(audio) == int(2.5 * SR)
    assert caption == "A snare hit and rain"
    assert -6.0 <= info.relative_db <= 6.0
