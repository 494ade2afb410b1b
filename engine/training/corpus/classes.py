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
    """One class: its identifier, family, a one-line description, and the words (lower case)
    of which a caption of the class names at least one."""

    name: str
    family: str  # instrument, drum, effect, texture, ui, speech
    description: str
    keywords: tuple[str, ...] = ()


CLASS_LIST: tuple[SoundClass, ...] = (
    # Pitched General MIDI instruments (FluidSynth), plus recorded guitar strums and piano notes.
    SoundClass("piano", "instrument", "acoustic grand piano notes, chords and phrases", ("piano",)),
    SoundClass("electric_piano", "instrument", "Rhodes-style electric piano", ("electric piano", "rhodes")),
    SoundClass("organ", "instrument", "drawbar, rock and church organ", ("organ",)),
    SoundClass("acoustic_guitar", "instrument", "nylon and steel string guitar, strums", ("guitar",)),
    SoundClass("electric_guitar", "instrument", "clean, jazz, overdriven and distorted guitar", ("guitar",)),
    SoundClass("bass", "instrument", "electric, upright and synth bass", ("bass",)),
    SoundClass("violin", "instrument", "solo violin", ("violin",)),
    SoundClass("cello", "instrument", "solo cello", ("cello",)),
    SoundClass("strings", "instrument", "string ensemble, slow, tremolo and pizzicato strings", ("strings", "string")),
    SoundClass("trumpet", "instrument", "open and muted trumpet", ("trumpet",)),
    SoundClass("flute", "instrument", "concert flute", ("flute",)),
    SoundClass("saxophone", "instrument", "alto and tenor saxophone", ("sax",)),
    SoundClass("marimba", "instrument", "marimba", ("marimba",)),
    SoundClass("bells", "instrument", "glockenspiel and tubular bells", ("bells", "glockenspiel")),
    SoundClass("choir", "instrument", "choir aahs and oohs", ("choir", "voices")),
    SoundClass("synth_lead", "instrument", "square and sawtooth synth leads", ("lead",)),
    SoundClass("synth_pad", "instrument", "sustained synth pads", ("pad",)),
    # Drums: General MIDI kits (FluidSynth) and recorded Hydrogen kits.
    SoundClass("kick", "drum", "kick drum hits and repeated kicks", ("kick", "bass drum")),
    SoundClass("snare", "drum", "snare drum hits, rimshots and rolls", ("snare",)),
    SoundClass("hihat", "drum", "closed, open and pedal hi-hats", ("hi-hat", "hat")),
    SoundClass("cymbal", "drum", "crash, ride, china and splash cymbals", ("cymbal", "crash", "ride", "splash", "china")),
    SoundClass("tom", "drum", "high, mid and floor toms", ("tom",)),
    SoundClass("clap", "drum", "hand claps", ("clap",)),
    SoundClass(
        "percussion",
        "drum",
        "hand percussion: cowbell, congas, bongos, shakers, woodblock",
        (
            "cowbell",
            "conga",
            "bongo",
            "claves",
            "woodblock",
            "tambourine",
            "maracas",
            "cabasa",
            "triangle",
            "agogo",
            "timbale",
            "djembe",
            "cajon",
            "snap",
            "shaker",
            "dununba",
            "kenkeni",
            "sangban",
        ),
    ),
    SoundClass("drum_beat", "drum", "drum kit grooves at a stated tempo", ("beat", "groove", "drum loop", "drums")),
    # Procedural sound effects.
    SoundClass(
        "impact",
        "effect",
        "hits and impacts: cinematic booms, metal, wood",
        ("impact", "hit", "thud", "clang", "knock", "punch", "boom"),
    ),
    SoundClass("explosion", "effect", "explosions, near and distant", ("explosion", "blast", "exploding")),
    SoundClass("whoosh", "effect", "whooshes and swishes passing by", ("whoosh", "swish")),
    SoundClass("riser", "effect", "tension risers that build up", ("riser", "build")),
    SoundClass("downlifter", "effect", "downlifters that fall away", ("downlifter", "drop")),
    SoundClass("sweep", "effect", "pure tone sweeps between two frequencies", ("sweep",)),
    SoundClass("laser", "effect", "laser zaps and sci-fi blasts", ("laser", "blaster")),
    SoundClass("siren", "effect", "wailing, yelping and two-tone sirens", ("siren",)),
    SoundClass("drone", "effect", "sustained drones and electrical hums with a pitch", ("drone", "hum")),
    # Procedural noise textures.
    SoundClass("rain", "texture", "rain: light, heavy, on a window", ("rain",)),
    SoundClass("wind", "texture", "wind: breeze, gusts, howling", ("wind", "breeze")),
    SoundClass("surf", "texture", "ocean waves on a shore", ("wave", "surf")),
    SoundClass("fire", "texture", "crackling fire", ("fire", "flames")),
    SoundClass(
        "engine", "texture", "engine rumble: idling and revving", ("engine", "motorcycle", "revving", "idling", "accelerating")
    ),
    # User-interface sounds.
    SoundClass("beep", "ui", "electronic beeps, counted", ("beep",)),
    SoundClass("notification", "ui", "chimes and notification jingles", ("chime", "notification", "alert", "ding")),
    SoundClass("click", "ui", "clicks and ticks, counted", ("click",)),
    # Speech.
    SoundClass(
        "speech",
        "speech",
        "spoken words, numbers and counting",
        (
            "saying",
            "says",
            "spoken",
            "speaking",
            "speech",
            "counting",
            "countdown",
            "whispering",
            "whispers",
            "singing",
            "sings",
            "voice",
        ),
    ),
    # Added for the licence-clean corpus, after the v1 classes so their indices stay the same.
    # Procedural foley (modal synthesis of struck objects).
    SoundClass("glass", "effect", "glass clinks, taps and knocks: wine glasses, bottles, jars, panes", ("glass",)),
    SoundClass(
        "dropped_object",
        "effect",
        "objects of wood, metal, ceramic, plastic or stone dropped on a hard floor, bouncing to rest",
        ("dropped", "dropping", "bouncing"),
    ),
    # Procedural mechanical sounds.
    SoundClass(
        "ratchet",
        "effect",
        "ratchet wrenches, zip ties, winding cranks, bicycle freewheels",
        ("ratchet", "zip tie", "freewheel"),
    ),
    SoundClass(
        "motor", "effect", "electric motors and servos whose whine sweeps with their speed", ("motor", "servo", "drill")
    ),
    SoundClass("gears", "effect", "gears turning: clockwork, heavy machinery, grinding", ("gear", "clockwork", "cog")),
    # Procedural textures.
    SoundClass(
        "rumble",
        "texture",
        "deep rumbles: distant thunder, earthquakes, passing trains",
        ("rumble", "rumbling", "thunder", "earthquake"),
    ),
    SoundClass(
        "crackle",
        "texture",
        "vinyl crackle, radio static and electric sparks",
        ("crackle", "crackling", "static", "sparks", "sparking"),
    ),
)

