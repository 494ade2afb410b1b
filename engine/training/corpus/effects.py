"""Procedural sound effects: impacts, explosions, whooshes, risers, downlifters, sweeps, lasers,
sirens and drones.

Each sound has a `draw_*(rng) -> (params, attrs)` that decides everything about one clip and a
`render_*(params) -> Rendered` that makes it; `params["seed"]` (added by the caller) seeds the
noise, so a clip is reproducible from its stored parameters alone. Frequencies are in Hz,
durations in seconds.
"""

from __future__ import annotations

import numpy as np

from soundloom.engine.pitch import hz_to_midi, midi_to_hz

from . import dsp
from .clip import Rendered, log_uniform, pick, uniform
from .music import note_name

DURATION_CHOICES_S = (1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0)


def _rng(params: dict) -> np.random.Generator:
    return np.random.default_rng(params["seed"])


# --- impacts ---------------------------------------------------------------------------------


def draw_impact(rng):
    variant = pick(rng, ["cinematic", "metal", "wood", "punch", "thud"])
    size = pick(rng, ["small", "big"])
    count = pick(rng, [1, 1, 1, 1, 2, 3])
    params = {"variant": variant, "size": size, "count": count, "spacing_s": uniform(rng, 0.3, 0.9)}
    return params, {"variant": variant, "size": size, "count": count}


def _impact_hit(rng, variant: str, big: bool) -> np.ndarray:
    if variant == "cinematic":
        n = dsp.n_samples(3.5 if big else 2.0)
        t = dsp.times(n)
        f_hi, f_lo = (90.0, 34.0) if big else (150.0, 55.0)
        freq = f_lo + (f_hi - f_lo) * np.exp(-t / 0.06)
        body = np.sin(2 * np.pi * dsp.phase_from_freq(freq)) * dsp.ad_envelope(n, 0.002, 0.9 if big else 0.4)
        crack = dsp.butter(dsp.white_noise(rng, n), "lowpass", 4000) * dsp.ad_envelope(n, 0.001, 0.05)
        rumble = dsp.butter(dsp.coloured_noise(rng, n, 2.0), "lowpass", 160) * dsp.ad_envelope(n, 0.01, 1.2 if big else 0.5)
        y = body + 0.5 * crack + 0.6 * rumble
        return dsp.room(rng, y, 2.5 if big else 1.2, 0.3)
    if variant == "metal":
        f0 = rng.uniform(120, 300) if big else rng.uniform(300, 900)
        ratios = [
            1.0,
            rng.uniform(2.1, 2.5),
            rng.uniform(3.3, 3.9),
            rng.uniform(4.9, 5.7),
            rng.uniform(6.8, 8.0),
            rng.uniform(9.0, 10.5),
        ]
        decays = [rng.uniform(0.8, 2.0) / (1 + 0.4 * i) for i in range(len(ratios))]
        amps = [rng.uniform(0.4, 1.0) / (1 + 0.3 * i) for i in range(len(ratios))]
        y = dsp.modal_hit(rng, [f0 * r for r in ratios], decays, amps, 2.5)
        click = dsp.butter(dsp.white_noise(rng, len(y)), "highpass", 2000) * dsp.ad_envelope(len(y), 0.0005, 0.004)
        return dsp.room(rng, y + 0.5 * click, 0.8, 0.2)
    if variant == "wood":
        f0 = rng.uniform(150, 350) if big else rng.uniform(350, 800)
        ratios = [1.0, rng.uniform(2.5, 2.8), rng.uniform(4.0, 4.6), rng.uniform(6.0, 6.8)]
        decays = [rng.uniform(0.06, 0.16) / (1 + 0.6 * i) for i in range(len(ratios))]
        y = dsp.modal_hit(rng, [f0 * r for r in ratios], decays, [1.0, 0.6, 0.4, 0.2], 0.6)
        knock = dsp.butter(dsp.white_noise(rng, len(y)), "bandpass", (800, 3000)) * dsp.ad_envelope(len(y), 0.0005, 0.008)
        return dsp.room(rng, y + 0.6 * knock, 0.5, 0.15)
    if variant == "punch":
        n = dsp.n_samples(0.8)
        t = dsp.times(n)
        freq = 55.0 + (150.0 if big else 200.0) * np.exp(-t / 0.02)
        body = np.sin(2 * np.pi * dsp.phase_from_freq(freq)) * dsp.ad_envelope(n, 0.001, 0.18 if big else 0.1)
        slap = dsp.butter(dsp.white_noise(rng, n), "bandpass", (1000, 4500)) * dsp.ad_envelope(n, 0.0005, 0.02)
        return np.tanh(2.0 * (body + 0.7 * slap)) / 2.0
    # thud: a soft, dull hit of something heavy on something soft
    n = dsp.n_samples(0.9)
    t = dsp.times(n)
    low = np.sin(2 * np.pi * (rng.uniform(55, 90) if big else rng.uniform(90, 140)) * t) * dsp.ad_envelope(n, 0.003, 0.14)
    dull = dsp.butter(dsp.white_noise(rng, n), "lowpass", 450 if big else 700) * dsp.ad_envelope(n, 0.002, 0.1)
    return low + 0.8 * dull


