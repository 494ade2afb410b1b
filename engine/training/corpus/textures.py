"""Procedural noise textures: rain, wind, surf, fire and engines.

Same contract as `effects`: `draw_*(rng) -> (params, attrs)`, `render_*(params) -> Rendered`.
Each texture is built the way the real sound arises (droplet impacts on a hiss bed, gusts
moving a band of turbulence, waves swelling and breaking, crackles over a roar, firing pulses
of cylinders), not as labelled noise. Frequencies in Hz, durations in seconds.
"""

from __future__ import annotations

import numpy as np

from . import dsp
from .clip import Rendered, pick, uniform


def _rng(params: dict) -> np.random.Generator:
    return np.random.default_rng(params["seed"])


def _at_frames(curve: np.ndarray, frame_times: np.ndarray) -> np.ndarray:
    """Sample a per-sample control curve at STFT frame times (s)."""
    idx = np.clip((frame_times * dsp.SAMPLE_RATE).astype(int), 0, len(curve) - 1)
    return curve[idx]


# --- rain ------------------------------------------------------------------------------------

RAIN_RATES_PER_S = {"light": 60.0, "moderate": 300.0, "heavy": 1500.0}
RAIN_BED_LEVEL = {"light": 0.15, "moderate": 0.4, "heavy": 1.0}


def draw_rain(rng):
    intensity = pick(rng, ["light", "moderate", "heavy"])
    surface = pick(rng, ["open", "open", "window", "roof", "leaves"])
    params = {
        "intensity": intensity,
        "surface": surface,
        "length_s": uniform(rng, 4.0, 10.0, 2),
        "rate_scale": uniform(rng, 0.7, 1.4, 2),
    }
    return params, {"intensity": intensity, "surface": surface}


def _droplet(rng, freq_hz: float, decay_s: float, chirp: float) -> np.ndarray:
    n = dsp.n_samples(6 * decay_s)
    t = dsp.times(n)
    # Drops on water ring with a rising pitch (a bubble shrinking); hard surfaces just tick.
    return np.sin(2 * np.pi * freq_hz * (t + 0.5 * chirp * t * t / decay_s)) * np.exp(-t / decay_s)


def render_rain(params: dict) -> Rendered:
    rng = _rng(params)
    n = dsp.n_samples(params["length_s"])
    intensity, surface = params["intensity"], params["surface"]
    band, decay, chirp = {
        "open": ((1200, 5000), (0.003, 0.008), 0.8),
        "window": ((2500, 7000), (0.0008, 0.002), 0.0),
        "roof": ((900, 3000), (0.006, 0.02), 0.0),
        "leaves": ((500, 2500), (0.002, 0.005), 0.2),
    }[surface]
    kernels = [_droplet(rng, np.exp(rng.uniform(*np.log(band))), rng.uniform(*decay), chirp) for _ in range(24)]
    count = rng.poisson(RAIN_RATES_PER_S[intensity] * params["rate_scale"] * params["length_s"])
    drops = dsp.impulse_bank(rng, n, rng.uniform(0, params["length_s"], count), rng.lognormal(0.0, 0.7, count), kernels)
    bed = dsp.butter(dsp.coloured_noise(rng, n, 1.0), "highpass", 400) * (0.85 + 0.15 * dsp.smooth_random(rng, n, 0.5))
    if surface == "window":
        bed = dsp.butter(bed, "lowpass", 3000)  # the glass muffles the wash behind it
    drops /= np.sqrt(np.mean(drops**2)) + 1e-12
    y = drops + RAIN_BED_LEVEL[intensity] * 1.5 * bed
    return Rendered(dsp.fades(y, 0.2, 0.2), [0.0])


# --- wind ------------------------------------------------------------------------------------


def draw_wind(rng):
    variant = pick(rng, ["breeze", "gusty", "howling", "storm"])
    params = {
        "variant": variant,
        "length_s": uniform(rng, 4.0, 10.0, 2),
        "gust_rate_hz": uniform(rng, 0.2, 0.7, 2),
        "base_hz": uniform(rng, 200, 500, 0),
        "whistle_hz": [uniform(rng, 400, 1100, 0) for _ in range(3)],
    }
    return params, {"variant": variant}


def render_wind(params: dict) -> Rendered:
    rng = _rng(params)
    n = dsp.n_samples(params["length_s"])
    variant = params["variant"]
    low, high, power = {
        "breeze": (0.3, 0.6, 1.0),
        "gusty": (0.08, 1.0, 2.0),
        "howling": (0.3, 1.0, 1.0),
        "storm": (0.4, 1.0, 1.0),
    }[variant]
    gust = dsp.smooth_random(rng, n, params["gust_rate_hz"], 0.0, 1.0) ** power
    gust = low + (high - low) * gust
    base = params["base_hz"] * (0.6 if variant == "breeze" else 1.0)

    def gains(t, f):
        g = _at_frames(gust, t)
        # Stronger wind moves more air faster: the turbulence band rises and widens.
        out = dsp.band_gain(f, base * (1.0 + 1.2 * g), 0.9 + 0.5 * g) * g[None, :]
        out = out + 0.5 * dsp.lowpass_gain(f, np.full_like(g, 200.0), 2.0) * g[None, :]
        if variant in ("howling", "storm"):
            for w in params["whistle_hz"]:
                out = out + 0.6 * dsp.band_gain(f, w * (0.8 + 0.5 * g), 0.03) * (g**2)[None, :]
        if variant == "storm":
            out = out + 1.2 * dsp.lowpass_gain(f, np.full_like(g, 150.0), 3.0) * g[None, :]
        return out

    y = dsp.shaped_noise(rng, n, gains)
    return Rendered(dsp.fades(y, 0.3, 0.3), [0.0])


