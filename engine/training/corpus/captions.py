"""Captions of a clip: slots from its attributes, filled into training or held-out templates.

`captions()` gives the training phrasings of a clip, `paraphrases()` the held-out ones (used
only for held-out clips), `join()` the caption of a two-clip mix. Choices are drawn from the
clip's own random generator, so captions are reproducible.
"""

from __future__ import annotations

import re
import string

import numpy as np

from . import caption_templates as T
from .classes import class_family
from .drums import COUNT_WORDS

_FIELD = string.Formatter()
_VOWEL_LETTER_NAMES = set("AEFHILMNORSX")  # letters whose spoken name starts with a vowel sound


PLURAL_NOUNS = {"strings", "bells", "voices", "tubular bells", "slow strings", "tremolo strings", "pizzicato strings"}


def article(phrase: str) -> str:
    """ "a" or "an" for the phrase, by sound: "an 808 kick", "an A minor chord", "a UI click";
    nothing for plural nouns ("strings")."""
    if phrase in PLURAL_NOUNS:
        return ""
    word = phrase.split()[0] if phrase.split() else phrase
    if re.fullmatch(r"[A-G][#b]?\d?", word) or re.fullmatch(r"[A-Z]", word):
        return "an" if word[0] in _VOWEL_LETTER_NAMES else "a"
    low = word.lower()
    if low[:1].isdigit():
        return "an" if low.startswith(("8", "11", "18")) else "a"
    if low.startswith(("ui", "uni", "use", "one", "eu")):
        return "a"
    return "an" if low[:1] in "aeiou" else "a"


def count_word(n: int) -> str:
    return COUNT_WORDS[n] if 0 <= n < len(COUNT_WORDS) else str(n)


def duration_words(seconds: float) -> str:
    """ "half a second", "one second", "one and a half seconds", "four seconds"."""
    special = {0.5: "half a second", 1.0: "one second", 1.5: "one and a half seconds"}
    if seconds in special:
        return special[seconds]
    if float(seconds).is_integer() and seconds < len(COUNT_WORDS):
        return f"{COUNT_WORDS[int(seconds)]} seconds"
    return f"{seconds:g} seconds"


def frequency_words(freq_hz: float) -> str:
    """ "100 Hz", "2.5 kHz"."""
    if freq_hz < 1000:
        return f"{freq_hz:.0f} Hz"
    return f"{freq_hz / 1000:.1f}".rstrip("0").rstrip(".") + " kHz"


def spoken_pitch(note: str) -> str:
    """ "C#4" -> "C sharp 4" (held-out wording spells accidentals out)."""
    return note.replace("#", " sharp ").replace("  ", " ").replace("b", " flat ") if len(note) > 1 and note[1] in "#b" else note


def template_set(cls: str, attrs: dict) -> str:
    """Which template set describes a clip of this class with these attributes."""
    family = class_family(cls)
    if family == "instrument":
        return f"instrument/{attrs.get('kind', 'note')}"
    if cls == "drum_beat":
        return "drum_beat"
    if family == "drum":
        return "drum/hits" if attrs.get("count", 1) > 1 else "drum/hit"
    if family == "speech":
        if attrs.get("language"):
            return "speech/foreign"
        kind = attrs.get("kind")
        return f"speech/{kind}" if kind in ("number", "counting", "countdown") else "speech/word"
    return cls


def _count_slots(s: dict, count: int | None) -> None:
    if count is None:
        return
    if count > 1:
        s["count_word"] = count_word(count)
        s["times_word"] = "twice" if count == 2 else f"{count_word(count)} times"
    else:
        s["single"] = "single"
        s["lone"] = "lone"
        s["times_word"] = "once"