def render_impact(params: dict) -> Rendered:
    rng = _rng(params)
    big = params["size"] == "big"
    hits = [_impact_hit(rng, params["variant"], big) for _ in range(params["count"])]
    onsets = [round(i * params["spacing_s"], 4) for i in range(params["count"])]
    out = np.zeros(dsp.n_samples(onsets[-1]) + max(len(h) for h in hits))
    for onset, hit in zip(onsets, hits):
        dsp.place(out, hit, dsp.sample_index(onset), rng.uniform(0.75, 1.0))
    return Rendered(dsp.fades(out, 0.0005), onsets)


# --- explosions ------------------------------------------------------------------------------


def draw_explosion(rng):
    distance = pick(rng, ["near", "near", "distant"])
    size = pick(rng, ["small", "big"])
    params = {"distance": distance, "size": size, "length_s": uniform(rng, 3.0, 6.0, 2)}
    return params, {"distance": distance, "size": size}


def render_explosion(params: dict) -> Rendered:
    rng = _rng(params)
    n = dsp.n_samples(params["length_s"])
    big = params["size"] == "big"
    blast_decay = 0.9 if big else 0.45
    # The blast: broadband noise whose brightness collapses quickly, like a pressure wave.
    blast = dsp.shaped_noise(
        rng, n, lambda t, f: dsp.lowpass_gain(f, 250.0 + 5000.0 * np.exp(-t / 0.25), 1.5) * np.exp(-t / blast_decay)[None, :]
    )
    crack = dsp.white_noise(rng, n) * dsp.ad_envelope(n, 0.0005, 0.012)
    rumble = dsp.butter(dsp.coloured_noise(rng, n, 2.0), "lowpass", 180) * dsp.ad_envelope(n, 0.02, 1.8 if big else 0.9)
    # Debris: sparse small crackles falling in the tail.
    debris = np.zeros(n)
    for _ in range(int(rng.integers(15, 50))):
        at = int(rng.uniform(0.15, 0.8) * n)
        tick = dsp.butter(dsp.white_noise(rng, 120), "highpass", 1500) * np.exp(-np.arange(120) / 20)
        dsp.place(debris, tick, at, rng.uniform(0.02, 0.15) * np.exp(-at / n * 3))
    y = 1.0 * blast + 0.7 * crack + 0.9 * rumble + debris
    y = np.tanh(1.5 * y / (np.max(np.abs(y)) + 1e-9))
    y = dsp.butter(y, "highpass", 28)  # below ~30 Hz is pressure no speaker plays; keep the body audible
    if params["distance"] == "distant":
        # Air absorbs the highs and the crack; what arrives is a low boom in a wide space.
        y = dsp.butter(y, "lowpass", 700, order=4)
        y = dsp.room(rng, y, 3.0, 0.45, tone_hz=1500)
    else:
        y = dsp.room(rng, y, 1.8, 0.2)
    return Rendered(dsp.fades(y, 0.0005, 0.1), [0.0])


