"""Procedural effects sound like what their captions say: measured pitch, direction, counts,
spectra and envelopes."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal
from soundloom.engine.training.corpus import procedural
from soundloom.engine.training.corpus.clip import rng_for
from soundloom.engine.pitch import cents, estimate_f0
from soundloom.engine.training.corpus.measure import detect_onsets

SR = 16000


def make(cls: str, i: int = 0, **override):
    params, attrs = procedural.draw(cls, rng_for(11, cls, i))
    params.update(override)
    return params, attrs, procedural.render(cls, params)


def centroid_hz(x: np.ndarray) -> float:
    power = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / SR)
    return float((power * freqs).sum() / power.sum())


def dominant_hz(x: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / SR)[np.argmax(spectrum)])


def level_db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(x.astype(np.float64) ** 2) + 1e-20))


@pytest.mark.parametrize("cls", procedural.PROCEDURAL_CLASSES)
def test_generators_are_deterministic_finite_and_at_their_stated_peak(cls):
    params, _, first = make(cls, 3)
    second = procedural.render(cls, params)
    assert np.array_equal(first.audio, second.audio)
    assert np.all(np.isfinite(first.audio))
    assert 20 * np.log10(np.max(np.abs(first.audio))) == pytest.approx(params["peak_dbfs"], abs=0.01)


@pytest.mark.parametrize("direction", ["rising", "falling"])
def test_sweep_goes_from_its_start_to_its_end_frequency(direction):
    start, end = (200.0, 4000.0) if direction == "rising" else (4000.0, 200.0)
    _, _, out = make("sweep", start_hz=start, end_hz=end, length_s=2.0, waveform="sine", law="exponential")
    head, tail = out.audio[: SR // 10], out.audio[-SR // 10 :]
    # Over the first and last 100 ms an exponential sweep covers about a third of an octave.
    assert abs(cents(dominant_hz(head), start)) < 400
    assert abs(cents(dominant_hz(tail), end)) < 400
    assert len(out.audio) == 2 * SR


def test_riser_swells_and_downlifter_fades():
    _, _, riser = make("riser", length_s=4.0)
    _, _, down = make("downlifter", length_s=4.0)
    q = SR  # one second
    assert level_db(riser.audio[3 * q : 4 * q]) - level_db(riser.audio[:q]) > 12
    assert level_db(down.audio[:q]) - level_db(down.audio[3 * q : 4 * q]) > 12


def test_synth_drone_measures_at_its_stated_note():
    for i in range(8):
        params, attrs, out = make("drone", i)
        if params["kind"] != "hum":
            f0 = estimate_f0(out.audio, fmin_hz=25)
            assert abs(cents(f0, params["f0_hz"])) < 10, (attrs, f0)
            return
    pytest.fail("no synth drone drawn")


def test_mains_hum_is_at_50_or_60_hz_or_twice_that():
    _, _, out = make("drone", kind="hum", f0_hz=60.0, mains_hz=60, buzz=0.2, length_s=3.0)
    assert abs(cents(estimate_f0(out.audio, fmin_hz=25), 60.0)) < 10


def test_beeps_count_and_pitch_match_the_caption():
    _, _, out = make("beep", count=3, beep_s=0.12, gap_s=0.2, freq_hz=1000.0, waveform="sine")
    assert out.onsets_s == [0.0, 0.32, 0.64]
    assert len(detect_onsets(out.audio)) == 3
    assert abs(cents(estimate_f0(out.audio[: int(0.12 * SR)], fmin_hz=200, fmax_hz=4000), 1000.0)) < 10


def test_clicks_and_laser_zaps_are_counted_events():
    _, _, clicks = make("click", count=5, variant="ui", spacing_s=0.2, jitter_s=0.0)
    assert len(clicks.onsets_s) == 5 and len(detect_onsets(clicks.audio)) == 5
    _, _, lasers = make("laser", variant="zap", count=3, spacing_s=0.3, zap_s=0.15)
    assert len(detect_onsets(lasers.audio, min_gap_s=0.1)) == 3


def test_laser_zap_falls_in_pitch():
    _, _, out = make(
        "laser", variant="zap", count=1, zap_s=0.3, high_hz=3000.0, low_hz=300.0, vibrato_depth=0.0, odd_harmonics=False
    )
    early, late = out.audio[: int(0.03 * SR)], out.audio[int(0.2 * SR) : int(0.28 * SR)]
    assert dominant_hz(early) > 2 * dominant_hz(late)


def test_textures_have_the_spectra_of_what_they_are():
    rain = [make("rain", i)[2].audio for i in range(4)]
    wind = [make("wind", i)[2].audio for i in range(4)]
    near = [make("explosion", i, distance="near")[2].audio for i in range(3)]
    distant = [make("explosion", i, distance="distant")[2].audio for i in range(3)]
    engines = [make("engine", i)[2].audio for i in range(4)]
    assert min(centroid_hz(x) for x in rain) > 1000  # droplets and hiss are bright
    assert max(centroid_hz(x) for x in wind) < 2000  # turbulence is mostly low and mid
    assert max(centroid_hz(x) for x in near) < 1500  # a boom is dark...
    assert max(centroid_hz(x) for x in distant) < min(centroid_hz(x) for x in near)  # ...and darker far away
    assert max(centroid_hz(x) for x in engines) < 800


def test_rain_intensity_means_denser_droplets():
    """Light rain is sparse droplets (a peaky, high-kurtosis signal); heavy rain is so dense
    that it approaches Gaussian noise (kurtosis 3)."""

    def kurtosis(x):
        hp = signal.sosfilt(signal.butter(4, 1000, "highpass", fs=SR, output="sos"), x)
        return float(np.mean(hp**4) / np.mean(hp**2) ** 2)

    for surface in ("window", "open", "roof", "leaves"):
        light = make("rain", surface=surface, intensity="light", length_s=4.0, rate_scale=1.0)[2].audio
        heavy = make("rain", surface=surface, intensity="heavy", length_s=4.0, rate_scale=1.0)[2].audio
        assert kurtosis(light) > 10 and kurtosis(light) > 3 * kurtosis(heavy), surface


def test_surf_swells_to_each_stated_wave_crash():
    params, _, out = make("surf", first_s=1.5, period_s=5.0, length_s=9.0, variant="crashing")
    assert out.onsets_s and out.onsets_s[0] == pytest.approx(1.5)
    x = out.audio
    at_crash = level_db(x[int(1.4 * SR) : int(1.8 * SR)])
    between = level_db(x[int(4.8 * SR) : int(5.2 * SR)])
    assert at_crash - between > 6


def test_idling_engine_fires_at_the_stated_rate():
    params, _, out = make("engine", vehicle="car", action="idling", idle_rpm=900.0, length_s=3.0)
    firing = 900.0 / 60 * 4 / 2  # four-stroke, four cylinders: 30 Hz
    f0 = estimate_f0(out.audio, fmin_hz=15, fmax_hz=200, threshold=0.35)
    assert f0 is not None and abs(cents(f0, firing)) < 100