def slots(cls: str, attrs: dict) -> dict[str, str]:
    """The words a clip's attributes give to its templates (missing attributes give no slot)."""
    a = {k: v for k, v in attrs.items() if v is not None}
    s: dict[str, str] = {}
    family = class_family(cls)
    count = a.get("count")
    if family == "instrument":
        s["inst"] = a.get("instrument", cls.replace("_", " "))
        if a.get("variant") and a["variant"] != s["inst"]:
            s["variant"] = a["variant"]
        for key in ("note", "chord", "key", "phrase"):
            if key in a:
                s[key] = str(a[key])
        if "note" in a:
            s["pitch_spoken"] = spoken_pitch(a["note"])
        if a.get("register") in ("low", "high"):
            s["register"] = a["register"]
        if a.get("dynamics") in ("soft", "loud"):
            s["dyn"] = a["dynamics"]
        if a.get("length") in ("short", "long"):
            s["length"] = a["length"]
        if a.get("strum"):
            s["strum"] = a["strum"]
            s["strummer"] = a.get("variant", s["inst"])
        if a.get("direction"):
            s["direction"] = a["direction"]
            s["going"] = "going up" if a["direction"] == "rising" else "going down"
            s["updown"] = "upward" if a["direction"] == "rising" else "downward"
        if "bpm" in a:
            s["bpm"] = str(a["bpm"])
        if count:
            s["count_word"] = count_word(count)
    elif cls == "drum_beat":
        s.update(
            style=a["style"], bpm=str(a["bpm"]), kit=a["kit_sound"], bars_word="two bars" if a.get("bars") == 2 else "one bar"
        )
    elif family == "drum":
        s["piece"] = a.get("piece", cls)
        train_adj, held_adj, held_piece = T.DRUM_WORDS[cls]
        s["held_piece"] = held_piece or s["piece"]
        if a.get("dynamics") != "soft":
            s["train_adj"], s["held_adj"] = train_adj, held_adj
        if a.get("kit_sound"):
            s["kit"] = a["kit_sound"]
        if a.get("dynamics") in ("soft", "loud"):
            s["dyn"] = a["dynamics"]
        if count and count > 1:
            s["count_word"] = count_word(count)
            if a.get("bpm"):
                s["bpm"] = str(a["bpm"])
            if a.get("shape") in ("crescendo", "decrescendo"):
                s["getting"] = "getting louder" if a["shape"] == "crescendo" else "getting softer"
    elif family == "speech":
        _speech_slots(s, a)
    else:
        _effect_slots(cls, s, a)
        _count_slots(s, count)
    for key, value in list(s.items()):
        s[f"a_{key}"] = f"{article(value)} {value}".strip()
    return s


def _speech_slots(s: dict, a: dict) -> None:
    speaker, style = a.get("speaker"), a.get("style")
    if speaker:
        who = (
            f"an old {speaker}"
            if style == "old"
            else f"a robotic {'male' if speaker == 'man' else 'female'} voice"
            if style == "robotic"
            else f"a {speaker}"
        )
        held = "male" if speaker == "man" else "female"
    else:
        who = f"{article(style)} {style} voice" if style else "a voice"
        held = style or "human"
    s["who"], s["held_who"] = who, held
    s["saying"], s["says"] = {"whispering": ("whispering", "whispers"), "singing": ("singing", "sings")}.get(
        style, ("saying", "says")
    )
    if a.get("text"):
        text = a["text"]
        s["said"] = f'"{text}"' if a.get("kind") == "phrase" or " " in text else text
    if "number" in a:
        s["number"] = str(a["number"])
    if a.get("count") and a.get("kind") in ("counting", "countdown"):
        s["top_word"] = count_word(a["count"])
    if a.get("accent"):
        s["accent"] = a["accent"]
    if a.get("speed") in ("slow", "fast"):
        s["speed_adv"] = "slowly" if a["speed"] == "slow" else "quickly"
    if a.get("language"):
        s["language"] = a["language"]


