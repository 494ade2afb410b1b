"""The bundled starter model end to end: a daemon started by the SDK, every operation, real sounds.

These use the committed weights, so they also guard the starter's character: rain must come out
noise-like and a piano chord tonal, a snare short.
"""

from __future__ import annotations

import numpy as np
import pytest

from soundloom.sdk import Client

STEPS = 15


def spectral_flatness(mono: np.ndarray, n_fft: int = 1024) -> float:
    """Geometric over arithmetic mean of the power spectrum, on the louder frames: near 1 for noise, near 0 for tones."""
    frames = np.lib.stride_tricks.sliding_window_view(mono, n_fft)[:: n_fft // 2] * np.hanning(n_fft)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2 + 1e-12
    loud = power.sum(axis=1) > 0.1 * power.sum(axis=1).max()
    flatness = np.exp(np.log(power[loud]).mean(axis=1)) / power[loud].mean(axis=1)
    return float(np.median(flatness))


def active_seconds(mono: np.ndarray, rate: int, below_peak_db: float = 30.0) -> float:
    """How long the sound stays within `below_peak_db` of its peak (10 ms frames)."""
    hop = rate // 100
    levels = np.sqrt(np.mean(mono[: len(mono) // hop * hop].reshape(-1, hop) ** 2, axis=1)) + 1e-9
    loud = np.flatnonzero(20 * np.log10(levels / levels.max()) > -below_peak_db)
    return (loud[-1] - loud[0] + 1) * hop / rate


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    home = tmp_path_factory.mktemp("starter-engine")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOUNDLOOM_RUNTIME_DIR", str(home / "run"))
        patch.delenv("SOUNDLOOM_MODEL", raising=False)
        with Client.connect(home / "run" / "engine.json", timeout=120, engine_args=["--data-dir", str(home / "data")]) as c:
            yield c


def test_the_engine_serves_the_bundled_starter_by_default(client):
    assert client.info()["default_model"] == "starter"


def test_rain_is_noise_like_a_piano_chord_tonal_and_a_snare_short(client):
    rain = client.generate("soft rain on a window", seconds=3, steps=STEPS, seed=1)
    chord = client.generate("a piano playing a C major chord", seconds=3, steps=STEPS, seed=1)
    snare = client.generate("a snare drum hit", seconds=2, steps=STEPS, seed=1)
    for clip in (rain, chord, snare):
        assert clip.sample_rate == 16000 and np.isfinite(clip.samples).all() and np.abs(clip.samples).max() > 0.01
        assert clip.metadata["model"] == "starter"
    assert spectral_flatness(rain.samples[0]) > 5 * spectral_flatness(chord.samples[0])
    assert active_seconds(snare.samples[0], 16000) < active_seconds(rain.samples[0], 16000)


def test_inpaint_transfer_and_extend_work_on_the_starter(client):
    rain = client.generate("steady rain", seconds=3, steps=STEPS, seed=2)
    fixed = client.inpaint(rain, "a door slam", regions=[(1.0, 2.0)], steps=STEPS, seed=3)
    edges = [int(1.0 * 16000), int(2.0 * 16000)]
    assert fixed.samples.shape == rain.samples.shape
    assert np.array_equal(fixed.samples[:, : edges[0]], rain.samples[:, : edges[0]])
    assert np.array_equal(fixed.samples[:, edges[1] :], rain.samples[:, edges[1] :])
    assert not np.allclose(fixed.samples[:, edges[0] : edges[1]], rain.samples[:, edges[0] : edges[1]])

    moved = client.transfer(rain, "a low engine rumble", strength=0.6, steps=STEPS, seed=4)
    assert moved.samples.shape == rain.samples.shape and np.isfinite(moved.samples).all()
    assert not np.allclose(moved.samples, rain.samples, atol=1e-3)

    longer = client.extend(rain, "steady rain", seconds=1.5, steps=STEPS, seed=5)
    assert longer.samples.shape[1] == rain.samples.shape[1] + int(1.5 * 16000)
    assert np.array_equal(longer.samples[:, : rain.samples.shape[1]], rain.samples)
    assert np.abs(longer.samples[:, rain.samples.shape[1] :]).max() > 0.01


def test_a_named_note_comes_back_tuned_to_it(client):
    from soundloom.engine.pitch import cents, estimate_f0

    raw = client.generate("a flute playing A4", seconds=2, steps=STEPS, seed=1, tune=False)
    tuned = client.generate("a flute playing A4", seconds=2, steps=STEPS, seed=1)
    assert "tuned_cents" not in raw.metadata and isinstance(tuned.metadata["tuned_cents"], float)
    before, after = (estimate_f0(clip.samples[0], 16000) for clip in (raw, tuned))
    # The shift reported is the shift made, and it lands on A (any octave: the register is the model's).
    assert abs(cents(after, before) - tuned.metadata["tuned_cents"]) < 10
    off_a = cents(after, 440.0) % 1200
    assert min(off_a, 1200 - off_a) < 20