# --- surf ------------------------------------------------------------------------------------


def draw_surf(rng):
    variant = pick(rng, ["crashing", "gentle"])
    params = {
        "variant": variant,
        "length_s": uniform(rng, 6.0, 10.0, 2),
        "first_s": uniform(rng, 0.3, 2.5, 2),
        "period_s": uniform(rng, 4.0, 7.5, 2),
    }
    return params, {"variant": variant}


def render_surf(params: dict) -> Rendered:
    rng = _rng(params)
    length = params["length_s"]
    n = dsp.n_samples(length)
    t = dsp.times(n)
    gentle = params["variant"] == "gentle"
    crashes = []
    at = params["first_s"]
    while at < length - 0.5:
        crashes.append(round(at, 3))
        at += params["period_s"] * rng.uniform(0.8, 1.25)
    level = np.full(n, 0.15)
    cutoff = np.full(n, 350.0)
    fizz = np.zeros(n)
    for c in crashes:
        swell_s, wash_s = rng.uniform(1.2, 2.2), rng.uniform(2.0, 3.5)
        strength = rng.uniform(0.5, 0.8) if gentle else rng.uniform(0.8, 1.0)
        before = np.clip(1.0 - (c - t) / swell_s, 0.0, 1.0) ** 2 * (t <= c)
        after = np.exp(-np.maximum(t - c, 0.0) / (wash_s / 3)) * (t > c)
        wave = strength * np.maximum(before, after)
        level = np.maximum(level, wave)
        # The breaking crest is bright; the swell before it and the wash after it are darker.
        cutoff = np.maximum(cutoff, 350.0 + (1500.0 if gentle else 4500.0) * wave**2)
        fizz = np.maximum(
            fizz, strength * np.exp(-np.maximum(t - c, 0.0) / (wash_s / 2)) * (t > c) * np.clip((t - c) / 0.3, 0, 1)
        )

    def gains(tt, f):
        return (
            dsp.lowpass_gain(f, _at_frames(cutoff, tt), 1.5) * _at_frames(level, tt)[None, :]
            + (0.15 if gentle else 0.3) * dsp.band_gain(f, 5000.0, 0.7) * _at_frames(fizz, tt)[None, :]
        )

    y = dsp.shaped_noise(rng, n, gains)
    return Rendered(dsp.fades(y, 0.3, 0.3), crashes)


# --- fire ------------------------------------------------------------------------------------


def draw_fire(rng):
    variant = pick(rng, ["campfire", "roaring", "fireplace"])
    params = {
        "variant": variant,
        "length_s": uniform(rng, 4.0, 10.0, 2),
        "crackle_rate": uniform(rng, 6.0, 40.0, 1),
        "pop_rate": uniform(rng, 0.3, 1.5, 2),
    }
    return params, {"variant": variant}


def _crackle_kernel(rng, low_hz: float, decay_s: float) -> np.ndarray:
    m = dsp.n_samples(8 * decay_s) + 8
    k = dsp.butter(dsp.white_noise(rng, m), "highpass", low_hz) * np.exp(-dsp.times(m) / decay_s)
    return k / (np.max(np.abs(k)) + 1e-12)


def render_fire(params: dict) -> Rendered:
    rng = _rng(params)
    length = params["length_s"]
    n = dsp.n_samples(length)
    variant = params["variant"]
    flicker = 0.6 + 0.4 * dsp.smooth_random(rng, n, 3.0)
    roar = dsp.butter(dsp.coloured_noise(rng, n, 2.0), "lowpass", 500) * flicker
    hiss = dsp.butter(dsp.coloured_noise(rng, n, 1.0), "highpass", 3000) * 0.08
    # Crackles come in little bursts of 1-4 clicks a few milliseconds apart.
    count = rng.poisson(params["crackle_rate"] * length)
    starts = rng.uniform(0, length, count)
    burst = rng.integers(1, 5, count)
    times_s = (
        np.concatenate([s + np.cumsum(rng.uniform(0.0005, 0.006, b)) for s, b in zip(starts, burst)]) if count else np.zeros(0)
    )
    amps = np.minimum(rng.pareto(1.5, len(times_s)) + 0.2, 6.0)
    crackles = dsp.impulse_bank(
        rng, n, times_s, amps, [_crackle_kernel(rng, lo, d) for lo, d in ((1500, 0.0004), (2500, 0.0003), (1000, 0.001))]
    )
    pops_n = rng.poisson(params["pop_rate"] * length)
    pops = dsp.impulse_bank(
        rng, n, rng.uniform(0, length, pops_n), rng.uniform(2.0, 5.0, pops_n), [_crackle_kernel(rng, 600, 0.004)]
    )
    crackles = (crackles + pops) / (np.sqrt(np.mean((crackles + pops) ** 2)) + 1e-12)
    roar /= np.sqrt(np.mean(roar**2)) + 1e-12
    mix = {"campfire": (0.6, 1.0), "roaring": (1.6, 0.5), "fireplace": (0.4, 0.6)}[variant]
    y = mix[0] * roar + mix[1] * crackles + hiss
    return Rendered(dsp.fades(y, 0.2, 0.2), [0.0])