CLASSES: tuple[str, ...] = tuple(c.name for c in CLASS_LIST)
# The classes the v1 starter was not trained on; leave them out (`--exclude-class`) to rebuild v1's corpus.
ADDED_AFTER_V1: tuple[str, ...] = ("glass", "dropped_object", "ratchet", "motor", "gears", "rumble", "crackle")
CLASS_INDEX: dict[str, int] = {name: i for i, name in enumerate(CLASSES)}
BY_NAME: dict[str, SoundClass] = {c.name: c for c in CLASS_LIST}

# Sound families kept out of the default corpus on purpose: a fine-tuning test adapts the
# starter model to one of them and needs a family the starter never heard.
RESERVED_CLASSES: tuple[str, ...] = ("kalimba", "music_box", "steel_drum")

assert not set(RESERVED_CLASSES) & set(CLASSES)
assert CLASSES[-len(ADDED_AFTER_V1) :] == ADDED_AFTER_V1


def class_family(name: str) -> str:
    """The family ("instrument", "drum", "effect", "texture", "ui", "speech") of a class."""
    return BY_NAME[name].family


def classes_document(excluded: tuple[str, ...] = ()) -> dict:
    """The content of `classes.json`: ordered classes with index, family and description."""
    return {
        "classes": [
            {
                "index": CLASS_INDEX[c.name],
                "name": c.name,
                "family": c.family,
                "description": c.description,
                "keywords": list(c.keywords),
            }
            for c in CLASS_LIST
        ],
        "excluded": sorted(excluded),
        "reserved": list(RESERVED_CLASSES),
    }