# --- whooshes --------------------------------------------------------------------------------


def draw_whoosh(rng):
    variant = pick(rng, ["air", "air", "heavy", "swish"])
    length = uniform(rng, 0.15, 0.35, 2) if variant == "swish" else uniform(rng, 0.35, 1.8, 2)
    speed = "fast" if length < 0.6 else ("slow" if length > 1.2 else "medium")
    params = {
        "variant": variant,
        "length_s": length,
        "attack_shape": uniform(rng, 1.0, 3.5, 2),
        "release_shape": uniform(rng, 1.0, 3.5, 2),
        "low_hz": log_uniform(rng, 200, 600),
        "high_hz": log_uniform(rng, 1500, 5500),
        "width_octaves": uniform(rng, 0.6, 1.3, 2),
    }
    return params, {"variant": variant, "speed": speed, "duration_s": length}


def render_whoosh(params: dict) -> Rendered:
    rng = _rng(params)
    length = params["length_s"]
    n = dsp.n_samples(length + 0.15)
    a, b = params["attack_shape"], params["release_shape"]
    peak_at = a / (a + b)

    def bell(t):
        u = np.clip(t / length, 0.0, 1.0)
        shape = u**a * (1.0 - u) ** b
        return shape / (peak_at**a * (1.0 - peak_at) ** b)

    lo, hi = params["low_hz"], params["high_hz"]
    if params["variant"] == "swish":
        lo, hi = lo * 4, min(hi * 1.3, 7000.0)
    y = dsp.shaped_noise(
        rng, n, lambda t, f: dsp.band_gain(f, lo * (hi / lo) ** bell(t), params["width_octaves"]) * bell(t)[None, :]
    )
    if params["variant"] == "heavy":
        body = dsp.shaped_noise(rng, n, lambda t, f: dsp.lowpass_gain(f, 120 + 300 * bell(t), 3) * bell(t)[None, :])
        y = y + 1.5 * body * np.std(y) / (np.std(body) + 1e-12)
    return Rendered(dsp.fades(y, 0.002, 0.02), [0.0])


# --- risers and downlifters ------------------------------------------------------------------


def draw_riser(rng):
    return _draw_lift(rng, rising=True)


def draw_downlifter(rng):
    return _draw_lift(rng, rising=False)


def _draw_lift(rng, rising: bool):
    length = pick(rng, DURATION_CHOICES_S if rising else DURATION_CHOICES_S[:5])
    layers = pick(rng, ["noise", "tone", "noise+tone", "noise+tone"])
    start = int(rng.integers(36, 60)) if rising else int(rng.integers(60, 84))
    span = pick(rng, [12, 24, 36])
    params = {
        "length_s": length,
        "layers": layers,
        "start_pitch": start,
        "span_semitones": span if rising else -span,
        "stutter": bool(rng.random() < 0.25) if rising else False,
        "harmonics": int(rng.integers(3, 12)),
    }
    attrs = {"duration_s": length, "layers": layers, "stutter": params["stutter"]}
    return params, attrs


