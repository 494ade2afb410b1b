"""Procedural mechanical sounds: ratchets, electric motors and servos, and gears.

Same contract as `effects`: `draw_*(rng) -> (params, attrs)`, `render_*(params) -> Rendered`.
A ratchet is a pawl snapping over teeth (a train of small modal clicks whose rate follows the
hand or the wheel); a motor is a rotation whose harmonics, gear-mesh whine and brush noise all
sweep with its speed; gears are tooth impacts at the mesh rate ringing the metal they are made
of. Frequencies in Hz, durations in seconds.
"""

from __future__ import annotations

import numpy as np

from . import dsp, modal
from .clip import Rendered, pick, uniform


def _rng(params: dict) -> np.random.Generator:
    return np.random.default_rng(params["seed"])


def _times_from_rate(rate_hz: np.ndarray) -> np.ndarray:
    """Event times (s) of a train whose rate (events per second, per sample) varies: an event
    wherever the running count crosses a whole number."""
    count = dsp.phase_from_freq(rate_hz)
    return np.flatnonzero(np.diff(np.floor(count)) > 0) / dsp.SAMPLE_RATE


# --- ratchets --------------------------------------------------------------------------------

PAWL_RING_S = 0.008  # decay time constant of a pawl click
RATCHETS = {  # variant: (pawl material, click rate range in clicks per second)
    "wrench": ("metal", (14.0, 35.0)),
    "zip tie": ("plastic", (25.0, 60.0)),
    "crank": ("metal", (5.0, 14.0)),
    "freewheel": ("metal", (20.0, 60.0)),
}


def draw_ratchet(rng):
    variant = pick(rng, list(RATCHETS))
    rate = uniform(rng, *RATCHETS[variant][1], 1)
    params = {
        "variant": variant,
        "rate_hz": rate,
        "strokes": int(rng.integers(2, 6)) if variant == "wrench" else 1,
        "length_s": uniform(rng, 1.5, 4.0, 2),
        "tune": uniform(rng, 0.8, 1.25),
    }
    speed = "fast" if rate > sum(RATCHETS[variant][1]) / 2 else "slow"
    return params, {"variant": variant, "speed": speed, "count": params["strokes"] if variant == "wrench" else None}


def render_ratchet(params: dict) -> Rendered:
    rng = _rng(params)
    variant, length = params["variant"], params["length_s"]
    n = dsp.n_samples(length)
    t = dsp.times(n)
    material = RATCHETS[variant][0]
    rate = np.full(n, params["rate_hz"])
    gate = np.ones(n)
    onsets = [0.0]
    if variant == "wrench":
        # Back and forth: the clicking swing, then a quieter return swing that clicks softly.
        stroke = length / params["strokes"]
        phase = (t % stroke) / stroke
        gate = np.where(phase < 0.55, 1.0, 0.25)
        onsets = [round(i * stroke, 4) for i in range(params["strokes"])]
    elif variant == "zip tie":
        rate = rate * (0.5 + t / length)  # pulled faster and faster
    elif variant == "freewheel":
        rate = rate * np.exp(-t / (0.8 * length))  # the wheel slows while coasting
    times_s = _times_from_rate(rate)
    amps = gate[(times_s * dsp.SAMPLE_RATE).astype(int)] * rng.uniform(0.7, 1.0, len(times_s))
    # The pawl is pressed against the wheel, which damps its ring to a few milliseconds.
    damp = np.exp(-dsp.times(dsp.n_samples(PAWL_RING_S * 6)) / PAWL_RING_S)
    tunes = params["tune"] * rng.uniform(1.5, 2.5, 3)
    kernels = [
        modal.strike(rng, material, "small", tune, 0.8, 1.8, length_s=PAWL_RING_S * 6)[: len(damp)] * damp for tune in tunes
    ]
    y = dsp.impulse_bank(rng, n, times_s, amps, kernels)
    return Rendered(dsp.fades(y, 0.002, 0.02), onsets, extra={"clicks": len(times_s)})


# --- motors and servos -----------------------------------------------------------------------

MOTORS = ("servo", "drill", "spin up", "spin down")


def draw_motor(rng):
    variant = pick(rng, list(MOTORS))
    params = {
        "variant": variant,
        "top_hz": uniform(rng, 60.0, 220.0, 1),  # rotations per second at full speed
        "teeth": int(rng.integers(8, 24)),  # gear-mesh whine at teeth x rotation rate
        "moves": int(rng.integers(1, 5)) if variant == "servo" else 1,
        "length_s": uniform(rng, 1.5, 5.0, 2),
        "brush": uniform(rng, 0.1, 0.6, 2),
    }
    return params, {"variant": variant, "count": params["moves"] if variant == "servo" else None}


