"""Spectrogram pictures put energy where the sound has it."""

import numpy as np
from PIL import Image

from soundloom.sdk.spectrogram import save_spectrogram, spectrogram_image


def test_a_high_tone_is_drawn_higher_than_a_low_one(tmp_path):
    rate = 16000
    t = np.arange(rate) / rate
    low = spectrogram_image(np.sin(2 * np.pi * 200 * t), rate)
    high = spectrogram_image(np.sin(2 * np.pi * 4000 * t), rate)
    brightest_row = lambda image: int(np.argmax(image.sum(axis=(1, 2))))  # noqa: E731
    assert brightest_row(high) < brightest_row(low)  # row 0 is the top of the picture
    path = save_spectrogram(np.stack([np.sin(2 * np.pi * 440 * t)] * 2), rate, tmp_path / "s.png")
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size[1] == 256 and image.size[0] > 50
