"""General MIDI drums: single hits, counted repeated hits and grooves at a stated tempo.

Kits are FluidR3 GM drum programs (bank 128). Notes are `[start_s, duration_s, key, velocity]`
on MIDI channel 10, start times on the renderer's 4 ms grid. Tempos are in beats per minute.
"""

from __future__ import annotations

import numpy as np

from .clip import pick, uniform
from .instruments import DYNAMICS, on_grid

# GM drum program, the kit's name, and the adjective captions use for its sound.
KITS = {
    0: ("standard", "acoustic"),
    8: ("room", "roomy"),
    16: ("power", "punchy"),
    24: ("electronic", "electronic"),
    25: ("TR-808", "808"),
    32: ("jazz", "jazz"),
    40: ("brush", "brushed"),
}

# GM percussion key -> what it is called; each drum class lists the keys that feed it.
PIECES: dict[str, dict[int, str]] = {
    "kick": {35: "kick drum", 36: "kick drum"},
    "snare": {38: "snare drum", 40: "snare drum"},
    "hihat": {42: "closed hi-hat", 44: "pedal hi-hat", 46: "open hi-hat"},
    "cymbal": {
        49: "crash cymbal",
        57: "crash cymbal",
        51: "ride cymbal",
        59: "ride cymbal",
        53: "ride bell",
        52: "china cymbal",
        55: "splash cymbal",
    },
    "tom": {41: "low floor tom", 43: "floor tom", 45: "low tom", 47: "mid tom", 48: "high tom", 50: "high tom"},
    "clap": {39: "hand clap"},
    "percussion": {
        54: "tambourine",
        56: "cowbell",
        60: "high bongo",
        61: "low bongo",
        62: "muted conga",
        63: "open conga",
        64: "low conga",
        65: "high timbale",
        66: "low timbale",
        67: "high agogo",
        68: "low agogo",
        69: "cabasa",
        70: "maracas",
        75: "claves",
        76: "high woodblock",
        77: "low woodblock",
        81: "triangle",
    },
}
HIT_CLASSES: tuple[str, ...] = tuple(PIECES)

# Kits whose sound fits each class (brushes do not play claps; 808 percussion is its own thing).
KITS_FOR = {
    "kick": (0, 8, 16, 24, 25, 32),
    "snare": (0, 8, 16, 24, 25, 32, 40),
    "hihat": (0, 8, 16, 24, 25, 32, 40),
    "cymbal": (0, 8, 16, 32, 40),
    "tom": (0, 8, 16, 24, 25, 32, 40),
    "clap": (0, 16, 24, 25),
    "percussion": (0, 8, 25),
}
# (kit, key) pairs FluidR3 leaves silent: the TR-808 kit has no timbales.
SILENT = {(25, 65), (25, 66)}
RING_S = {
    "kick": 0.8,
    "snare": 0.9,
    "hihat": 1.0,
    "cymbal": 3.5,
    "tom": 1.2,
    "clap": 0.6,
    "percussion": 0.9,
}  # seconds each hit may ring

COUNT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")


def _velocity(rng, dynamics: str) -> int:
    lo, hi = DYNAMICS[dynamics]
    return int(rng.integers(lo, hi + 1))


def draw_hits(cls: str, rng: np.random.Generator) -> tuple[dict, dict]:
    """One clip of a drum class: a single hit, or 2-8 evenly spaced hits (a counted figure)."""
    kit = pick(rng, KITS_FOR[cls])
    key = pick(rng, sorted(k for k in PIECES[cls] if (kit, k) not in SILENT))
    count = 1 if rng.random() < 0.5 else int(rng.integers(2, 9))
    dynamics = pick(rng, ["soft", "medium", "loud"])
    spacing = uniform(rng, 0.08, 0.5)
    shape = pick(rng, ["even", "even", "crescendo", "decrescendo"]) if count > 2 else "even"
    base = _velocity(rng, dynamics)
    notes = []
    for i in range(count):
        ramp = i / (count - 1) if count > 1 else 0.0
        scale = {"even": 1.0, "crescendo": 0.55 + 0.45 * ramp, "decrescendo": 1.0 - 0.45 * ramp}[shape]
        # Each hit is held for the ring time (the renderer cuts it at the next hit of the same
        # key): FluidSynth honours note-offs on drums, and a short note would choke a cymbal.
        notes.append([on_grid(i * spacing), RING_S[cls], key, int(np.clip(base * scale + rng.integers(-5, 6), 1, 127))])
    # A tempo is only stated for hits slow enough to count as beats (at most 240 per minute).
    bpm = round(60.0 / spacing) if count > 1 and spacing >= 0.25 else None
    params = {"kit": kit, "key": key, "notes": notes, "ring_s": 0.2}
    attrs = {
        "piece": PIECES[cls][key],
        "kit": KITS[kit][0],
        "kit_sound": KITS[kit][1],
        "count": count,
        "dynamics": dynamics,
        "shape": shape if count > 2 else None,
        "kind": "hit" if count == 1 else "hits",
        "spacing_s": spacing if count > 1 else None,
        "bpm": bpm,
    }
    return params, attrs


