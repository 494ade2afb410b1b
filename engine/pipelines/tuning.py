"""Tuning a generated note to the pitch its prompt names, the way a sampler maps a sample to a key.

The model chooses the sound (instrument, register, envelope); when the prompt names one pitch
("a cello playing C3", "a hum at 120 Hz") and the result is pitched, the result is resampled so
its fundamental lands on the named pitch class. The shift is at most half an octave either way:
the register the model chose is kept, so an organ whose 16' stop sounds an octave below its key
stays there. Like a sampler's, the shift changes the length by the same ratio; the clip keeps
its requested length (a shortened note ends in silence, a lengthened one is cut with a fade).
"""

from __future__ import annotations

import numpy as np
import soxr

from soundloom.engine.models.prompt_pitch import prompt_pitch
from soundloom.engine.pitch import estimate_f0, hz_to_midi

MAX_SHIFT_SEMITONES = 6.0
FADE_S = 0.01


def tuning_cents(audio: np.ndarray, rate: int, target_midi: float) -> float | None:
    """The shift (cents, within ±600) that puts `audio`'s fundamental on the target's pitch class;
    None when the audio has no steady pitch."""
    f0 = estimate_f0(np.asarray(audio, np.float64).mean(axis=0), rate)
    if f0 is None:
        return None
    semitones = target_midi - hz_to_midi(f0)
    semitones -= 12.0 * np.round(semitones / 12.0)
    return float(np.clip(semitones, -MAX_SHIFT_SEMITONES, MAX_SHIFT_SEMITONES) * 100.0)


def shift_pitch(audio: np.ndarray, rate: int, cents: float) -> np.ndarray:
    """`audio` [channels, samples] played `cents` higher (faster) or lower (slower), same length."""
    ratio = 2.0 ** (cents / 1200.0)
    length = audio.shape[-1]
    shifted = soxr.resample(np.ascontiguousarray(audio.T, np.float32), rate, rate / ratio, quality="HQ").T
    if shifted.shape[-1] >= length:
        shifted = shifted[:, :length].copy()
        fade = min(int(FADE_S * rate), length)
        shifted[:, length - fade :] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    else:
        shifted = np.pad(shifted, ((0, 0), (0, length - shifted.shape[-1])))
    return shifted.astype(np.float32)


def tune(audio: np.ndarray, rate: int, target_midi: float) -> tuple[np.ndarray, float | None]:
    """(tuned audio, applied cents), or (`audio`, None) when it has no steady pitch."""
    cents = tuning_cents(audio, rate, target_midi)
    if cents is None or cents == 0.0:
        return audio, cents
    return shift_pitch(audio, rate, cents), cents


def tune_to_prompt(audio: np.ndarray, rate: int, prompt: str) -> tuple[np.ndarray, float | None] | None:
    """`tune` to the pitch the prompt names, or None when it names no single pitch."""
    target = prompt_pitch(prompt)
    return None if target is None else tune(audio, rate, target)
