""""More like this": audio features rank the library, aspect weights change the ranking, a region of
a file can be the query."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from soundloom.library import LibraryError
from soundloom.library.features import ASPECTS, SIZE, compute

from .conftest import noise, tone


@pytest.fixture
def index(open_index, tmp_path):
    root = tmp_path / "lib"
    tone(root / "sine_440_short.wav", 440, seconds=0.5)
    tone(root / "sine_445_short.wav", 445, seconds=0.5)
    tone(root / "sine_440_long.wav", 440, seconds=4.0)
    tone(root / "sine_110_short.wav", 110, seconds=0.5)
    noise(root / "noise_short.wav", seconds=0.5)
    noise(root / "noise_long.wav", seconds=4.0, seed=1)
    index = open_index()
    index.add_root(root)
    index.scan()
    index.root = root
    return index


def names(records):
    return [r.name for r in records]


def test_the_closest_sound_comes_first_and_the_query_is_left_out(index):
    results = index.similar(index.root / "sine_440_short.wav")
    assert names(results)[0] == "sine_445_short.wav"
    assert "sine_440_short.wav" not in names(results)
    assert all(0 < r.score <= 1 for r in results)
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)
    assert names(index.similar(index.root / "noise_short.wav"))[0] == "noise_long.wav"


def test_weights_choose_what_counts(index):
    query = index.root / "sine_440_short.wav"
    by_duration = names(index.similar(query, weights={"duration": 1}))
    assert set(by_duration[:3]) == {"sine_445_short.wav", "sine_110_short.wav", "noise_short.wav"}
    by_pitch = names(index.similar(query, weights={"pitch": 1}))
    assert set(by_pitch[:2]) == {"sine_445_short.wav", "sine_440_long.wav"}
    for bad in ({"colour": 1}, {"pitch": -1}, {"pitch": 0}):
        with pytest.raises(LibraryError) as info:
            index.similar(query, weights=bad)
        assert info.value.field == "weights"


def test_a_region_of_a_file_is_the_query(index, tmp_path):
    mixed = tmp_path / "outside" / "noise_then_tone.wav"
    mixed.parent.mkdir()
    rate = 16000
    t = np.arange(rate * 2) / rate
    signal = np.concatenate([np.random.default_rng(3).normal(0, 0.2, rate * 2), 0.3 * np.sin(2 * np.pi * 110 * t)])
    sf.write(mixed, signal.astype(np.float32), rate)
    assert names(index.similar(mixed, region=(2.2, 2.7), weights={"timbre": 1, "pitch": 1}))[0] == "sine_110_short.wav"
    assert names(index.similar(mixed, region=(0.1, 0.6), weights={"timbre": 1, "pitch": 1}))[0].startswith("noise")
    for region in ((3.0, 2.0), (5.0, 6.0), (-1.0, 0.5)):
        with pytest.raises(LibraryError) as info:
            index.similar(mixed, region=region)
        assert info.value.field == "region"


def test_features_are_finite_for_any_audio():
    rate = 8000
    cases = [np.zeros(10), np.zeros(rate), np.full(rate, 1.0), np.random.default_rng(0).normal(0, 1, rate),
             np.zeros((rate, 6))]
    for samples in cases:
        vector = compute(samples.astype(np.float32), rate).vector
        assert vector.shape == (SIZE,) and np.isfinite(vector).all()
    assert max(part.stop for part in ASPECTS.values()) == SIZE


def test_pitch_estimates_follow_the_note():
    rate = 44100
    t = np.arange(rate) / rate
    for hz in (82.4, 261.6, 880.0):
        features = compute((0.3 * np.sin(2 * np.pi * hz * t) + 0.1 * np.sin(4 * np.pi * hz * t)).astype(np.float32), rate)
        assert features.pitch_hz == pytest.approx(hz, rel=0.01) and features.pitch_confidence > 0.9
    assert compute(np.random.default_rng(0).normal(0, 0.3, rate).astype(np.float32), rate).pitch_confidence < 0.5
