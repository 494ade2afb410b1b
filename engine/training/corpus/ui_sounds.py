"""Procedural user-interface sounds: counted beeps, notification chimes and counted clicks.

Same contract as `effects`: `draw_*(rng) -> (params, attrs)`, `render_*(params) -> Rendered`.
The number of events is stated in the captions, so onsets are exact and events are spaced far
enough apart (at least 80 ms) for a listener, and an onset detector, to count them.
"""

from __future__ import annotations

import numpy as np

from soundloom.engine.pitch import hz_to_midi, midi_to_hz

from . import dsp
from .clip import Rendered, log_uniform, pick, uniform

COUNTS = (1, 1, 2, 2, 3, 3, 4, 5, 6)


def _rng(params: dict) -> np.random.Generator:
    return np.random.default_rng(params["seed"])


def draw_beep(rng):
    count = pick(rng, COUNTS)
    length = pick(rng, ["short", "short", "long"])
    beep_s = uniform(rng, 0.05, 0.15) if length == "short" else uniform(rng, 0.3, 0.7)
    freq = log_uniform(rng, 500, 3000)
    params = {
        "count": count,
        "beep_s": beep_s,
        "gap_s": uniform(rng, 0.06, 0.35),
        "freq_hz": freq,
        "waveform": pick(rng, ["sine", "sine", "square", "triangle"]),
    }
    pitch_word = "high" if freq > 1500 else ("low" if freq < 800 else None)
    return params, {"count": count, "length": length, "pitch_word": pitch_word, "freq_hz": freq}


def render_beep(params: dict) -> Rendered:
    beep_n = dsp.n_samples(params["beep_s"])
    freq = np.full(beep_n, params["freq_hz"])
    amps = {"sine": [1.0], "square": [1.0, 0, 0.25, 0, 0.1, 0, 0.05], "triangle": [1.0, 0, 0.11, 0, 0.04]}[params["waveform"]]
    beep = dsp.fades(dsp.additive(dsp.phase_from_freq(freq), freq, amps), 0.003, 0.005)
    step = params["beep_s"] + params["gap_s"]
    onsets = [round(i * step, 4) for i in range(params["count"])]
    y = np.zeros(dsp.n_samples(onsets[-1]) + beep_n + dsp.n_samples(0.05))
    for onset in onsets:
        dsp.place(y, beep, dsp.sample_index(onset))
    return Rendered(y, onsets, midi_pitch=int(round(hz_to_midi(params["freq_hz"]))), f0_hz=params["freq_hz"])


CHIME_SHAPES = {  # semitone steps from the first note
    1: [[0]],
    2: [[0, 7], [0, 5], [0, 4], [0, 12], [7, 0], [12, 0], [4, 0]],
    3: [[0, 4, 7], [0, 7, 12], [0, 5, 9], [7, 4, 0], [12, 7, 0], [0, 7, 4]],
    4: [[0, 4, 7, 12], [12, 7, 4, 0], [0, 7, 5, 12], [0, 2, 4, 7]],
}


def draw_notification(rng):
    count = pick(rng, [1, 2, 2, 3, 3, 4])
    shape = pick(rng, CHIME_SHAPES[count])
    base = int(rng.integers(72, 88))
    timbre = pick(rng, ["bell", "soft", "marimba"])
    direction = None if count == 1 else ("rising" if shape[-1] > shape[0] else "falling" if shape[-1] < shape[0] else None)
    params = {
        "pitches": [base + s for s in shape],
        "spacing_s": uniform(rng, 0.08, 0.22),
        "decay_s": uniform(rng, 0.2, 0.9),
        "timbre": timbre,
    }
    return params, {"count": count, "direction": direction, "timbre": timbre}


def render_notification(params: dict) -> Rendered:
    rng = _rng(params)
    partials = {
        "bell": [(1.0, 1.0), (2.0, 0.3), (2.76, 0.2), (5.4, 0.08)],
        "soft": [(1.0, 1.0), (2.0, 0.1)],
        "marimba": [(1.0, 1.0), (4.0, 0.25), (9.2, 0.05)],
    }[params["timbre"]]
    decay = params["decay_s"] * (0.35 if params["timbre"] == "marimba" else 1.0)
    onsets = [round(i * params["spacing_s"], 4) for i in range(len(params["pitches"]))]
    y = np.zeros(dsp.n_samples(onsets[-1] + 6 * decay) + 1)
    for onset, pitch in zip(onsets, params["pitches"]):
        f = midi_to_hz(pitch)
        note = dsp.modal_hit(
            rng,
            [f * r for r, _ in partials],
            [decay / (1 + i) for i in range(len(partials))],
            [a for _, a in partials],
            6 * decay,
        )
        note *= np.clip(dsp.times(len(note)) / 0.002, 0, 1)
        dsp.place(y, note, dsp.sample_index(onset))
    return Rendered(y, onsets, midi_pitch=params["pitches"][0], pitches=list(params["pitches"]))


def draw_click(rng):
    count = pick(rng, COUNTS)
    variant = pick(rng, ["ui", "ui", "mechanical", "soft"])
    params = {
        "count": count,
        "variant": variant,
        "spacing_s": uniform(rng, 0.12, 0.5),
        "jitter_s": uniform(rng, 0.0, 0.04),
        "tone_hz": log_uniform(rng, 1500, 6000),
    }
    return params, {"count": count, "variant": variant}


def _click(rng, params: dict) -> np.ndarray:
    n = dsp.n_samples(0.04)
    t = dsp.times(n)
    f = params["tone_hz"]
    tick = dsp.butter(dsp.white_noise(rng, n), "bandpass", (f / 2, min(f * 1.5, 7500))) * np.exp(-t / 0.0008)
    ring = np.sin(2 * np.pi * f * t) * np.exp(-t / 0.002) * 0.5
    y = tick + ring
    if params["variant"] == "mechanical":
        # A switch: the lever's click and, a few milliseconds later, the softer snap back.
        late = dsp.n_samples(rng.uniform(0.008, 0.015))
        y[late:] += 0.5 * y[: n - late]
    if params["variant"] == "soft":
        y = dsp.butter(y, "lowpass", 1500)
    return y


def render_click(params: dict) -> Rendered:
    rng = _rng(params)
    onsets = [0.0]
    for _ in range(params["count"] - 1):
        onsets.append(round(onsets[-1] + params["spacing_s"] + rng.uniform(0, params["jitter_s"]), 4))
    y = np.zeros(dsp.n_samples(onsets[-1] + 0.1))
    for onset in onsets:
        dsp.place(y, _click(rng, params), dsp.sample_index(onset), rng.uniform(0.8, 1.0))
    return Rendered(y, onsets)


DRAW = {"beep": draw_beep, "notification": draw_notification, "click": draw_click}
RENDER = {"beep": render_beep, "notification": render_notification, "click": render_click}