def _render_lift(params: dict, rising: bool) -> Rendered:
    rng = _rng(params)
    length = params["length_s"]
    tail = 0.25
    n = dsp.n_samples(length + tail)
    t = dsp.times(n)
    u = np.clip(t / length, 0.0, 1.0)
    # Risers swell towards the end and stop with a 50 ms release; downlifters start at full
    # level and fade away.
    if rising:
        env = u**2.0 * np.where(t > length, np.exp(-(t - length) / 0.05), 1.0)
    else:
        env = (1.0 - u) ** 1.5
    pitch = params["start_pitch"] + params["span_semitones"] * u
    freq = 440.0 * 2.0 ** ((pitch - 69.0) / 12.0)
    y = np.zeros(n)
    if "tone" in params["layers"]:
        amps = [1.0 / k for k in range(1, params["harmonics"] + 1)]
        voices = sum(dsp.additive(dsp.phase_from_freq(freq * d), freq * d, amps) for d in (1.0, 1.004, 0.996))
        y += voices / 3.0
    if "noise" in params["layers"]:
        centre = (
            (lambda tt: 400.0 * (12.0 ** np.clip(tt / length, 0, 1)))
            if rising
            else (lambda tt: 5000.0 / (15.0 ** np.clip(tt / length, 0, 1)))
        )
        noise = dsp.shaped_noise(rng, n, lambda tt, f: dsp.band_gain(f, centre(tt), 1.2))
        y += noise * (np.std(y) / (np.std(noise) + 1e-12) if np.std(y) > 0 else 1.0)
    if params["stutter"]:
        # A gate that speeds up from 4 to 24 Hz, the classic build-up stutter.
        rate = 4.0 + 20.0 * u**2
        gate = 0.5 + 0.5 * np.sign(np.sin(2 * np.pi * dsp.phase_from_freq(rate)))
        y *= dsp.butter(gate, "lowpass", 300)
    y = y * env
    return Rendered(
        dsp.fades(y, 0.003, 0.02),
        [0.0],
        extra={"start_hz": round(float(freq[0]), 2), "end_hz": round(float(freq[dsp.n_samples(length) - 1]), 2)},
    )


def render_riser(params: dict) -> Rendered:
    return _render_lift(params, rising=True)


def render_downlifter(params: dict) -> Rendered:
    return _render_lift(params, rising=False)


# --- sweeps ----------------------------------------------------------------------------------


def draw_sweep(rng):
    direction = pick(rng, ["rising", "falling"])
    low, high = log_uniform(rng, 40, 400, 0), log_uniform(rng, 2000, 7000, 0)
    length = pick(rng, (0.5, 1.0, 1.0, 1.5, 2.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0))
    waveform = pick(rng, ["sine", "sine", "sine", "sawtooth", "square"])
    law = pick(rng, ["exponential", "exponential", "linear"])
    start, end = (low, high) if direction == "rising" else (high, low)
    params = {"start_hz": start, "end_hz": end, "length_s": length, "waveform": waveform, "law": law}
    return params, {"direction": direction, "duration_s": length, "start_hz": start, "end_hz": end, "waveform": waveform}


def render_sweep(params: dict) -> Rendered:
    n = dsp.n_samples(params["length_s"])
    u = np.arange(n) / n
    f0, f1 = params["start_hz"], params["end_hz"]
    freq = f0 * (f1 / f0) ** u if params["law"] == "exponential" else f0 + (f1 - f0) * u
    phase = dsp.phase_from_freq(freq)
    amps = {"sine": [1.0], "sawtooth": dsp.saw_amps(40), "square": dsp.square_amps(40)}[params["waveform"]]
    y = dsp.additive(phase, freq, amps)
    return Rendered(dsp.fades(y, 0.01, 0.01), [0.0], extra={"start_hz": f0, "end_hz": f1})


# --- lasers ----------------------------------------------------------------------------------


def draw_laser(rng):
    variant = pick(rng, ["zap", "zap", "blaster", "charge"])
    count = 1 if variant == "charge" else pick(rng, [1, 1, 2, 3, 4])
    params = {
        "variant": variant,
        "count": count,
        "spacing_s": uniform(rng, 0.15, 0.45),
        "zap_s": uniform(rng, 0.08, 0.35),
        "high_hz": log_uniform(rng, 1200, 4500),
        "low_hz": log_uniform(rng, 150, 700),
        "vibrato_hz": uniform(rng, 25, 80, 1),
        "vibrato_depth": uniform(rng, 0.0, 0.12),
        "odd_harmonics": bool(rng.random() < 0.6),
    }
    return params, {"variant": variant, "count": count}


