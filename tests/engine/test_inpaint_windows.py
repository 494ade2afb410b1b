"""Inpaint and extend denoise a window around each group of regions, not the whole clip."""

import numpy as np
import pytest

from soundloom.engine.pipelines import ExtendRequest, InpaintRequest, extend, inpaint
from soundloom.engine.pipelines.windows import Window, plan_windows, training_frames

LENGTH, MULTIPLE = 32, 4  # the starter's training length and UNet granularity, in latent frames


def test_a_region_in_the_middle_gets_a_centred_window_of_the_training_length():
    (window,) = plan_windows([(100, 112)], total=400, length=LENGTH, multiple=MULTIPLE)
    assert window == Window(90, 122, ((100, 112),))


def test_a_region_at_the_start_takes_its_context_after_it():
    (window,) = plan_windows([(0, 5)], total=400, length=LENGTH, multiple=MULTIPLE)
    assert (window.start, window.stop) == (0, LENGTH)


def test_a_region_at_the_end_takes_its_context_before_it():
    (window,) = plan_windows([(390, 400)], total=400, length=LENGTH, multiple=MULTIPLE)
    assert (window.start, window.stop) == (400 - LENGTH, 400)


def test_regions_close_together_share_one_window_and_far_ones_do_not():
    close = plan_windows([(100, 104), (110, 114)], total=400, length=LENGTH, multiple=MULTIPLE)
    assert len(close) == 1 and close[0].regions == ((100, 104), (110, 114))
    assert close[0].stop - close[0].start == LENGTH
    far = plan_windows([(20, 24), (300, 304)], total=400, length=LENGTH, multiple=MULTIPLE)
    assert [w.regions for w in far] == [((20, 24),), ((300, 304),)]
    assert all(w.stop - w.start <= LENGTH for w in far) and far[0].stop <= far[1].start


def test_windows_that_would_overlap_are_merged_until_none_do():
    regions = [(40, 44), (60, 64), (80, 84), (200, 204)]
    windows = plan_windows(regions, total=400, length=LENGTH, multiple=MULTIPLE)
    assert [len(w.regions) for w in windows] == [3, 1]
    assert all(a.stop <= b.start for a, b in zip(windows, windows[1:]))
    for window in windows:
        assert (window.stop - window.start) % MULTIPLE == 0
        assert all(window.start <= a and b <= window.stop for a, b in window.regions)


def test_a_region_longer_than_the_training_length_gets_context_on_both_sides():
    (window,) = plan_windows([(100, 160)], total=400, length=LENGTH, multiple=MULTIPLE)
    assert window.start <= 100 - LENGTH // 4 and window.stop >= 160 + LENGTH // 4
    assert (window.stop - window.start) % MULTIPLE == 0


def test_a_clip_no_longer_than_the_training_length_is_one_whole_window():
    assert plan_windows([(3, 6)], total=28, length=LENGTH, multiple=MULTIPLE) == [Window(0, 28, ((3, 6),))]


def test_training_length_comes_from_the_unet_sample_size_padded_to_its_granularity():
    assert training_frames(32, 4) == 32
    assert training_frames(30, 4) == 32
    assert training_frames([128, 16], 2) == 128


def _long_clip(seconds: float, rate: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * 330 * t) + 0.05 * rng.standard_normal((2, t.size))).astype(np.float32)


def _inside(regions, rate, length):
    mask = np.zeros(length, dtype=bool)
    for start, end in regions:
        mask[round(start * rate) : round(end * rate)] = True
    return mask


@pytest.fixture(scope="module")
def long_inpaint(tiny_model):
    """A 12 s 44.1 kHz stereo clip (the tiny model trains on 2.56 s) with two far-apart regions."""
    rate, regions = 44100, [(1.0, 1.4), (9.0, 9.5)]
    clip = _long_clip(12.0, rate)
    steps = []
    request = InpaintRequest(prompt="a laser zap", steps=3, seed=5, audio=clip, sample_rate=rate, regions=regions)
    out = inpaint(tiny_model, request, on_step=lambda step, total: steps.append((step, total))).audio[0]
    return rate, regions, clip, out, steps


def test_windowed_inpaint_keeps_every_sample_outside_the_regions_of_a_long_clip(long_inpaint):
    rate, regions, clip, out, _ = long_inpaint
    inside = _inside(regions, rate, clip.shape[1])
    assert out.shape == clip.shape
    assert np.array_equal(out[:, ~inside], clip[:, ~inside])
    for start, end in regions:
        span = slice(round(start * rate), round(end * rate))
        assert np.abs(out[:, span] - clip[:, span]).mean() > 0.01


def test_progress_counts_the_steps_of_every_window(long_inpaint):
    *_, steps = long_inpaint
    assert steps == [(i, 6) for i in range(1, 7)]  # 3 steps in each of 2 windows


def test_a_region_depends_on_its_window_only(tiny_model, long_inpaint):
    rate, regions, clip, out, _ = long_inpaint
    changed = clip.copy()
    changed[:, 5 * rate : 7 * rate] = 0.0  # far from the first region's window (0–2.56 s)
    request = InpaintRequest(prompt="a laser zap", steps=3, seed=5, audio=changed, sample_rate=rate, regions=regions[:1])
    again = inpaint(tiny_model, request).audio[0]
    first = slice(round(regions[0][0] * rate), round(regions[0][1] * rate))
    # Same seed, same window audio: the same first region, whatever else the clip or request holds.
    assert np.array_equal(again[:, first], out[:, first])


def test_extend_of_a_long_clip_reads_only_its_end(tiny_model):
    rate = 16000
    clip = _long_clip(10.0, rate)
    other = clip.copy()
    other[:, : 4 * rate] = 0.0  # the clip's start is far outside the extension's window
    runs = [extend(tiny_model, ExtendRequest(prompt="surf", steps=2, seed=2, audio=c, sample_rate=rate, seconds=1.0)).audio[0]
            for c in (clip, other)]
    assert runs[0].shape == (2, 11 * rate)
    assert np.array_equal(runs[0][:, : clip.shape[1]], clip)
    assert np.array_equal(runs[0][:, clip.shape[1] :], runs[1][:, clip.shape[1] :])
    assert np.abs(runs[0][:, clip.shape[1] :]).max() > 0