# Grooves on a 16-step bar: piece -> steps. Pieces map to GM keys below.
STYLES: dict[str, dict] = {
    "rock": {
        "bpm": (90, 150),
        "kits": (0, 8, 16),
        "swing": (0.5, 0.5),
        "unit": 1,
        "steps": {"kick": [0, 8, 10], "snare": [4, 12], "hat": [0, 2, 4, 6, 8, 10, 12, 14]},
    },
    "house": {
        "bpm": (118, 130),
        "kits": (24, 25, 16),
        "swing": (0.5, 0.54),
        "unit": 1,
        "steps": {"kick": [0, 4, 8, 12], "clap": [4, 12], "open_hat": [2, 6, 10, 14], "hat": [1, 3, 5, 7, 9, 11, 13, 15]},
    },
    "disco": {
        "bpm": (110, 125),
        "kits": (0, 16, 24),
        "swing": (0.5, 0.5),
        "unit": 1,
        "steps": {"kick": [0, 4, 8, 12], "snare": [4, 12], "open_hat": [2, 6, 10, 14], "hat": [0, 4, 8, 12]},
    },
    "hip hop": {
        "bpm": (80, 98),
        "kits": (0, 8, 25),
        "swing": (0.54, 0.62),
        "unit": 1,
        "steps": {"kick": [0, 7, 10], "snare": [4, 12], "hat": [0, 2, 4, 6, 8, 10, 12, 14]},
    },
    "trap": {
        "bpm": (130, 150),
        "kits": (25,),
        "swing": (0.5, 0.5),
        "unit": 1,
        "steps": {"kick": [0, 7, 11], "snare": [8], "hat": list(range(16))},
    },
    "funk": {
        "bpm": (90, 115),
        "kits": (0, 8),
        "swing": (0.5, 0.56),
        "unit": 1,
        "steps": {"kick": [0, 3, 10], "snare": [4, 12], "ghost": [7, 9, 14], "hat": list(range(16))},
    },
    "half-time": {
        "bpm": (70, 90),
        "kits": (0, 16, 8),
        "swing": (0.5, 0.5),
        "unit": 1,
        "steps": {"kick": [0, 6, 10], "snare": [8], "hat": [0, 2, 4, 6, 8, 10, 12, 14]},
    },
    "reggaeton": {
        "bpm": (88, 100),
        "kits": (25, 24),
        "swing": (0.5, 0.5),
        "unit": 1,
        "steps": {"kick": [0, 4, 8, 12], "snare": [3, 6, 11, 14], "hat": [0, 2, 4, 6, 8, 10, 12, 14]},
    },
    "jazz": {
        "bpm": (110, 180),
        "kits": (32, 40),
        "swing": (0.62, 0.68),
        "unit": 2,
        "steps": {"ride": [0, 4, 6, 8, 12, 14], "pedal_hat": [4, 12], "kick": [0, 8]},
    },
    "breakbeat": {
        "bpm": (130, 170),
        "kits": (0, 8, 24),
        "swing": (0.5, 0.5),
        "unit": 1,
        "steps": {"kick": [0, 2, 10, 11], "snare": [4, 7, 9, 12, 15], "hat": [0, 2, 4, 6, 8, 10, 12, 14]},
    },
}
GROOVE_KEYS = {
    "kick": 36,
    "snare": 38,
    "ghost": 38,
    "clap": 39,
    "hat": 42,
    "open_hat": 46,
    "pedal_hat": 44,
    "ride": 51,
    "crash": 49,
}
GROOVE_VELOCITY = {
    "kick": (100, 118),
    "snare": (100, 122),
    "ghost": (35, 50),
    "clap": (95, 115),
    "hat": (60, 95),
    "open_hat": (70, 95),
    "pedal_hat": (55, 75),
    "ride": (70, 100),
    "crash": (100, 120),
}


def draw_beat(rng: np.random.Generator) -> tuple[dict, dict]:
    """One groove clip: 1-2 bars of a style at a tempo (bpm) stated in the captions."""
    style = pick(rng, sorted(STYLES))
    spec = STYLES[style]
    bpm = int(rng.integers(spec["bpm"][0], spec["bpm"][1] + 1))
    bar_s = 240.0 / bpm
    bars = 2 if 2 * bar_s <= 8.0 and rng.random() < 0.7 else 1
    swing = uniform(rng, *spec["swing"], 2)
    kit = pick(rng, spec["kits"])
    step_s = bar_s / 16
    unit = spec["unit"]
    notes = []
    crash = rng.random() < 0.3
    for bar in range(bars):
        for piece, steps in spec["steps"].items():
            for s in steps:
                t = bar * bar_s + s * step_s
                if (s // unit) % 2 == 1 and s % unit == 0:
                    t += (swing - 0.5) * 2 * unit * step_s  # swing delays the off-beat subdivision
                lo, hi = GROOVE_VELOCITY[piece]
                accent = 10 if piece == "hat" and s % 4 == 0 else 0
                notes.append([on_grid(t), 1.0, GROOVE_KEYS[piece], int(np.clip(rng.integers(lo, hi + 1) + accent, 1, 127))])
    if crash:
        notes.append([0.0, 2.0, GROOVE_KEYS["crash"], 110])
    notes.sort(key=lambda n: (n[0], n[2]))
    params = {"kit": kit, "style": style, "bpm": bpm, "bars": bars, "swing": swing, "notes": notes, "ring_s": 0.3}
    attrs = {
        "style": style,
        "bpm": bpm,
        "bars": bars,
        "kit": KITS[kit][0],
        "kit_sound": KITS[kit][1],
        "crash": crash,
        "kind": "beat",
    }
    return params, attrs
