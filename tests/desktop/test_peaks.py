"""Peak pyramids: exact min/max per pixel column at every zoom, built in slabs, cached by content."""

from __future__ import annotations

import os
import shutil
import time

import numpy as np
import pytest
import soundfile as sf

from soundloom.desktop.peaks import MAX_FINEST, Cancelled, PeakCache, PeakError, base_for, build
from sounds import write_tone


def brute_columns(samples: np.ndarray, rate: int, start: float, end: float, width: int):
    """min/max over the frames each column covers, computed straight from the samples."""
    edges = start * rate + np.arange(width + 1) * (end - start) * rate / width
    mins, maxs = [], []
    for lo, hi in zip(edges[:-1], edges[1:]):
        part = samples[max(int(np.floor(lo)), 0) : max(int(np.ceil(hi)), 0)]
        mins.append(part.min() if len(part) else np.nan)
        maxs.append(part.max() if len(part) else np.nan)
    return np.array(mins), np.array(maxs)


@pytest.fixture
def chirp(tmp_path):
    rate = 48000
    t = np.arange(rate * 5) / rate
    x = (0.8 * np.sin(2 * np.pi * (50 * t + 40 * t**2)) * np.exp(-t / 2)).astype(np.float32)
    path = tmp_path / "chirp.wav"
    sf.write(path, np.stack([x, -0.5 * x], axis=1), rate, subtype="FLOAT")
    return path, np.concatenate([x, -0.5 * x]).reshape(2, -1).T, rate


@pytest.mark.parametrize("start, end, width", [(0, 5, 800), (1.0, 1.5, 640), (2.0, 2.01, 300), (4.5, 5.5, 400)])
def test_columns_hold_every_sample_of_their_span(chirp, start, end, width):
    path, samples, rate = chirp
    pyramid = build(path)
    mins, maxs = pyramid.columns(start, end, width)
    true_min, true_max = brute_columns(samples.min(axis=1), rate, start, end, width)[0], \
        brute_columns(samples.max(axis=1), rate, start, end, width)[1]
    inside = ~np.isnan(true_min)
    assert np.array_equal(np.isnan(mins), ~inside)  # no audio past the end: nothing drawn there
    # A column drawn from blocks may take in part of a block beyond its span, never leave a sample out.
    assert np.all(mins[inside] <= true_min[inside] + 1e-3)
    assert np.all(maxs[inside] >= true_max[inside] - 1e-3)
    overall_lo, overall_hi = samples.min(), samples.max()
    assert np.all(mins[inside] >= overall_lo - 1e-3) and np.all(maxs[inside] <= overall_hi + 1e-3)


def test_a_column_shows_exactly_the_blocks_it_overlaps(chirp):
    path, samples, rate = chirp
    pyramid = build(path)
    width = 1000
    block = pyramid.block_frames(pyramid.level_for(5 * rate / width))
    assert block * 4 <= 5 * rate / width
    mins, maxs = pyramid.columns(0, 5, width)
    edges = np.arange(width + 1) * 5 * rate / width
    lows = (np.floor(edges[:-1] / block) * block).astype(int)
    highs = (np.ceil(edges[1:] / block) * block).astype(int)
    expected_min = np.array([samples[a:b].min() for a, b in zip(lows, highs)])
    expected_max = np.array([samples[a:b].max() for a, b in zip(lows, highs)])
    # float16 storage: about three significant digits
    assert np.abs(mins - expected_min).max() < 2e-3 and np.abs(maxs - expected_max).max() < 2e-3


