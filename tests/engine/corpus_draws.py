"""The caption attributes of a corpus clip of any class, drawn as that class's source draws them."""

from __future__ import annotations

from soundloom.engine.training.corpus import drums, instruments, procedural, speech
from soundloom.engine.training.corpus.clip import rng_for


def draw_attrs(cls: str, i: int) -> dict:
    rng = rng_for(1, cls, i)
    if cls in instruments.BY_CLASS:
        return instruments.draw(cls, rng)[1]
    if cls == "drum_beat":
        return drums.draw_beat(rng)[1]
    if cls in drums.HIT_CLASSES:
        return drums.draw_hits(cls, rng)[1]
    if cls == "speech":
        return speech.draw(rng)[1]
    return procedural.draw(cls, rng)[1]