def _motor_speed(rng, params: dict, n: int) -> tuple[np.ndarray, list[float]]:
    """Rotation rate (Hz) per sample and the onsets of its movements."""
    t = dsp.times(n)
    length, top = n / dsp.SAMPLE_RATE, params["top_hz"]
    variant = params["variant"]
    if variant == "spin up":
        return top * (1 - np.exp(-t / (0.3 * length))), [0.0]
    if variant == "spin down":
        return top * np.exp(-t / (0.35 * length)), [0.0]
    if variant == "drill":
        up, down = 0.15 * length, 0.8 * length
        speed = np.clip(t / up, 0, 1) * np.where(t < down, 1.0, np.exp(-(t - down) / 0.15))
        load = 1.0 - 0.25 * dsp.smooth_random(rng, n, 2.0) * (t > up)  # biting into the material slows it
        return top * speed * load, [0.0]
    # A servo moves in short bursts: speed ramps up and down, the whine glides up and down.
    slot = length / params["moves"]
    onsets = [round(i * slot, 4) for i in range(params["moves"])]
    speed = np.zeros(n)
    for onset in onsets:
        move = rng.uniform(0.2, 0.7) * slot
        u = (t - onset) / move
        speed += np.where((u >= 0) & (u <= 1), np.sin(np.pi * np.clip(u, 0, 1)) ** 0.7, 0.0)
    return top * speed, onsets


def render_motor(params: dict) -> Rendered:
    rng = _rng(params)
    n = dsp.n_samples(params["length_s"])
    speed, onsets = _motor_speed(rng, params, n)
    level = (speed / params["top_hz"]) ** 0.7
    phase = dsp.phase_from_freq(speed)
    # Electrical hum at twice the rotation rate (two poles) with its harmonics, and the
    # gears' whine at the tooth rate: both sweep with speed.
    hum = dsp.additive(2 * phase, 2 * speed, [1.0 / k for k in range(1, 9)])
    mesh = params["teeth"] * speed
    whine = dsp.additive(params["teeth"] * phase, mesh, [1.0, 0.35, 0.15])
    brush = dsp.butter(dsp.white_noise(rng, n), "bandpass", (2000, 7000)) * (0.6 + 0.4 * np.sin(2 * np.pi * phase))
    y = level * (0.6 * hum + 0.5 * whine + params["brush"] * 0.5 * brush)
    extra = {"top_hz": params["top_hz"], "mesh_top_hz": round(params["top_hz"] * params["teeth"], 1)}
    return Rendered(dsp.fades(y, 0.005, 0.03), onsets, extra=extra)


# --- gears -----------------------------------------------------------------------------------

GEARS = {  # variant: (mesh rate range in teeth per second, size of the gears, tick decay in s, grinding)
    "clockwork": ((12.0, 40.0), "small", 0.012, 0.0),
    "machinery": ((6.0, 20.0), "large", 0.08, 0.2),
    "grinding": ((15.0, 45.0), "medium", 0.03, 1.0),
}


def draw_gears(rng):
    variant = pick(rng, list(GEARS))
    rate = uniform(rng, *GEARS[variant][0], 1)
    params = {
        "variant": variant,
        "mesh_hz": rate,
        "teeth": int(rng.integers(10, 40)),  # teeth per revolution: one tooth is worn and knocks louder
        "length_s": uniform(rng, 2.0, 6.0, 2),
        "tune": uniform(rng, 0.8, 1.25),
    }
    speed = "fast" if rate > sum(GEARS[variant][0]) / 2 else "slow"
    return params, {"variant": variant, "speed": speed}


def render_gears(params: dict) -> Rendered:
    rng = _rng(params)
    n = dsp.n_samples(params["length_s"])
    variant = params["variant"]
    _, size, tick_s, grind = GEARS[variant]
    rate = params["mesh_hz"] * (1.0 + 0.05 * (dsp.smooth_random(rng, n, 0.7) - 0.5))
    times_s = _times_from_rate(rate)
    worn = (np.arange(len(times_s)) % params["teeth"]) == 0
    amps = rng.uniform(0.5, 0.9, len(times_s)) * np.where(worn, 1.8, 1.0)
    # A gear is bolted into a frame and pressed against its neighbour, which damps its ring
    # far below a free piece of metal's: each tooth is a short tick.
    damp = np.exp(-dsp.times(dsp.n_samples(6 * tick_s)) / tick_s)
    tunes = params["tune"] * rng.uniform(0.9, 1.1, 3)
    kernels = [modal.strike(rng, "metal", size, tune, 0.9, 1.5, length_s=6 * tick_s)[: len(damp)] * damp for tune in tunes]
    y = dsp.impulse_bank(rng, n, times_s, amps, kernels)
    y /= np.max(np.abs(y)) + 1e-12
    if grind:
        # Teeth scraping instead of meshing: rough noise pulsing at the mesh rate, distorted.
        pulse = 0.5 + 0.5 * np.cos(2 * np.pi * dsp.phase_from_freq(rate))
        scrape = dsp.butter(dsp.white_noise(rng, n), "bandpass", (300, 4000)) * pulse**2
        y = np.tanh(2.0 * (y + grind * 0.4 * scrape / (np.std(scrape) + 1e-12)))
    if size == "large":
        y = y + 0.4 * dsp.butter(dsp.coloured_noise(rng, n, 2.0), "lowpass", 150) * 0.3  # a heavy frame droning
    return Rendered(dsp.fades(y, 0.01, 0.05), [0.0], extra={"mesh_hz": params["mesh_hz"]})


DRAW = {"ratchet": draw_ratchet, "motor": draw_motor, "gears": draw_gears}
RENDER = {"ratchet": render_ratchet, "motor": render_motor, "gears": render_gears}
