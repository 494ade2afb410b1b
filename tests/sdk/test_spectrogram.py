"""Spectrogram pictures: energy drawn where the sound has it, on labelled axes a person can read."""

import stat

import numpy as np
import pytest
from PIL import Image

from soundloom.protocol.errors import SoundloomError
from soundloom.protocol.atomic_files import new_file_mode
from soundloom.sdk.spectrogram import FLOOR_DB, colour, save_spectrogram, spectrogram_image, spectrogram_levels
from soundloom.sdk.spectrogram_picture import BACKGROUND, INK, draw_spectrogram

RATE = 16000


def _tone(hz: float, seconds: float = 1.0, amplitude: float = 0.5) -> np.ndarray:
    return (amplitude * np.sin(2 * np.pi * hz * np.arange(round(seconds * RATE)) / RATE)).astype(np.float32)


def _pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB")).astype(int)


def _has_ink(region: np.ndarray) -> bool:
    """True when some pixel of `region` is label-coloured (text is anti-aliased, so near INK counts)."""
    return bool((np.abs(region - np.array(INK)).sum(axis=-1) < 60).any())


def test_a_high_tone_is_drawn_higher_than_a_low_one():
    brightest_row = lambda image: int(np.argmax(image.sum(axis=(1, 2))))  # noqa: E731
    low, high = spectrogram_image(_tone(200), RATE), spectrogram_image(_tone(4000), RATE)
    assert low.shape == (256, 63, 3)  # one column per 256 samples by default
    assert brightest_row(high) < brightest_row(low)  # row 0 is the top of the picture


def test_the_saved_picture_has_the_requested_size_labelled_axes_and_title(tmp_path):
    path = save_spectrogram(np.stack([_tone(440)] * 2), RATE, tmp_path / "tone.png", title="a 440 Hz tone")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tone.png"]  # no temporary file left behind
    assert stat.S_IMODE(path.stat().st_mode) == new_file_mode()  # as any program would leave a new file
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size == (900, 400)
        pixels = _pixels(image)
    picture = draw_spectrogram(_tone(440), RATE, size=(640, 300))
    assert picture.image.size == (640, 300)
    left, top, right, bottom = picture.plot
    small = _pixels(picture.image)
    assert _has_ink(small[top:bottom, : left - 2])  # frequency labels
    assert _has_ink(small[bottom + 2:, left:right])  # time labels
    assert _has_ink(small[top:bottom, right + 2:])  # the dB scale's labels
    assert not _has_ink(small[: top - 2, left: (left + right) // 2])  # no title asked for: nothing drawn there
    big_left, big_top, big_right, _ = (66, 34, 900 - 84, 400 - 44)
    assert _has_ink(pixels[: big_top - 2, big_left: (big_left + big_right) // 2])  # the title


def test_a_1khz_tone_is_brightest_at_the_1khz_tick():
    picture = draw_spectrogram(_tone(1000), RATE)
    left, top, right, bottom = picture.plot
    plot = _pixels(picture.image)[top:bottom, left:right]
    brightest = top + int(np.argmax(plot.sum(axis=(1, 2))))
    tick = picture.y_of(1000)
    assert abs(brightest + 0.5 - tick) <= 1.5, (brightest, tick)
    # The tick there is labelled: "1k" sits in the margin left of the plot, level with the row.
    label_band = _pixels(picture.image)[round(tick) - 6: round(tick) + 7, left - 40: left - 7]
    assert _has_ink(label_band)
    # And the tone reads at its level: -6 dBFS lies in the top third of the colour scale.
    assert plot.sum(axis=2).max() >= colour(np.array(-20.0)).astype(int).sum()


def test_a_click_is_drawn_at_its_time():
    clip = np.zeros(2 * RATE, np.float32)
    clip[round(1.5 * RATE)] = 0.9
    picture = draw_spectrogram(clip, RATE)
    left, top, right, bottom = picture.plot
    plot = _pixels(picture.image)[top:bottom, left:right]
    brightest = left + int(np.argmax(plot.sum(axis=(0, 2))))
    # Within half an analysis window (32 ms at 16 kHz) of 1.5 s.
    assert abs(brightest - picture.x_of(1.5)) <= picture.x_of(0.032) - picture.x_of(0.0) + 1


def test_silence_is_one_uniform_colour_the_darkest():
    picture = draw_spectrogram(np.zeros((2, RATE), np.float32), RATE)
    left, top, right, bottom = picture.plot
    plot = _pixels(picture.image)[top:bottom, left:right]
    assert (plot == colour(np.array(FLOOR_DB))).all()
    assert tuple(colour(np.array(FLOOR_DB))) != BACKGROUND  # the plot still stands out from the page


@pytest.mark.parametrize("size", [(100, 400), (900, 50), (9000, 400), "big"])
def test_an_unusable_size_is_refused_naming_the_field(tmp_path, size):
    with pytest.raises(SoundloomError) as caught:
        save_spectrogram(_tone(440, 0.1), RATE, tmp_path / "x.png", size=size)
    assert caught.value.field == "size"
    assert not list(tmp_path.iterdir())


def _row(levels, hz: float) -> int:
    """The row of `levels` (row 0 the highest band) whose band holds `hz`."""
    rows = levels.db.shape[0]
    return rows - 1 - int(np.log(hz / levels.fmin) / np.log(levels.fmax / levels.fmin) * rows)


def test_low_notes_a_whole_tone_apart_are_two_lines_and_a_bass_onset_is_not_drawn_early():
    t = np.arange(2 * RATE) / RATE
    notes = 0.3 * (np.sin(2 * np.pi * 110.0 * t) + np.sin(2 * np.pi * 123.47 * t))  # A2 and B2
    levels = spectrogram_levels(notes, RATE, columns=200, rows=320)
    middle = levels.db[:, 100]
    a2, b2 = _row(levels, 110.0), _row(levels, 123.47)
    assert middle[a2] > -20 and middle[b2] > -20
    # A dark gap between the two lines (a single 64 ms window would merge them into one band).
    assert middle[b2 + 1: a2].min() < min(middle[a2], middle[b2]) - 10

    kick = np.zeros(2 * RATE)
    kick[RATE:] = 0.8 * np.sin(2 * np.pi * 55 * t[:RATE]) * np.exp(-8 * t[:RATE])  # struck at 1.0 s
    levels = spectrogram_levels(kick, RATE, columns=200, rows=320)
    row = _row(levels, 55.0)
    assert levels.db[row, round(200 * 1.02 / 2)] > -20
    assert levels.db[row, round(200 * 0.9 / 2)] < -80  # nothing 100 ms before the hit
