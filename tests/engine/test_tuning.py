"""Tuning generated notes to the pitch the prompt names."""

import numpy as np
import pytest

from soundloom.engine.models.loading import load_model
from soundloom.engine.models.untrained import build_untrained_starter
from soundloom.engine.pipelines import GenerateRequest, generate
from soundloom.engine.pipelines.tuning import shift_pitch, tune_to_prompt
from soundloom.engine.pitch import cents, estimate_f0
from soundloom.protocol.errors import SoundloomError

RATE = 16000
C4, C3 = 261.626, 130.813


def _note(f0: float, seconds: float = 2.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    tone = sum(0.3 / k * np.sin(2 * np.pi * f0 * k * t) for k in range(1, 6)) * np.exp(-1.5 * t)
    return tone[np.newaxis].astype(np.float32)


@pytest.mark.parametrize("played", [250.0, 270.0, 200.0, 340.0])
def test_a_detuned_note_lands_on_the_named_one(played):
    tuned, shift = tune_to_prompt(_note(played), RATE, "a piano playing C4")
    assert abs(shift - cents(C4, played)) < 5
    assert abs(cents(estimate_f0(tuned[0], RATE), C4)) < 5
    assert tuned.shape == (1, 2 * RATE)


def test_the_register_the_model_chose_is_kept():
    # An octave below the named key (an organ's 16' stop): right pitch class, nothing to move.
    tuned, shift = tune_to_prompt(_note(C3 * 2 ** (30 / 1200)), RATE, "an organ playing C4")
    assert abs(shift + 30) < 5
    assert abs(cents(estimate_f0(tuned[0], RATE), C3)) < 5


def test_unpitched_results_and_prompts_without_one_pitch_are_left_alone():
    noise = np.random.default_rng(0).standard_normal((1, RATE)).astype(np.float32) * 0.1
    audio, shift = tune_to_prompt(noise, RATE, "a C4 noise burst")
    assert shift is None and audio is noise
    assert tune_to_prompt(_note(250.0), RATE, "soft rain on a window") is None
    assert tune_to_prompt(_note(250.0), RATE, "a sweep from 200 Hz to 2 kHz") is None


@pytest.mark.parametrize("shift", [-500.0, 500.0])
def test_shifting_keeps_the_length_and_ends_cleanly(shift):
    audio = _note(300.0, 1.0)
    shifted = shift_pitch(audio, RATE, shift)
    assert shifted.shape == audio.shape and shifted.dtype == np.float32
    assert abs(cents(estimate_f0(shifted[0], RATE), 300.0) - shift) < 5
    assert abs(shifted[0, -1]) < 1e-3  # cut with a fade, or padded with silence


@pytest.fixture(scope="module")
def starter(tmp_path_factory):
    return load_model(build_untrained_starter(tmp_path_factory.mktemp("starter") / "tiny-starter"))


def test_generate_reports_tuning_in_the_metadata(starter):
    base = dict(seconds=1.0, steps=2, seed=0)
    named = generate(starter, GenerateRequest(prompt="a cello playing C3", **base))
    assert "tuned_cents" in named.metadata[0] and named.metadata[0]["tune"] is True
    assert "tuned_cents" not in generate(starter, GenerateRequest(prompt="rain", **base)).metadata[0]
    untuned = generate(starter, GenerateRequest(prompt="a cello playing C3", tune=False, **base))
    assert "tuned_cents" not in untuned.metadata[0] and untuned.metadata[0]["tune"] is False


def test_tune_must_be_true_or_false(starter):
    with pytest.raises(SoundloomError) as caught:
        generate(starter, GenerateRequest(prompt="a cello playing C3", seconds=1.0, steps=1, tune="yes"))
    assert caught.value.field == "tune"