def _zap(rng, params: dict, rising: bool) -> np.ndarray:
    length = params["zap_s"] if not rising else 0.8
    n = dsp.n_samples(length)
    u = np.arange(n) / n
    hi, lo = params["high_hz"], params["low_hz"]
    freq = lo * (hi / lo) ** (u**0.6) if rising else lo + (hi - lo) * np.exp(-5.0 * u)
    freq = freq * (1.0 + params["vibrato_depth"] * np.sin(2 * np.pi * params["vibrato_hz"] * dsp.times(n)))
    amps = dsp.square_amps(9) if params["odd_harmonics"] else dsp.saw_amps(9)
    y = dsp.additive(dsp.phase_from_freq(freq), freq, amps)
    env = u**1.5 if rising else np.exp(-3.0 * u) * np.clip(dsp.times(n) / 0.002, 0, 1)
    return y * env


def render_laser(params: dict) -> Rendered:
    rng = _rng(params)
    if params["variant"] == "charge":
        # A charge-up whine that ends in one zap: two events, the (gradual) start of the
        # charge and the zap.
        charge = _zap(rng, params, rising=True) * 0.5
        zap = _zap(rng, params, rising=False)
        y = np.concatenate([charge, zap])
        onsets = [0.0, round(len(charge) / dsp.SAMPLE_RATE, 4)]
    else:
        onsets = [round(i * params["spacing_s"], 4) for i in range(params["count"])]
        y = np.zeros(dsp.n_samples(onsets[-1] + params["zap_s"]) + 1)
        for onset in onsets:
            dsp.place(y, _zap(rng, params, rising=False), dsp.sample_index(onset))
        if params["variant"] == "blaster":
            y = np.tanh(3.0 * y) + 0.3 * dsp.butter(dsp.white_noise(rng, len(y)), "highpass", 3000) * (np.abs(y) > 0.05)
    y = dsp.room(rng, np.concatenate([y, np.zeros(dsp.n_samples(0.3))]), 0.6, 0.15)
    return Rendered(dsp.fades(y, 0.0005), onsets, extra={"start_hz": params["high_hz"], "end_hz": params["low_hz"]})


# --- sirens ----------------------------------------------------------------------------------


def draw_siren(rng):
    kind = pick(rng, ["wail", "yelp", "hi-lo", "air raid"])
    params = {
        "kind": kind,
        "length_s": uniform(rng, 3.0, 8.0, 2),
        "low_hz": log_uniform(rng, 500, 800),
        "high_hz": log_uniform(rng, 1100, 1600),
        "period_s": uniform(rng, 2.5, 5.0, 2)
        if kind == "wail"
        else uniform(rng, 0.25, 0.45, 3)
        if kind == "yelp"
        else uniform(rng, 0.8, 1.4, 2),
        "distant": bool(rng.random() < 0.3),
    }
    return params, {"kind": kind, "distant": params["distant"]}


def render_siren(params: dict) -> Rendered:
    rng = _rng(params)
    n = dsp.n_samples(params["length_s"])
    t = dsp.times(n)
    lo, hi, period = params["low_hz"], params["high_hz"], params["period_s"]
    kind = params["kind"]
    if kind == "wail":
        freq = lo + (hi - lo) * (0.5 - 0.5 * np.cos(2 * np.pi * t / period))
    elif kind == "yelp":
        freq = lo + (hi - lo) * ((t / period) % 1.0) ** 0.7
    elif kind == "hi-lo":
        square = np.sign(np.sin(2 * np.pi * t / period))
        freq = np.sqrt(lo * hi * 0.7) * 2 ** (dsp.butter(square, "lowpass", 40) * 2.5 / 12)
    else:  # air raid: a slow climb from a growl, a long hold, and a fall
        climb = np.clip(t / (0.4 * params["length_s"]), 0, 1)
        fall = np.clip((params["length_s"] - t) / (0.25 * params["length_s"]), 0, 1)
        freq = 120.0 + (lo - 120.0) * np.minimum(climb**0.7, fall)
    y = dsp.additive(dsp.phase_from_freq(freq), freq, [1.0, 0.5, 0.35, 0.25, 0.18, 0.12, 0.08])
    if params["distant"]:
        y = dsp.room(rng, dsp.butter(y, "lowpass", 2500), 2.0, 0.5)
    return Rendered(dsp.fades(y, 0.05, 0.1), [0.0], f0_hz=None)


