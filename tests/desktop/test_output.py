"""Playback logic (cursor, region, loop, end, volume) through the clock-driven output, and the
no-device path this machine actually takes."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from fake_output import FakeOutput
from soundloom.desktop.output import NO_OUTPUT, FileSource, NoOutput, open_output, output_devices
from sounds import write_tone

RATE = 1000  # a slow rate keeps the expected frame counts readable


@pytest.fixture
def ramp():
    return np.linspace(-1, 1, 2 * RATE, dtype=np.float32)[:, None]  # 2 s, every frame distinct


def test_plays_from_start_and_reports_position(ramp):
    out = FakeOutput()
    assert out.play(ramp, RATE, start=0.5)
    out.advance(0.25)
    assert out.position == pytest.approx(0.75)
    assert np.array_equal(out.audio(), ramp[500:750])


def test_stops_at_the_end_without_loop(ramp):
    out = FakeOutput()
    out.play(ramp, RATE, start=1.5)
    out.advance(1.0)
    audio = out.audio()
    assert np.array_equal(audio[:500], ramp[1500:]) and not audio[500:].any()  # silence after the end
    assert out.position is None and not out.playing


def test_loops_a_region(ramp):
    out = FakeOutput()
    out.play(ramp, RATE, start=0.0, loop=True, region=(0.2, 0.3))
    for _ in range(5):
        out.advance(0.07)
    expected = np.concatenate([ramp[200:300]] * 4)[:350]
    assert np.array_equal(out.audio(), expected)
    assert out.playing and 0.2 <= out.position < 0.3


def test_region_without_loop_plays_once_and_volume_scales(ramp):
    out = FakeOutput()
    out.volume = 0.25
    out.play(ramp, RATE, start=0.0, region=(1.0, 1.2))
    out.advance(0.5)
    assert np.allclose(out.audio()[:200], ramp[1000:1200] * 0.25)
    assert not out.audio()[200:].any() and not out.playing
    out.volume = 7
    assert out.volume == 1.0


def test_stop_and_restart(ramp):
    out = FakeOutput()
    out.play(ramp, RATE)
    out.advance(0.1)
    out.stop()
    assert out.position is None and not out.running and out.advance(0.1) is None
    out.play(ramp, RATE, start=1.0)
    assert out.starts == 2 and out.position == pytest.approx(1.0)


def test_file_source_streams_and_a_truncated_file_just_ends(tmp_path):
    path = write_tone(tmp_path / "tone.wav", 2.0, rate=8000, subtype="PCM_16")
    truncated = tmp_path / "cut.wav"
    truncated.write_bytes(path.read_bytes()[: 44 + 8000])  # header says 2 s, 0.5 s are there
    source = FileSource(truncated)
    out = FakeOutput()
    out.play(source, source.rate)
    out.advance(1.0)
    audio = out.audio()
    assert np.allclose(audio[:4000, 0], sf.read(path, dtype="float32")[0][:4000], atol=1e-4)
    assert not audio[4000:].any() and not out.playing
    source.close()


def test_without_a_device_the_output_says_so():
    if output_devices():
        pytest.skip("this machine has an audio device")
    out = open_output()
    assert isinstance(out, NoOutput) and not out.available
    assert out.description.startswith(NO_OUTPUT)
    assert not out.play(np.zeros((100, 1), np.float32), 1000)
    assert out.position is None and not out.playing
    named = open_output(7)
    assert not named.available and "7" in named.description


def test_a_device_at_another_rate_gets_the_clip_resampled_as_it_plays():
    from soundloom.desktop.output import _StreamResampler

    rate, device_rate = 44100, 48000
    tone = (0.5 * np.sin(2 * np.pi * 440 * np.arange(rate) / rate)).astype(np.float32)[:, None]
    out = FakeOutput()
    out.play(tone, rate)
    resampler = _StreamResampler(out._pull, rate, device_rate, 1)
    blocks = [resampler.pull(1024) for _ in range(40)]  # what the device callback asks for
    assert all(block.shape == (1024, 1) for block in blocks)
    played = np.concatenate(blocks)[2000:40000, 0]
    spectrum = np.abs(np.fft.rfft(played * np.hanning(len(played))))
    assert np.fft.rfftfreq(len(played), 1 / device_rate)[spectrum.argmax()] == pytest.approx(440, abs=2)
    assert np.abs(played).max() == pytest.approx(0.5, abs=0.02)
