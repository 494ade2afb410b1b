"""What the recorded sounds in Debian's packages are, read from their file and folder names.

Each rule maps a name to one of the corpus classes plus caption attributes; names that fit no
class are left out of the corpus (and counted in the summary) rather than given a vague label.
"""

from __future__ import annotations

import re

from .music import note_name

# --- words -----------------------------------------------------------------------------------


def tokens(text: str) -> list[str]:
    """Lower-case words of a file or instrument name: "PearlKick-Softest" -> ["pearl", "kick",
    "softest"], "HH2_01" -> ["hh", "2", "01"]."""
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    text = re.sub(r"([A-Za-z])([0-9])|([0-9])([A-Za-z])", lambda m: " ".join(g for g in m.groups() if g), text)
    return [t for t in re.split(r"[^a-z0-9#]+", text.lower()) if t]


def filename_caption(stem: str) -> str:
    """The caption a file name gives, the way user libraries are captioned ("Door_Slam_Wood_03"
    -> "door slam wood"): words without take numbers."""
    return " ".join(t for t in tokens(stem) if not t.isdigit())


# --- recorded drum kits (Hydrogen) -----------------------------------------------------------

PERCUSSION_WORDS = {
    "cowbell": "cowbell",
    "conga": "conga",
    "bongo": "bongo",
    "clave": "claves",
    "cajon": "cajon",
    "djembe": "djembe",
    "dununba": "dununba drum",
    "kenkeni": "kenkeni drum",
    "sangban": "sangban drum",
    "agogo": "agogo bell",
    "tambourine": "tambourine",
    "woodblock": "woodblock",
    "maraca": "maracas",
    "shaker": "shaker",
    "cabasa": "cabasa",
    "triangle": "triangle",
    "fingersnap": "finger snap",
    "snaps": "finger snap",
}
# Kits and the adjective captions use for their sound (None: neither clearly acoustic nor electronic).
KIT_SOUND = {
    "Audiophob": "electronic",
    "BJA_Pacific": "acoustic",
    "ColomboAcousticDrumkit": "acoustic",
    "ElectricEmpireKit": "electronic",
    "ForzeeStereo": "acoustic",
    "Gimme A Hand 1.0": "acoustic",
    "HardElectro1": "electronic",
    "Millo-Drums_v.1": "acoustic",
    "Millo_MultiLayered2": "acoustic",
    "Millo_MultiLayered3": "acoustic",
    "The Black Pearl 1.0": "acoustic",
    "VariBreaks": None,
    "circAfrique v4": "acoustic",
    "rumpf_kit_z01_h2": None,
}
GUITAR_KIT = "belofilms_GuitarStrums"


def _dynamics(words: list[str]) -> str | None:
    if any(w in ("softest", "soft", "lite") for w in words):
        return "soft"
    if any(w in ("hardest", "hard") for w in words):
        return "loud"
    return None


def classify_drum(name: str, layer_name: str = "") -> tuple[str, dict] | None:
    """Class and attributes of a drum sample from an instrument or file name, or None.

    `layer_name` (the file name of a velocity layer) only contributes the dynamics word."""
    words = tokens(name)
    joined = " ".join(words)
    has = lambda *ws: any(w in words for w in ws)  # noqa: E731
    attrs: dict = {"dynamics": _dynamics(words + tokens(layer_name)), "count": 1, "kind": "hit"}
    if has("zap"):
        return "laser", {"variant": "zap", "count": 1}
    if has("stick", "rim", "rs", "whistle", "waterglass", "click", "fx", "sample") or "waterglass" in joined:
        return None  # side sticks, rim clicks and odd effects fit no class well
    for word, piece in PERCUSSION_WORDS.items():
        if any(w.startswith(word) for w in words):
            return "percussion", {**attrs, "piece": piece}
    if any("clap" in w for w in words):
        return "clap", {**attrs, "piece": "hand clap"}
    if any(w in ("crash", "ride", "china", "splash", "cymbal", "cc", "rc", "rd", "cb") for w in words) or "paiste bell" in joined:
        kind = next((w for w in ("crash", "ride", "china", "splash") if w in words), "cymbal")
        piece = "ride bell" if "bell" in words or "bl" in words else ("cymbal" if kind == "cymbal" else f"{kind} cymbal")
        return "cymbal", {**attrs, "piece": piece}
    if has("bl"):
        return "cymbal", {**attrs, "piece": "ride bell"}
    if any(w in ("hh", "hat", "hihat", "hats", "chh", "ohh", "ho") or w.startswith("hh") or w.startswith("hihat") for w in words):
        state = (
            "open"
            if has("open", "opened", "op", "ohh", "ho", "semiopen", "semi", "swish")
            else "pedal"
            if has("pedal", "pd", "foot", "p")
            else "closed"
        )
        return "hihat", {**attrs, "piece": f"{state} hi-hat"}
    if any(w.startswith("tom") or w in ("ft", "t", "tm", "floortom") for w in words):
        where = (
            "floor"
            if has("floor", "ft", "floortom") or "tm 2" in joined
            else "low"
            if has("low", "lo")
            else "high"
            if has("hi", "high", "tomhi")
            else "mid"
            if has("mid", "middle")
            else None
        )
        return "tom", {**attrs, "piece": f"{where} tom" if where else "tom"}
    if any("snare" in w for w in words) or has("sd", "sn", "sr"):
        piece = (
            "snare rimshot"
            if any("rim" in w for w in words) or "rimshot" in joined
            else "snare roll"
            if has("roll", "sr")
            else "snare drum"
        )
        return "snare", {**attrs, "piece": piece}
    if has("kick", "bd", "bassdrum", "k") or "bass drum" in joined:
        return "kick", {**attrs, "piece": "kick drum"}
    return None


