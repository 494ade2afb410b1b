"""An inpainted region is as loud as what the model makes for the prompt, whatever the clip's format."""

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from soundloom.engine.audio import resample
from soundloom.engine.engine import STARTER_PATH, Engine
from soundloom.engine.pipelines import InpaintRequest, inpaint


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def _loud_clip(rate: int, seconds: float) -> np.ndarray:
    """A tone with noise at about -13 dBFS RMS, [samples]."""
    t = np.arange(round(rate * seconds)) / rate
    noise = np.random.default_rng(0).standard_normal(t.size)
    return (0.3 * np.sin(2 * np.pi * 440 * t) + 0.1 * noise).astype(np.float32)


def test_a_region_of_a_48_khz_stereo_clip_is_as_loud_as_one_of_the_same_clip_at_the_model_rate(tiny_model):
    """Resampling to the model's rate, mixing to mono and spreading back to every channel must not
    change the level of what is generated."""
    mono = _loud_clip(16000, 1.0)
    stereo = np.repeat(resample(mono, 16000, 48000)[np.newaxis], 2, axis=0)
    region = (0.3, 0.7)
    settings = {"prompt": "rain", "regions": [region], "steps": 2, "seed": 3, "guidance": 1.0}
    native = inpaint(tiny_model, InpaintRequest(audio=mono[np.newaxis], sample_rate=16000, **settings)).audio[0]
    converted = inpaint(tiny_model, InpaintRequest(audio=stereo, sample_rate=48000, **settings)).audio[0]
    inside = [slice(round(r * 0.35), round(r * 0.65)) for r in (16000, 48000)]
    level_native, level_converted = _rms(native[0, inside[0]]), _rms(converted[:, inside[1]])
    assert level_native > 1e-3
    assert 0.7 < level_converted / level_native < 1.4
    assert np.array_equal(converted[0], converted[1])  # the one generated part goes to every channel


@pytest.mark.slow
def test_the_starter_inpaints_a_loud_clip_at_the_level_it_generates_the_prompt(tmp_path: Path):
    """A 48 kHz stereo 24-bit file, inpainted with the starter at its default steps: inside the
    region the level is that of the starter's own generate() for the prompt, not near silence."""
    prompt, rate = "heavy rain on a tin roof", 48000
    path = tmp_path / "loud.wav"
    mono = _loud_clip(rate, 5.0)
    sf.write(path, np.stack([mono, 0.8 * mono], axis=1), rate, subtype="PCM_24")
    clip = sf.read(path, dtype="float32", always_2d=True)[0].T

    engine = Engine()
    generated = engine.run("generate", {"prompt": prompt, "seconds": 5.0, "seed": 3}, model=STARTER_PATH).audio[0]
    result = engine.run("inpaint", {"prompt": prompt, "audio": clip, "sample_rate": rate,
                                    "regions": [(1.5, 3.0)], "seed": 4}, model=STARTER_PATH).audio[0]
    inside = result[:, round(1.6 * rate) : round(2.9 * rate)]
    assert 1 / 3 < _rms(inside) / _rms(generated) < 3
