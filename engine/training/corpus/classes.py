"""The fixed list of sound classes of the starter corpus.

A class is what an audio classifier should be able to tell apart, so one class can be fed by
several sources (a "kick" comes from FluidSynth drum kits and from recorded Hydrogen kits).
The list is explicit and ordered: class indices in `classes.json` follow this order and must not
change between corpus builds, or a classifier trained on one build would misread another.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SoundClass:
    """One class: its identifier, the family it belongs to and a one-line description."""

    name: str
    family: str  # instrument, drum, effect, texture, ui, speech
    description: str


CLASS_LIST: tuple[SoundClass, ...] = (
    # Pitched General MIDI instruments (FluidSynth), plus recorded guitar strums and piano notes.
    SoundClass("piano", "instrument", "acoustic grand piano notes, chords and phrases"),
    SoundClass("electric_piano", "instrument", "Rhodes-style electric piano"),
    SoundClass("organ", "instrument", "drawbar, rock and church organ"),
    SoundClass("acoustic_guitar", "instrument", "nylon and steel string guitar, strums"),
    SoundClass("electric_guitar", "instrument", "clean, jazz, overdriven and distorted guitar"),
    SoundClass("bass", "instrument", "electric, upright and synth bass"),
    SoundClass("violin", "instrument", "solo violin"),
    SoundClass("cello", "instrument", "solo cello"),
    SoundClass("strings", "instrument", "string ensemble, slow, tremolo and pizzicato strings"),
    SoundClass("trumpet", "instrument", "open and muted trumpet"),
    SoundClass("flute", "instrument", "concert flute"),
    SoundClass("saxophone", "instrument", "alto and tenor saxophone"),
    SoundClass("marimba", "instrument", "marimba"),
    SoundClass("bells", "instrument", "glockenspiel and tubular bells"),
    SoundClass("choir", "instrument", "choir aahs and oohs"),
    SoundClass("synth_lead", "instrument", "square and sawtooth synth leads"),
    SoundClass("synth_pad", "instrument", "sustained synth pads"),
    # Drums: General MIDI kits (FluidSynth) and recorded Hydrogen kits.
    SoundClass("kick", "drum", "kick drum hits and repeated kicks"),
    SoundClass("snare", "drum", "snare drum hits, rimshots and rolls"),
    SoundClass("hihat", "drum", "closed, open and pedal hi-hats"),
    SoundClass("cymbal", "drum", "crash, ride, china and splash cymbals"),
    SoundClass("tom", "drum", "high, mid and floor toms"),
    SoundClass("clap", "drum", "hand claps"),
    SoundClass("percussion", "drum", "hand percussion: cowbell, congas, bongos, shakers, woodblock"),
    SoundClass("drum_beat", "drum", "drum kit grooves at a stated tempo"),
    # Procedural sound effects.
    SoundClass("impact", "effect", "hits and impacts: cinematic booms, metal, wood"),
    SoundClass("explosion", "effect", "explosions, near and distant"),
    SoundClass("whoosh", "effect", "whooshes and swishes passing by"),
    SoundClass("riser", "effect", "tension risers that build up"),
    SoundClass("downlifter", "effect", "downlifters that fall away"),
    SoundClass("sweep", "effect", "pure tone sweeps between two frequencies"),
    SoundClass("laser", "effect", "laser zaps and sci-fi blasts"),
    SoundClass("siren", "effect", "wailing, yelping and two-tone sirens"),
    SoundClass("drone", "effect", "sustained drones and electrical hums with a pitch"),
    # Procedural noise textures.
    SoundClass("rain", "texture", "rain: light, heavy, on a window"),
    SoundClass("wind", "texture", "wind: breeze, gusts, howling"),
    SoundClass("surf", "texture", "ocean waves on a shore"),
    SoundClass("fire", "texture", "crackling fire"),
    SoundClass("engine", "texture", "engine rumble: idling and revving"),
    # User-interface sounds.
    SoundClass("beep", "ui", "electronic beeps, counted"),
    SoundClass("notification", "ui", "chimes and notification jingles"),
    SoundClass("click", "ui", "clicks and ticks, counted"),
    # Speech.
    SoundClass("speech", "speech", "spoken words, numbers and counting"),
)

CLASSES: tuple[str, ...] = tuple(c.name for c in CLASS_LIST)
CLASS_INDEX: dict[str, int] = {name: i for i, name in enumerate(CLASSES)}
BY_NAME: dict[str, SoundClass] = {c.name: c for c in CLASS_LIST}

# Sound families kept out of the default corpus on purpose: a fine-tuning test adapts the
# starter model to one of them and needs a family the starter never heard.
RESERVED_CLASSES: tuple[str, ...] = ("kalimba", "music_box", "steel_drum")

assert not set(RESERVED_CLASSES) & set(CLASSES)


def class_family(name: str) -> str:
    """The family ("instrument", "drum", "effect", "texture", "ui", "speech") of a class."""
    return BY_NAME[name].family


def classes_document(excluded: tuple[str, ...] = ()) -> dict:
    """The content of `classes.json`: ordered classes with index, family and description."""
    return {
        "classes": [
            {"index": CLASS_INDEX[c.name], "name": c.name, "family": c.family, "description": c.description}
            for c in CLASS_LIST
        ],
        "excluded": sorted(excluded),
        "reserved": list(RESERVED_CLASSES),
    }
