"""Procedural textures: deep rumbles and crackles.

Same contract as `effects`: `draw_*(rng) -> (params, attrs)`, `render_*(params) -> Rendered`.
A rumble is low-passed brown noise given the slow shape of its cause (thunder rolling in and
out, the ground shaking with loose things rattling, a train passing overhead with its rail
joints knocking); a crackle is sparse, sharp impulses over a bed (a record's dust and scratches
coming round with every turn, radio static, electric sparks snapping on a mains buzz).
Frequencies in Hz, durations in seconds.
"""

from __future__ import annotations

import numpy as np

from . import dsp
from .clip import Rendered, pick, uniform


def _rng(params: dict) -> np.random.Generator:
    return np.random.default_rng(params["seed"])


def _unit(x: np.ndarray) -> np.ndarray:
    return x / (np.sqrt(np.mean(x**2)) + 1e-12)


def _tick(rng, low_hz: float, decay_s: float) -> np.ndarray:
    m = dsp.n_samples(8 * decay_s) + 8
    k = dsp.butter(dsp.white_noise(rng, m), "highpass", low_hz) * np.exp(-dsp.times(m) / decay_s)
    return k / (np.max(np.abs(k)) + 1e-12)


# --- rumbles ---------------------------------------------------------------------------------


def draw_rumble(rng):
    variant = pick(rng, ["thunder", "earthquake", "train", "deep"])
    params = {
        "variant": variant,
        "length_s": uniform(rng, 4.0, 10.0, 2),
        "cutoff_hz": uniform(rng, 90.0, 220.0, 0),
        "rolls": int(rng.integers(1, 4)),
        "clack_hz": uniform(rng, 1.0, 3.0, 2),  # rail joints passing per second
    }
    return params, {"variant": variant}


def render_rumble(params: dict) -> Rendered:
    rng = _rng(params)
    length = params["length_s"]
    n = dsp.n_samples(length)
    t = dsp.times(n)
    variant, cutoff = params["variant"], params["cutoff_hz"]
    body = _unit(dsp.butter(dsp.coloured_noise(rng, n, 2.0), "lowpass", cutoff, order=4))
    onsets = [0.0]
    if variant == "thunder":
        # Distant thunder: a few rolls, each swelling in over a fraction of a second and
        # rumbling away, the sound of one flash arriving from points along the bolt.
        onsets = sorted(round(float(x), 3) for x in rng.uniform(0.1, 0.5 * length, params["rolls"]))
        env = np.zeros(n)
        for at in onsets:
            u = t - at
            env = np.maximum(env, np.clip(u / 0.4, 0, 1) * np.exp(-np.maximum(u, 0) / rng.uniform(1.0, 2.5)))
        env *= 0.6 + 0.4 * dsp.smooth_random(rng, n, 6.0)
        y = body * env
    elif variant == "earthquake":
        env = np.clip(t / (0.3 * length), 0, 1) * (0.7 + 0.3 * dsp.smooth_random(rng, n, 1.5))
        # Loose things rattling: bursts of small ticks while the shaking is strong.
        count = rng.poisson(15 * length)
        times_s = rng.uniform(0.3 * length, length, count)
        kernels = [_tick(rng, 800, 0.004), _tick(rng, 1500, 0.002)]
        rattle = dsp.impulse_bank(rng, n, times_s, rng.uniform(0.2, 1.0, count), kernels)
        y = body * env + 0.15 * _unit(rattle) * env
    elif variant == "train":
        # A train passing: the roar rises and falls, and the wheels knock at each rail joint in pairs.
        centre = rng.uniform(0.4, 0.6) * length
        env = np.exp(-0.5 * ((t - centre) / (0.25 * length)) ** 2)
        joints = np.arange(0.2, length, 1.0 / params["clack_hz"])
        times_s = np.sort(np.concatenate([joints, joints + rng.uniform(0.08, 0.15)]))
        times_s = times_s[times_s < length]
        clack = dsp.impulse_bank(rng, n, times_s, np.ones(len(times_s)), [_tick(rng, 200, 0.01)])
        y = (body + 0.3 * _unit(dsp.butter(clack, "lowpass", 1200))) * env
    else:  # a deep, steady rumble, swelling slowly
        y = body * (0.6 + 0.4 * dsp.smooth_random(rng, n, 0.3))
    return Rendered(dsp.fades(y, 0.2, 0.3), onsets)


# --- crackles --------------------------------------------------------------------------------

RPM = {"33": 100 / 3, "45": 45.0}


def draw_crackle(rng):
    variant = pick(rng, ["vinyl", "vinyl", "static", "sparks"])
    params = {
        "variant": variant,
        "length_s": uniform(rng, 3.0, 8.0, 2),
        "rate_hz": uniform(rng, 3.0, 25.0, 1),  # crackles per second
        "rpm": pick(rng, list(RPM)),
        "mains_hz": pick(rng, [50, 60]),
    }
    return params, {"variant": variant}


def render_crackle(params: dict) -> Rendered:
    rng = _rng(params)
    length = params["length_s"]
    n = dsp.n_samples(length)
    variant = params["variant"]
    count = rng.poisson(params["rate_hz"] * length * (4 if variant == "static" else 1))
    times_s = rng.uniform(0, length, count)
    amps = np.minimum(rng.pareto(1.5, count) + 0.2, 6.0)
    kernels = [_tick(rng, 1500, 0.0003), _tick(rng, 3000, 0.0002), _tick(rng, 700, 0.0008)]
    if variant == "vinyl":
        # A scratch comes round once per turn of the record.
        turn = 60.0 / RPM[params["rpm"]]
        scratch = np.arange(rng.uniform(0, turn), length, turn)
        times_s = np.concatenate([times_s, scratch])
        amps = np.concatenate([amps, np.full(len(scratch), 4.0)])
        bed = dsp.butter(dsp.coloured_noise(rng, n, 1.0), "bandpass", (300, 6000))
    elif variant == "static":
        gate = (dsp.smooth_random(rng, n, 4.0) > 0.4).astype(float)
        bed = dsp.butter(dsp.white_noise(rng, n), "bandpass", (400, 5000)) * gate
    else:  # sparks: a buzzing arc flaring up and dying, with snapping discharges
        t = dsp.times(n)
        flare = dsp.smooth_random(rng, n, 3.0) ** 3
        buzz = np.tanh(5 * np.sin(2 * np.pi * 2 * params["mains_hz"] * t))
        bed = dsp.butter(buzz + 0.5 * dsp.white_noise(rng, n), "highpass", 500) * flare
        amps = amps * 1.5
    crackles = dsp.impulse_bank(rng, n, times_s, amps, kernels)
    y = _unit(crackles) + _unit(bed) * {"vinyl": 0.15, "static": 0.8, "sparks": 0.9}[variant]
    return Rendered(dsp.fades(y, 0.05, 0.1), [0.0])


DRAW = {"rumble": draw_rumble, "crackle": draw_crackle}
RENDER = {"rumble": render_rumble, "crackle": render_crackle}
