"""Procedural foley: glass clinks, taps and knocks, and objects dropped on a hard floor.

Same contract as `effects`: `draw_*(rng) -> (params, attrs)`, `render_*(params) -> Rendered`.
Both are modal syntheses (`modal.strike`) of an object of a stated material and size; a dropped
object bounces the way a real one does, each bounce lower and sooner than the one before.
Frequencies in Hz, durations in seconds.
"""

from __future__ import annotations

import numpy as np

from . import dsp, modal
from .clip import Rendered, pick, uniform


def _rng(params: dict) -> np.random.Generator:
    return np.random.default_rng(params["seed"])


# --- glass -----------------------------------------------------------------------------------

GLASS_OBJECTS = {  # object: (tune factor, damping 0..1, size it usually has)
    "wine glass": (1.3, 0.0, "small"),
    "bottle": (1.0, 0.4, "medium"),
    "jar": (0.85, 0.7, "medium"),
    "pane": (0.6, 1.0, "large"),
}
GLASS_ACTIONS = {"clink": 1.6, "tap": 0.8, "knock": 0.35}  # action: striker hardness


def draw_glass(rng):
    obj = pick(rng, list(GLASS_OBJECTS))
    size = pick(rng, [GLASS_OBJECTS[obj][2]] * 2 + list(modal.SIZES))
    action = pick(rng, list(GLASS_ACTIONS))
    count = pick(rng, [1, 1, 1, 2, 2, 3])
    params = {
        "object": obj,
        "size": size,
        "action": action,
        "count": count,
        "tune": uniform(rng, 0.85, 1.2),
        "spacing_s": uniform(rng, 0.25, 0.7),
    }
    return params, {"object": obj, "size": size, "action": action, "count": count}


def render_glass(params: dict) -> Rendered:
    rng = _rng(params)
    tune, damping, _ = GLASS_OBJECTS[params["object"]]
    hardness = GLASS_ACTIONS[params["action"]]
    onsets = [round(i * params["spacing_s"], 4) for i in range(params["count"])]
    hits = []
    for _ in onsets:
        hit = modal.strike(rng, "glass", params["size"], tune * params["tune"], damping, hardness)
        if params["action"] == "clink":
            # Two glasses touching: the other glass, tuned a little apart, rings a moment later.
            other_tune = tune * params["tune"] * rng.uniform(0.85, 0.95)
            other = modal.strike(rng, "glass", params["size"], other_tune, damping, hardness)
            dsp.place(hit, other, dsp.n_samples(rng.uniform(0.001, 0.004)), 0.7)
        hits.append(hit)
    out = np.zeros(dsp.n_samples(onsets[-1]) + max(len(h) for h in hits))
    for onset, hit in zip(onsets, hits):
        dsp.place(out, hit, dsp.sample_index(onset), rng.uniform(0.75, 1.0))
    return Rendered(dsp.fades(out, 0.0005), onsets)


# --- dropped objects -------------------------------------------------------------------------

DROP_OBJECTS = {  # material: object of each size
    "wood": {"small": "wooden spoon", "medium": "wooden block", "large": "wooden plank"},
    "metal": {"small": "coin", "medium": "metal can", "large": "metal pipe"},
    "ceramic": {"small": "ceramic cup", "medium": "ceramic bowl", "large": "ceramic pot"},
    "plastic": {"small": "plastic cap", "medium": "plastic bottle", "large": "plastic crate"},
    "stone": {"small": "pebble", "medium": "stone", "large": "rock"},
}
RESTITUTION = {"wood": 0.5, "metal": 0.6, "ceramic": 0.45, "plastic": 0.55, "stone": 0.4}  # bounce height ratio


def draw_dropped_object(rng):
    material = pick(rng, list(DROP_OBJECTS))
    size = pick(rng, list(modal.SIZES))
    params = {
        "material": material,
        "size": size,
        "height_m": uniform(rng, 0.3, 1.2, 2),
        "restitution": round(RESTITUTION[material] * float(rng.uniform(0.85, 1.15)), 3),
        "tune": uniform(rng, 0.85, 1.2),
        "damping": uniform(rng, 0.0, 1.0),
    }
    return params, {"material": material, "size": size, "object": DROP_OBJECTS[material][size]}


def bounce_times(height_m: float, restitution: float, min_gain: float = 0.06) -> tuple[list[float], list[float]]:
    """Onsets (s, first impact at 0) and relative strengths of the bounces of a dropped object.

    A ball dropped from h first lands with speed v = sqrt(2 g h); each bounce leaves with
    `restitution` times the speed it came in at and flies 2 v / g seconds, so the gaps shrink
    geometrically until the bounces are too weak to hear (`min_gain`)."""
    g = 9.81
    speed = np.sqrt(2 * g * height_m)
    onsets, gains, at, strength = [0.0], [1.0], 0.0, 1.0
    while True:
        speed *= restitution
        strength *= restitution
        if strength < min_gain:
            return onsets, gains
        at += 2 * speed / g
        onsets.append(round(at, 4))
        gains.append(strength)


def render_dropped_object(params: dict) -> Rendered:
    rng = _rng(params)
    material, size = params["material"], params["size"]
    # Big objects land heavily and barely bounce; small ones skitter on.
    restitution = params["restitution"] * {"small": 1.1, "medium": 1.0, "large": 0.8}[size]
    onsets, gains = bounce_times(params["height_m"], min(restitution, 0.8))
    hits = [
        modal.strike(rng, material, size, params["tune"] * rng.uniform(0.97, 1.03), params["damping"], rng.uniform(1.0, 1.6))
        for _ in onsets
    ]
    out = np.zeros(dsp.n_samples(onsets[-1]) + max(len(h) for h in hits))
    for onset, gain, hit in zip(onsets, gains, hits):
        # A body landing at another angle rings its modes in other proportions: vary each bounce.
        dsp.place(out, hit, dsp.sample_index(onset), gain * rng.uniform(0.8, 1.0))
    floor = dsp.butter(dsp.white_noise(rng, len(out)), "lowpass", 400) * dsp.ad_envelope(len(out), 0.001, 0.03)
    y = out + 0.3 * {"small": 0.2, "medium": 0.5, "large": 1.0}[size] * floor  # the floor's thump
    return Rendered(dsp.fades(y, 0.0005), onsets)


DRAW = {"glass": draw_glass, "dropped_object": draw_dropped_object}
RENDER = {"glass": render_glass, "dropped_object": render_dropped_object}