def test_levels_shrink_by_four_and_integer_files_scale_to_full_scale(tmp_path):
    path = write_tone(tmp_path / "tone.wav", 3.0, subtype="PCM_24", amplitude=0.5)
    pyramid = build(path)
    assert [len(level) for level in pyramid.levels][:3] == [
        -(-pyramid.frames // pyramid.base), -(-pyramid.frames // (pyramid.base * 4)),
        -(-pyramid.frames // (pyramid.base * 16))]
    assert abs(float(pyramid.levels[-1][:, 1].max()) - 0.5) < 1e-3
    assert abs(float(pyramid.levels[-1][:, 0].min()) + 0.5) < 1e-3


def test_the_finest_level_is_bounded_however_long_the_file():
    assert base_for(48000) == 4
    for frames in (10 * 60 * 48000, 2 * 3600 * 48000, 10**10):
        assert frames / base_for(frames) <= MAX_FINEST


def test_cache_finds_peaks_by_content_not_path(tmp_path):
    cache = PeakCache(tmp_path / "peaks")
    original = write_tone(tmp_path / "a" / "hit.wav", 2.0)
    first = cache.pyramid(original)
    copy = tmp_path / "b" / "renamed.wav"
    copy.parent.mkdir()
    shutil.copy(original, copy)
    again = cache.pyramid(copy)
    assert len(list((tmp_path / "peaks").glob("*.npz"))) == 1  # the copy reused the stored pyramid
    assert all(np.array_equal(a, b) for a, b in zip(first.levels, again.levels))

    write_tone(original, 2.0, hz=1000, amplitude=0.9)  # edited in place: new content, new peaks
    edited = cache.pyramid(original)
    assert len(list((tmp_path / "peaks").glob("*.npz"))) == 2
    assert float(edited.levels[-1][:, 1].max()) > 0.85


def test_a_damaged_cache_file_is_rebuilt(tmp_path):
    cache = PeakCache(tmp_path / "peaks")
    path = write_tone(tmp_path / "hit.wav", 1.0)
    cache.pyramid(path)
    for stored in (tmp_path / "peaks").glob("*.npz"):
        stored.write_bytes(b"not numpy")
    assert cache.pyramid(path).frames == 48000


def test_an_unwritable_cache_still_gives_peaks(tmp_path):
    blocker = tmp_path / "cache-is-a-file"
    blocker.write_text("")
    path = write_tone(tmp_path / "hit.wav", 1.0)
    assert PeakCache(blocker / "peaks").pyramid(path).frames == 48000


def test_truncated_zero_length_and_unreadable_files(tmp_path):
    whole = write_tone(tmp_path / "whole.wav", 2.0)
    truncated = tmp_path / "truncated.wav"
    truncated.write_bytes(whole.read_bytes()[: 44 + 48000])  # header promises 2 s, holds 0.5 s
    pyramid = build(truncated)
    assert pyramid.frames == 24000
    assert np.isnan(pyramid.columns(0.0, 2.0, 100)[0][60:]).all()

    empty = tmp_path / "empty.wav"
    sf.write(empty, np.zeros(0, np.float32), 48000)
    pyramid = build(empty)
    assert pyramid.frames == 0 and np.isnan(pyramid.columns(0, 1, 50)[0]).all()

    garbage = tmp_path / "garbage.wav"
    garbage.write_bytes(os.urandom(4000))
    with pytest.raises(PeakError, match="garbage.wav"):
        build(garbage)
    with pytest.raises(PeakError, match="missing.wav"):
        PeakCache(tmp_path / "peaks").pyramid(tmp_path / "missing.wav")


def test_a_build_stops_when_cancelled(tmp_path):
    path = write_tone(tmp_path / "long.wav", 30.0)
    with pytest.raises(Cancelled):
        build(path, cancel=lambda: True)


def test_a_two_hour_file_gets_its_peaks_fast(tmp_path):
    rate, path = 8000, tmp_path / "two hours.wav"
    block = (0.3 * np.sin(2 * np.pi * 100 * np.arange(rate * 60) / rate)).astype(np.float32)
    with sf.SoundFile(path, "w", rate, 1, subtype="PCM_16") as f:
        for minute in range(120):
            f.write(block * (1 if minute % 2 else 0.5))
    started = time.perf_counter()
    pyramid = PeakCache(tmp_path / "peaks").pyramid(path)
    built = time.perf_counter() - started
    assert pyramid.seconds == pytest.approx(7200)
    assert len(pyramid.levels[0]) <= MAX_FINEST
    started = time.perf_counter()
    mins, maxs = pyramid.columns(0, 7200, 1600)
    drawn = time.perf_counter() - started
    assert np.nanmax(maxs) == pytest.approx(0.3, abs=0.01)
    # Loose bounds for a shared machine; bench/desktop.py measures the real figures.
    assert built < 30 and drawn < 0.05, (built, drawn)