# --- engines ---------------------------------------------------------------------------------

ENGINES = {  # cylinders, idle rpm range, peak rpm range, low-pass cutoff (Hz), rasp
    "car": (4, (700, 950), (3500, 5500), 3500, 0.3),
    "motorcycle": (2, (1000, 1400), (6000, 9000), 5000, 1.0),
    "truck": (6, (550, 750), (1800, 2500), 2000, 0.5),
}


def draw_engine(rng):
    vehicle = pick(rng, ["car", "car", "motorcycle", "truck"])
    action = pick(rng, ["idling", "revving", "accelerating"])
    cylinders, idle, peak, _, _ = ENGINES[vehicle]
    params = {
        "vehicle": vehicle,
        "action": action,
        "length_s": uniform(rng, 3.0, 8.0, 2),
        "idle_rpm": uniform(rng, *idle, 0),
        "peak_rpm": uniform(rng, *peak, 0),
        "revs": int(rng.integers(1, 3)),
        "pulse_sharpness": uniform(rng, 3.0, 8.0, 1),
    }
    return params, {"vehicle": vehicle, "action": action}


def _rpm_curve(rng, params: dict, n: int) -> np.ndarray:
    t = dsp.times(n)
    idle, peak = params["idle_rpm"], params["peak_rpm"]
    wobble = 1.0 + 0.03 * (dsp.smooth_random(rng, n, 2.0) - 0.5)
    if params["action"] == "idling":
        return idle * wobble
    if params["action"] == "revving":
        rpm = np.full(n, idle)
        length = n / dsp.SAMPLE_RATE
        for k in range(params["revs"]):
            start = 0.6 + k * (length - 0.6) / params["revs"]
            rise = np.clip((t - start) / 0.45, 0, 1)
            fall = np.exp(-np.maximum(t - start - 0.6, 0) / 0.5)
            rpm = np.maximum(rpm, idle + (peak - idle) * np.where(t < start + 0.6, rise, fall))
        return rpm * wobble
    # accelerating through gears: each gear climbs, then the revs drop at the shift
    gears = 3
    u = t / t[-1]
    within = (u * gears) % 1.0
    return (idle + (peak - idle) * (0.35 + 0.65 * within) * (u > 0.05)) * wobble


def render_engine(params: dict) -> Rendered:
    rng = _rng(params)
    n = dsp.n_samples(params["length_s"])
    cylinders, _, _, cutoff, rasp = ENGINES[params["vehicle"]]
    rpm = _rpm_curve(rng, params, n)
    fire_hz = rpm / 60.0 * cylinders / 2.0  # four-stroke: each cylinder fires every other turn
    phase = dsp.phase_from_freq(fire_hz)
    pulses = np.exp(-(phase % 1.0) * params["pulse_sharpness"])
    # Cylinder-to-cylinder differences make the "putt-putt" uneven, as in a real engine.
    cycle = np.floor(phase).astype(int)
    unevenness = rng.uniform(0.75, 1.0, cycle.max() + 2)[cycle]
    exhaust = dsp.butter(dsp.white_noise(rng, n), "lowpass", 600) * pulses * unevenness
    tone = dsp.additive(phase, fire_hz, [1.0 / k**1.2 * rng.uniform(0.7, 1.3) for k in range(1, 13)])
    mechanical = dsp.butter(dsp.white_noise(rng, n), "bandpass", (1200, 3500)) * pulses * 0.08
    y = 0.8 * exhaust / (np.std(exhaust) + 1e-12) + 0.6 * tone / (np.std(tone) + 1e-12) + mechanical / (np.std(exhaust) + 1e-12)
    y = np.tanh((1.0 + 2.0 * rasp) * y / (np.max(np.abs(y)) + 1e-12))
    y = dsp.butter(y, "lowpass", cutoff)
    extra = {
        "firing_hz_mean": round(float(np.mean(fire_hz)), 2),
        "rpm_min": round(float(rpm.min())),
        "rpm_max": round(float(rpm.max())),
    }
    f0 = round(float(np.median(fire_hz)), 2) if params["action"] == "idling" else None
    return Rendered(dsp.fades(y, 0.1, 0.2), [0.0], f0_hz=f0, extra=extra)


DRAW = {"rain": draw_rain, "wind": draw_wind, "surf": draw_surf, "fire": draw_fire, "engine": draw_engine}
RENDER = {"rain": render_rain, "wind": render_wind, "surf": render_surf, "fire": render_fire, "engine": render_engine}
