"""The procedural source: which class is made by which DSP generator.

A procedural clip spec stores the generator's drawn parameters plus a noise `seed` and a peak
level in dBFS, so that loudness varies across the corpus the way it does in a sound library.
"""

from __future__ import annotations

import numpy as np

from . import effects, foley, mechanical, rumble_crackle, textures, ui_sounds
from .clip import Rendered, uniform

# Foley, mechanical and the rumble and crackle textures came after v1: they follow its classes
# so the plan order (and every v1 clip) stays as it was.
_MODULES = (effects, textures, ui_sounds, foley, mechanical, rumble_crackle)
DRAW = {cls: draw for module in _MODULES for cls, draw in module.DRAW.items()}
RENDER = {cls: render for module in _MODULES for cls, render in module.RENDER.items()}
PROCEDURAL_CLASSES: tuple[str, ...] = tuple(DRAW)

PEAK_RANGE_DB = (-14.0, -1.0)  # dBFS: each clip is normalised to a peak drawn in this range


def draw(cls: str, rng: np.random.Generator) -> tuple[dict, dict]:
    """Decide one clip of a procedural class: (params, caption attributes)."""
    params, attrs = DRAW[cls](rng)
    params["seed"] = int(rng.integers(2**31 - 1))
    params["peak_dbfs"] = uniform(rng, *PEAK_RANGE_DB, 1)
    return params, attrs


def render(cls: str, params: dict) -> Rendered:
    """Make the audio of a procedural clip from its stored parameters."""
    from .audio import normalize_peak

    out = RENDER[cls](params)
    out.audio = normalize_peak(np.asarray(out.audio, dtype=np.float64), params["peak_dbfs"])
    return out