# --- drones and hums -------------------------------------------------------------------------


def draw_drone(rng):
    kind = pick(rng, ["hum", "synth", "synth", "dark"])
    if kind == "hum":
        mains = pick(rng, [50, 60])
        f0 = mains * pick(rng, [1, 1, 2])  # transformers hum at twice the mains frequency
        params = {"kind": kind, "f0_hz": float(f0), "mains_hz": mains, "buzz": uniform(rng, 0.0, 0.8, 2)}
    else:
        pitch = int(rng.integers(28, 56))
        params = {"kind": kind, "pitch": pitch, "f0_hz": round(midi_to_hz(pitch), 3), "detune_cents": uniform(rng, 3, 12, 1)}
    params["length_s"] = uniform(rng, 3.0, 10.0, 2)
    attrs = {"kind": kind, "f0_hz": params["f0_hz"]}
    if kind != "hum":
        attrs["note"] = note_name(params["pitch"])
    return params, attrs


def render_drone(params: dict) -> Rendered:
    rng = _rng(params)
    n = dsp.n_samples(params["length_s"])
    f0 = params["f0_hz"]
    if params["kind"] == "hum":
        freq = np.full(n, f0)
        amps = [1.0, 0.6, 0.45, 0.2, 0.25, 0.1, 0.12, 0.05]
        y = dsp.additive(dsp.phase_from_freq(freq), freq, amps)
        buzz = np.tanh(6.0 * np.sin(2 * np.pi * 2 * params["mains_hz"] * dsp.times(n)))
        y = y + params["buzz"] * 0.3 * dsp.butter(buzz, "bandpass", (300, 3000))
        y = y + 0.02 * dsp.coloured_noise(rng, n, 1.0)
        pitch = int(round(hz_to_midi(f0)))
    else:
        brightness = dsp.smooth_random(rng, n, 0.4, 2.0, 12.0)
        y = np.zeros(n)
        detune = params["detune_cents"]
        for cents in (-detune, 0.0, detune):
            freq = np.full(n, f0 * 2 ** (cents / 1200))
            phase = dsp.phase_from_freq(freq) + rng.uniform(0, 1)
            for k in range(1, 24):
                if k * f0 > dsp.NYQUIST * 0.9:
                    break
                y += np.sin(2 * np.pi * k * phase) / k * np.exp(-k / brightness)
        if params["kind"] == "dark":
            y = dsp.butter(y, "lowpass", 900) + 0.3 * dsp.butter(
                dsp.coloured_noise(rng, n, 2.0), "lowpass", 300
            ) * dsp.smooth_random(rng, n, 0.3)
        y *= 0.8 + 0.2 * dsp.smooth_random(rng, n, 0.5)
        pitch = params["pitch"]
    return Rendered(dsp.fades(y, 0.3, 0.3), [0.0], midi_pitch=pitch, f0_hz=f0)


DRAW = {
    "impact": draw_impact,
    "explosion": draw_explosion,
    "whoosh": draw_whoosh,
    "riser": draw_riser,
    "downlifter": draw_downlifter,
    "sweep": draw_sweep,
    "laser": draw_laser,
    "siren": draw_siren,
    "drone": draw_drone,
}
RENDER = {
    "impact": render_impact,
    "explosion": render_explosion,
    "whoosh": render_whoosh,
    "riser": render_riser,
    "downlifter": render_downlifter,
    "sweep": render_sweep,
    "laser": render_laser,
    "siren": render_siren,
    "drone": render_drone,
}