def parse_guitar_chord(stem: str) -> dict | None:
    """Chord of a strummed-guitar sample: "Asharp minro7b5_DOWN_01" -> A# half-diminished, down."""
    m = re.match(r"([A-G])(sharp|flat)?\s*(major|minor7b5|minro7b5|minor)?", stem.replace("_", " "), re.I)
    if not m or not m.group(3):
        return None
    root = m.group(1).upper() + {"sharp": "#", "flat": "b", None: ""}[m.group(2) and m.group(2).lower()]
    quality = {"major": "major", "minor": "minor"}.get(m.group(3).lower(), "half-diminished")
    direction = "down" if re.search(r"_down", stem, re.I) else "up" if re.search(r"_up", stem, re.I) else None
    return {
        "instrument": "acoustic guitar",
        "variant": "steel-string guitar",
        "kind": "chord",
        "chord": f"{root} {quality}",
        "root_name": root,
        "quality": quality,
        "strum": direction,
    }


# --- game sound effects (Hedgewars) ----------------------------------------------------------

_SCALE_NOTES = {"1C": 60, "2D": 62, "3E": 64, "4F": 65, "5G": 67, "6A": 69, "7B": 71, "8C": 72, "9D": 74}
HEDGEWARS_EFFECTS: dict[str, tuple[str, dict]] = {
    **{
        stem: ("piano", {"instrument": "piano", "kind": "note", "note": note_name(p), "midi_pitch": p})
        for stem, p in _SCALE_NOTES.items()
    },
    "airmine_impact": ("impact", {"variant": "metal", "size": "small", "count": 1}),
    "baseballbat": ("impact", {"variant": "wood", "count": 1}),
    "bump": ("impact", {"variant": "thud", "count": 1}),
    "firepunch_hit": ("impact", {"variant": "punch", "count": 1}),
    "graveimpact": ("impact", {"variant": "thud", "count": 1}),
    "grenadeimpact": ("impact", {"variant": "metal", "size": "small", "count": 1}),
    "hammer": ("impact", {"variant": "metal", "count": 1}),
    "knife_impact": ("impact", {"variant": "metal", "size": "small", "count": 1}),
    "mineimpact": ("impact", {"variant": "metal", "size": "small", "count": 1}),
    "explosion": ("explosion", {"distance": "near"}),
    "beep": ("beep", {"count": 1, "length": "short"}),
    "countdown1": ("beep", {"count": 1, "length": "short"}),
    "countdown2": ("beep", {"count": 1, "length": "short"}),
    "countdown3": ("beep", {"count": 1, "length": "short"}),
    "countdown4": ("beep", {"count": 1, "length": "short"}),
    "switchhog": ("beep", {"count": 1, "length": "short"}),
    "CollectCrate": ("beep", {"count": 1, "length": "short"}),
    "extratime": ("notification", {}),
    "minetick": ("click", {"count": 1, "variant": "ui"}),
    "shutterclick": ("click", {"count": 1, "variant": "mechanical"}),
    "lasersight": ("laser", {"count": 1}),
    "sinegun": ("laser", {"count": 1}),
    "portalshot": ("laser", {"variant": "zap", "count": 1}),
    "ice_beam": ("laser", {"count": 1}),
    "flamethrower": ("fire", {"variant": "roaring"}),
    "blowtorch": ("fire", {"variant": "roaring"}),
    "plane": ("engine", {"vehicle": "propeller plane"}),
    "rcplane": ("engine", {"vehicle": "toy plane"}),
    "throwrelease": ("whoosh", {"variant": "swish", "speed": "fast"}),
    "ropeshot": ("whoosh", {"variant": "swish", "speed": "fast"}),
}

