"""Generated clips are delivered at a level a sound designer can use as it is."""

import numpy as np
import pyloudnorm
import pytest

from soundloom.engine.pipelines.generate import generate
from soundloom.engine.pipelines.level import (
    LOUDNESS_TARGET_LUFS, MAX_CONTEXT_CORRECTION_DB, MAX_GAIN_DB, match_context, normalize,
)
from soundloom.engine.pipelines.requests import GenerateRequest
from soundloom.protocol.errors import SoundloomError

RATE = 16000


def _tone(amplitude: float, seconds: float = 2.0, channels: int = 1) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return np.repeat((amplitude * np.sin(2 * np.pi * 220 * t))[None], channels, axis=0).astype(np.float32)


@pytest.mark.parametrize("amplitude", [7.3, 0.02])
def test_peak_puts_the_highest_sample_at_minus_one_dbfs(amplitude):
    out, gain_db = normalize(_tone(amplitude), RATE, "peak")
    assert np.max(np.abs(out)) == pytest.approx(10 ** (-1 / 20), rel=1e-4)
    assert gain_db == pytest.approx(-1 - 20 * np.log10(amplitude), abs=0.01)
    assert out.dtype == np.float32


def test_loudness_reaches_the_target_unless_the_peak_would_pass_the_ceiling():
    quiet = _tone(0.01, channels=2)
    out, _ = normalize(quiet, RATE, "loudness")
    assert pyloudnorm.Meter(RATE).integrated_loudness(out.T.astype(np.float64)) == pytest.approx(LOUDNESS_TARGET_LUFS, abs=0.1)
    # A 5 ms click in 2 s: -23 LUFS would take its peak far over full scale, so the ceiling wins.
    click = np.zeros((1, 2 * RATE), np.float32)
    click[0, 100:180] = 0.05
    out, _ = normalize(click, RATE, "loudness")
    assert np.max(np.abs(out)) == pytest.approx(10 ** (-1 / 20), rel=1e-4)


def test_off_silence_and_near_silence_are_not_blown_up():
    loud = _tone(3.0)
    assert normalize(loud, RATE, "off") == (loud, 0.0)
    silence = np.zeros((1, RATE), np.float32)
    assert normalize(silence, RATE, "peak")[1] == 0.0
    _, gain_db = normalize(_tone(1e-4), RATE, "peak")
    assert gain_db == MAX_GAIN_DB


def test_generate_delivers_each_variation_at_the_requested_level(tiny_model):
    base = dict(prompt="rain", steps=2, seed=3, seconds=1.0, variations=2)
    raw = generate(tiny_model, GenerateRequest(**base, normalize="off"))
    peak = generate(tiny_model, GenerateRequest(**base))
    for r, p, meta in zip(raw.audio, peak.audio, peak.metadata):
        assert np.max(np.abs(p)) == pytest.approx(10 ** (-1 / 20), rel=1e-4)
        # One gain for the whole clip: the shape is the model's.
        np.testing.assert_allclose(p, r * 10 ** (meta["gain_db"] / 20), rtol=1e-3, atol=1e-6)
        assert meta["normalize"] == "peak"
    assert raw.metadata[0]["gain_db"] == 0.0


def test_an_unknown_level_names_the_field_and_the_choices(tiny_model):
    with pytest.raises(SoundloomError) as caught:
        GenerateRequest(prompt="rain", normalize="max").validate()
    assert caught.value.field == "normalize" and "peak, loudness, off" in str(caught.value)


def _context_mask(length: int, start: int, end: int) -> np.ndarray:
    kept = np.ones(length, dtype=bool)
    kept[start:end] = False
    return kept


def test_the_new_part_takes_the_gain_that_brings_the_rendered_context_to_the_clips_level():
    clip = _tone(0.5)
    kept = _context_mask(clip.shape[1], RATE // 2, RATE)
    # Two variations: the model renders the context 6 dB low in one and 4 dB high in the other.
    generated = np.stack([clip * 10 ** (-6 / 20), clip * 10 ** (4 / 20)])
    generated[:, :, ~kept] = 0.1  # the new part
    matched = match_context(generated, clip, kept)
    for row, expected_gain_db in zip(matched, (6.0, -4.0)):
        np.testing.assert_allclose(row[:, kept], clip[:, kept], rtol=1e-4)
        np.testing.assert_allclose(row[:, ~kept], 0.1 * 10 ** (expected_gain_db / 20), rtol=1e-4)


def test_a_silent_or_very_different_context_sets_no_or_a_bounded_gain():
    clip = _tone(0.5)
    kept = _context_mask(clip.shape[1], RATE // 2, RATE)
    silent = np.zeros_like(clip)
    generated = np.stack([clip])
    np.testing.assert_array_equal(match_context(generated, silent, kept), generated)
    far_too_quiet = np.stack([clip * 10 ** (-30 / 20)])
    matched = match_context(far_too_quiet, clip, kept)
    np.testing.assert_allclose(matched, far_too_quiet * 10 ** (MAX_CONTEXT_CORRECTION_DB / 20), rtol=1e-4)
    assert match_context(generated, clip, np.zeros(clip.shape[1], bool)) is generated
