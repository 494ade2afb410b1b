"""Results columns (format, sort) and the spectrogram's numbers."""

from __future__ import annotations

import os

import numpy as np
import pytest

from soundloom.desktop.results import (COLUMNS, column_index, display, format_rating, format_seconds,
                                       sorted_records)
from soundloom.desktop.spectrum import FLOOR_DB, colour_table, compute, to_rgb32
from soundloom.library.records import SoundRecord
from sounds import write_tone


def record(name, seconds=1.0, loudness=-20.0, rate=48000, rating=0, modified=0.0, category=None):
    return SoundRecord(path=f"/s/{name}", root="/s", name=name, folder="/s", seconds=seconds, sample_rate=rate,
                       channels=1, subtype="PCM_24", loudness_lufs=loudness, peak_dbfs=-1.0, caption=name,
                       caption_source="names", category=category, subcategory=None, tags=[], rating=rating,
                       favourite=False, modified=modified)


def test_every_column_sorts_both_ways():
    records = [record("b", 2.0, -30.0, 44100, 3, 20.0, "DOORS"), record("A", 0.5, None, 96000, 5, 10.0),
               record("c", 9.0, -10.0, 48000, 0, 30.0, "AMBIENCE")]
    expected = {"name": "Abc", "duration": "Abc", "category": "Acb", "loudness": "bcA", "rate": "bcA",
                "rating": "cbA", "date": "Abc"}
    for key, order in expected.items():
        names = "".join(r.name for r in sorted_records(records, column_index(key), False))
        assert names == order, key
    # Descending reverses, but a sound without a loudness stays last.
    assert "".join(r.name for r in sorted_records(records, column_index("loudness"), True)) == "cbA"
    assert [c.title for c in COLUMNS] == ["Name", "Duration", "Category", "Loudness", "Rate", "Rating", "Date"]


def test_formats():
    assert format_seconds(0.845) == "0.84 s" or format_seconds(0.845) == "0.85 s"
    assert format_seconds(12.34) == "12.3 s"
    assert format_seconds(125.0) == "2:05.0"
    assert format_seconds(3723.0) == "1:02:03"
    assert format_rating(3) == "★★★☆☆" and format_rating(0) == ""
    assert display(os.fsdecode(b"caf\xe9.wav")) == "caf\ufffd.wav"


def test_a_tone_shows_at_its_frequency_and_level(tmp_path):
    path = write_tone(tmp_path / "a.wav", 2.0, rate=48000, hz=1000, amplitude=0.5, subtype="FLOAT")
    spectrogram = compute(path, 0.0, 2.0, columns=200, rows=160)
    assert spectrogram.db.shape == (160, 200)
    column = spectrogram.db[:, 100]
    peak = int(column.argmax())
    assert spectrogram.frequency_at(peak) <= 1000 <= spectrogram.frequency_at(peak + 1) * 1.05
    assert -12 < column.max() < -5  # a 0.5 sine peaks at -6 dBFS; its band's mean reads a little lower
    assert np.median(column) < -80
    pixels = to_rgb32(spectrogram)
    assert pixels.shape == (160, 200) and pixels.dtype == np.uint32
    assert pixels[-1, 100] == colour_table()[0]  # 20 Hz holds nothing: the darkest colour


def test_noise_reads_level_across_the_bands(tmp_path):
    path = tmp_path / "white.wav"
    import soundfile as sf

    sf.write(path, (0.1 * np.random.default_rng(0).standard_normal(48000 * 3)).astype(np.float32), 48000)
    level = compute(path, 0.0, 3.0, columns=200, rows=200).db.mean(axis=1)
    assert np.abs(np.diff(level)).max() < 2.0  # no stripes where bands start holding more bins
    assert level.max() - level.min() < 4.0


def test_views_outside_the_file_and_damaged_files(tmp_path):
    path = write_tone(tmp_path / "a.wav", 1.0)
    spectrogram = compute(path, -1.0, 3.0, columns=80)
    assert (spectrogram.db[:, :10] == FLOOR_DB).all() and (spectrogram.db[:, -30:] == FLOOR_DB).all()
    truncated = tmp_path / "cut.wav"
    truncated.write_bytes(path.read_bytes()[:30000])
    assert compute(truncated, 0.0, 1.0, columns=50).db.shape[1] == 50
    garbage = tmp_path / "junk.wav"
    garbage.write_bytes(b"\0" * 1000)
    with pytest.raises(ValueError, match="junk.wav"):
        compute(garbage, 0, 1)