def _effect_slots(cls: str, s: dict, a: dict) -> None:
    one = a.get("count", 1) == 1
    if cls == "impact":
        if a.get("variant") in T.IMPACT_WORDS:
            s["vnoun"], s["vnoun2"], s["held_noun"] = T.IMPACT_WORDS[a["variant"]]
        if a.get("size"):
            s["size"] = a["size"]
            s["held_size"] = "massive" if a["size"] == "big" else "tiny"
        if one:
            for key in ("vnoun", "vnoun2", "held_noun", "size"):
                if key in s:
                    s[f"one_{key}"] = s[key]
    elif cls == "explosion":
        if a.get("size"):
            s["size"], s["held_size"] = a["size"], "huge" if a["size"] == "big" else "small"
        if a.get("distance"):
            s["distance"] = "distant" if a["distance"] == "distant" else "close"
            s["distance_phrase"] = "far away" if a["distance"] == "distant" else "nearby"
    elif cls == "whoosh":
        if a.get("speed") in ("fast", "slow"):
            s["speed"], s["held_speed"] = a["speed"], "quick" if a["speed"] == "fast" else "lazy"
        if a.get("variant") == "heavy":
            s["weight"] = "heavy"
        s["vnoun"] = "swish" if a.get("variant") == "swish" else "whoosh"
    elif cls in ("riser", "downlifter"):
        if "duration_s" in a:
            s["dur_words"], s["dur_num"] = duration_words(a["duration_s"]), f"{a['duration_s']:g}"
        layer = {"noise": "white noise", "tone": "synth"}.get(a.get("layers"))
        if layer:
            s["layer"] = layer
        if a.get("stutter"):
            s["stutter"] = "stuttering"
    elif cls == "sweep":
        s["direction"] = a["direction"]
        s["updown"] = "upward" if a["direction"] == "rising" else "downward"
        s["wave"] = a["waveform"]
        s["dur_words"] = duration_words(a["duration_s"])
        s["f_start"], s["f_end"] = frequency_words(a["start_hz"]), frequency_words(a["end_hz"])
    elif cls == "laser":
        if one:
            s["one_vnoun"] = {"zap": "laser zap", "blaster": "blaster shot", "charge": "laser charging up and firing"}.get(
                a.get("variant"), "laser shot"
            )
    elif cls == "siren":
        if a.get("kind") in T.SIREN_WORDS:
            s["vnoun"], s["held_kind"] = T.SIREN_WORDS[a["kind"]]
        s["distance_phrase"] = "far away" if a.get("distant") else "close by"
        if a.get("distant"):
            s["distance"] = "distant"
    elif cls == "drone":
        s["vnoun"] = T.DRONE_WORDS.get(a.get("kind"), "drone")
        if a.get("note"):
            s["note"], s["pitch_spoken"] = a["note"], spoken_pitch(a["note"])
        elif a.get("f0_hz"):
            s["f0"] = frequency_words(a["f0_hz"])
    elif cls == "rain":
        if a.get("intensity") in T.RAIN_WORDS:
            s["intensity"], s["soft_word"], s["held_rain"] = T.RAIN_WORDS[a["intensity"]]
        surface = T.RAIN_SURFACES.get(a.get("surface"))
        if surface:
            s["on_surface"] = surface
    elif cls in ("wind", "surf", "fire"):
        table = {"wind": T.WIND_WORDS, "surf": T.SURF_WORDS, "fire": T.FIRE_WORDS}[cls]
        if a.get("variant") in table:
            s["vnoun"], s["vnoun2"], s[f"held_{cls}"] = table[a["variant"]]
    elif cls == "engine":
        s["vehicle"] = a.get("vehicle", "car")
        if a.get("action") in T.ENGINE_ACTIONS:
            s["action"], s["an_action_adj"], s["held_action"] = T.ENGINE_ACTIONS[a["action"]]
    elif cls == "beep":
        if a.get("length"):
            s["length"] = a["length"]
        if a.get("freq_hz"):
            s["freq"] = frequency_words(a["freq_hz"])
        if one:
            if a.get("pitch_word"):
                s["single_pitch"] = a["pitch_word"]
            if a.get("length"):
                s["single_length"] = a["length"]
    elif cls == "notification":
        n = a.get("count")
        if n and n > 1:
            s["count_note"] = f"{count_word(n)}-note"
            s["count_word"] = count_word(n)
        if n == 1:
            s["ding"] = "ding"
        if a.get("direction"):
            s["going"] = "going up" if a["direction"] == "rising" else "going down"
        a = {k: v for k, v in a.items() if k != "count"}
    elif cls in ("glass", "dropped_object"):
        _foley_slots(cls, s, a)
    elif cls in T.VARIANT_WORDS:
        if a.get("variant") in T.VARIANT_WORDS[cls]:
            s["vnoun"], s["vnoun2"], s[f"held_{cls}"] = T.VARIANT_WORDS[cls][a["variant"]]
        if a.get("speed") in ("slow", "fast"):
            s["speed"] = a["speed"]
    elif cls == "click":
        adj = {"ui": "UI", "mechanical": "mechanical", "soft": "soft"}.get(a.get("variant"))
        if adj:
            s["variant_adj"] = adj
            s["held_click"] = {"UI": "interface tick", "mechanical": "switch being flipped", "soft": "gentle tap"}[adj]
            if one:
                s["one_variant"] = adj


