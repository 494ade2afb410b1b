"""espeak-ng speech: word timing of counted speech, voices, and the missing-package message."""

from __future__ import annotations

import numpy as np
import pytest
from soundloom.engine.training.corpus import MissingDependency, speech
from soundloom.engine.training.corpus.captions import captions
from soundloom.engine.training.corpus.clip import rng_for

SR = 16000


def render(params):
    try:
        return speech.render(params)
    except MissingDependency as err:
        pytest.fail(str(err))


def voiced_segments(x: np.ndarray, min_gap_s: float = 0.1) -> list[tuple[float, float]]:
    """(start, end) in seconds of stretches louder than -35 dB re peak, joined across gaps
    shorter than `min_gap_s` (the pauses inside a word)."""
    frame = int(0.01 * SR)
    env = np.sqrt(np.convolve(x.astype(np.float64) ** 2, np.ones(frame) / frame, mode="same"))
    on = env > np.max(env) * 10 ** (-35 / 20)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], on.astype(int), [0]])))
    segments = [(a / SR, b / SR) for a, b in zip(edges[::2], edges[1::2])]
    merged: list[tuple[float, float]] = []
    for a, b in segments:
        if merged and a - merged[-1][1] < min_gap_s:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def test_a_woman_counting_to_five_says_five_words_at_the_stated_onsets():
    params = {
        "language": "en-us",
        "variant": "f3",
        "speed_wpm": 160,
        "pitch": 50,
        "kind": "counting",
        "words": ["one", "two", "three", "four", "five"],
        "gap_s": 0.35,
    }
    out = render(params)
    assert len(out.onsets_s) == 5
    segments = voiced_segments(out.audio)
    assert len(segments) == 5
    for (start, _), onset in zip(segments, out.onsets_s):
        assert abs(start - onset) < 0.03
    words = captions(
        "speech", {"speaker": "woman", "kind": "counting", "count": 5, "text": "one two three four five"}, rng_for(0, "c"), 6
    )
    assert "a woman counting to five" in words


def test_a_slow_count_to_ten_fits_in_ten_seconds_with_every_word():
    params = {
        "language": "en",
        "variant": "m3",
        "speed_wpm": 110,
        "pitch": 40,
        "kind": "counting",
        "words": ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"],
        "gap_s": 0.45,
    }
    out = render(params)
    assert len(out.onsets_s) == 10 and len(out.audio) <= 10 * SR


def test_male_and_female_variants_differ_in_pitch():
    from soundloom.engine.pitch import estimate_f0

    man = render({"language": "en-us", "variant": "m3", "speed_wpm": 150, "pitch": 50, "words": ["hello"]}).audio
    woman = render({"language": "en-us", "variant": "f3", "speed_wpm": 150, "pitch": 50, "words": ["hello"]}).audio
    assert estimate_f0(woman, fmin_hz=60, fmax_hz=500, threshold=0.3) > 1.3 * estimate_f0(
        man, fmin_hz=60, fmax_hz=500, threshold=0.3
    )


def test_number_words():
    assert [speech.number_words(n) for n in (0, 7, 42, 100, 305, 999)] == [
        "zero",
        "seven",
        "forty-two",
        "one hundred",
        "three hundred and five",
        "nine hundred and ninety-nine",
    ]


def test_missing_espeak_names_the_debian_package(monkeypatch):
    monkeypatch.setattr(speech.shutil, "which", lambda name: None)
    with pytest.raises(MissingDependency, match="espeak-ng"):
        speech.check_available()