# Voice packs: language (None = English) and the character's style in captions.
HEDGEWARS_PACKS = {
    "Default": (None, None),
    "Classic": (None, None),
    "British": (None, "British"),
    "HillBilly": (None, "hillbilly"),
    "Mobster": (None, "gangster"),
    "Pirate": (None, "pirate"),
    "Robot": (None, "robotic"),
    "Russian": (None, "Russian-accented"),
    "Singer": (None, "singing"),
    "Surfer": (None, "surfer"),
    "Default_es": ("Spanish", None),
    "Default_pl": ("Polish", None),
    "Default_ru": ("Russian", None),
    "Default_uk": ("Ukrainian", None),
    "Russian_pl": ("Polish", None),
}
# Voice files that are words; grunts, coughs and laughs fit no class and are left out.
HEDGEWARS_PHRASES = {
    "Amazing": "amazing",
    "Boring": "boring",
    "Brilliant": "brilliant",
    "Bugger": "bugger",
    "Byebye": "bye bye",
    "Comeonthen": "come on then",
    "Coward": "coward",
    "Cutitout": "cut it out",
    "Drat": "drat",
    "Enemydown": "enemy down",
    "Excellent": "excellent",
    "Fire": "fire",
    "Firstblood": "first blood",
    "Flawless": "flawless",
    "Flyaway": "fly away",
    "Gonnagetyou": "gonna get you",
    "Grenade": "grenade",
    "Hello": "hello",
    "Hurry": "hurry",
    "Illgetyou": "I'll get you",
    "Incoming": "incoming",
    "Justyouwait": "just you wait",
    "Kamikaze": "kamikaze",
    "Leavemealone": "leave me alone",
    "Melon": "melon",
    "Missed": "missed",
    "Nooo": "no",
    "Nutter": "nutter",
    "Ohdear": "oh dear",
    "Oops": "oops",
    "Ouch": "ouch",
    "Reinforcements": "reinforcements",
    "Revenge": "revenge",
    "Runaway": "run away",
    "Sameteam": "same team",
    "Solong": "so long",
    "Stupid": "stupid",
    "Takecover": "take cover",
    "Thisoneismine": "this one is mine",
    "Traitor": "traitor",
    "Uh-oh": "uh-oh",
    "Victory": "victory",
    "Watchit": "watch it",
    "Watchthis": "watch this",
    "Whatthe": "what the",
    "Yessir": "yes sir",
    "Youllregretthat": "you'll regret that",
}


# --- desktop sound theme (freedesktop) -------------------------------------------------------

FREEDESKTOP: dict[str, tuple[str, dict]] = {
    "alarm-clock-elapsed": ("notification", {}),
    "bell": ("notification", {"count": 1}),
    "complete": ("notification", {}),
    "device-added": ("notification", {}),
    "device-removed": ("notification", {}),
    "dialog-error": ("notification", {}),
    "dialog-information": ("notification", {}),
    "dialog-warning": ("notification", {}),
    "message": ("notification", {}),
    "message-new-instant": ("notification", {}),
    "network-connectivity-established": ("notification", {}),
    "network-connectivity-lost": ("notification", {}),
    "phone-incoming-call": ("notification", {}),
    "service-login": ("notification", {}),
    "service-logout": ("notification", {}),
    "suspend-error": ("notification", {}),
    "window-attention": ("notification", {}),
    "window-question": ("notification", {}),
    "phone-outgoing-busy": ("beep", {"length": "short"}),
    "phone-outgoing-calling": ("beep", {"length": "long"}),
    "audio-volume-change": ("click", {"count": 1, "variant": "soft"}),
    "camera-shutter": ("click", {"count": 1, "variant": "mechanical"}),
    "screen-capture": ("click", {"count": 1, "variant": "mechanical"}),
    **{
        f"audio-channel-{p}": ("speech", {"kind": "phrase", "text": p.replace("-", " ")})
        for p in (
            "front-center",
            "front-left",
            "front-right",
            "rear-center",
            "rear-left",
            "rear-right",
            "side-left",
            "side-right",
        )
    },
}