def _foley_slots(cls: str, s: dict, a: dict) -> None:
    if a.get("size") in T.HELD_SIZES:
        s["size"], s["held_size"] = a["size"], T.HELD_SIZES[a["size"]]
    if cls == "glass":
        if a.get("object") in T.GLASS_OBJECTS:
            s["object"], s["held_object"] = T.GLASS_OBJECTS[a["object"]]
        if a.get("action") in T.GLASS_ACTIONS:
            s["action"], s["action_ed"], s["action_ing"], s["held_action"] = T.GLASS_ACTIONS[a["action"]]
            if a.get("count", 1) == 1:
                s["one_action"] = s["action"]
        return
    if a.get("object"):
        s["object"] = a["object"]
    if a.get("material") in T.MATERIAL_WORDS:
        s["material"], s["held_material"] = T.MATERIAL_WORDS[a["material"]]


def fill(template: str, values: dict[str, str]) -> str | None:
    """The template with its slots filled, or None if a slot is unknown."""
    fields = [f for _, f, _, _ in _FIELD.parse(template) if f]
    if any(f not in values for f in fields):
        return None
    text = template.format(**values)
    return " ".join(text.split())


def _choose(templates: list[str], values: dict[str, str], rng: np.random.Generator, n: int) -> list[str]:
    out: list[str] = []
    for i in rng.permutation(len(templates)):
        text = fill(templates[int(i)], values)
        if text and text not in out:
            out.append(text)
        if len(out) == n:
            break
    return out


def captions(cls: str, attrs: dict, rng: np.random.Generator, n: int = 4) -> list[str]:
    """Up to `n` distinct training captions of a clip."""
    return _choose(T.TEMPLATES[template_set(cls, attrs)]["train"], slots(cls, attrs), rng, n)


def paraphrases(cls: str, attrs: dict, rng: np.random.Generator, n: int = 2) -> list[str]:
    """Up to `n` held-out paraphrases of a clip, worded unlike any training template."""
    return _choose(T.TEMPLATES[template_set(cls, attrs)]["heldout"], slots(cls, attrs), rng, n)


def join(first: str, second: str) -> str:
    """The caption of a mix of two clips, as Tango writes it: "a snare hit and rain"."""
    return f"{first} and {second[:1].lower() + second[1:]}"


def skeleton(template: str) -> str:
    """A template's own wording with its slots removed, for checking that held-out wording is new."""
    return " ".join(re.sub(r"\{[^}]*\}", " ", template).lower().split())
