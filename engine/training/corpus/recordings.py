"""Recorded sounds from Debian packages: Hydrogen drum kits, Hedgewars game sounds and voices,
and the freedesktop desktop sound theme.

These are the corpus's real (not synthesised) clips; a share of them is held out, so that an
audio classifier trained on the corpus can be scored on real recordings it never saw.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from .audio import read_audio, trim_leading_silence, trim_trailing_silence
from .clip import Rendered
from .errors import MissingDependency
from .licences import licence_for
from .measure import detect_onsets
from .recording_names import (
    FREEDESKTOP,
    GUITAR_KIT,
    HEDGEWARS_EFFECTS,
    HEDGEWARS_PACKS,
    HEDGEWARS_PHRASES,
    KIT_SOUND,
    classify_drum,
    filename_caption,
    parse_guitar_chord,
    tokens,
)

HYDROGEN_ROOT = Path("/usr/share/hydrogen/data/drumkits")
HEDGEWARS_ROOT = Path("/usr/share/games/hedgewars/Data/Sounds")
FREEDESKTOP_ROOT = Path("/usr/share/sounds/freedesktop/stereo")
AUDIO_SUFFIXES = {".wav", ".flac", ".aiff", ".aif", ".ogg", ".oga"}

PACKAGES = ("hydrogen-drumkits", "hydrogen-drumkits-effects", "hedgewars-data", "sound-theme-freedesktop")


@dataclass(frozen=True)
class Found:
    """One installed file that maps to a class.

    `licence_paths` are the file's candidate paths in the package's source tree, which is what
    the package's copyright file names; `name_caption` is the caption its name gives, if any."""

    package: str
    path: Path
    cls: str
    attrs: dict
    group: str
    name_caption: str | None
    licence_paths: tuple[str, ...]
    extra: dict = field(default_factory=dict)


def check_available(packages: tuple[str, ...] = PACKAGES) -> None:
    """Raise `MissingDependency` for the first package whose files are not installed."""
    marks = {
        "hydrogen-drumkits": HYDROGEN_ROOT / "The Black Pearl 1.0",
        "hydrogen-drumkits-effects": HYDROGEN_ROOT / GUITAR_KIT,
        "hedgewars-data": HEDGEWARS_ROOT,
        "sound-theme-freedesktop": FREEDESKTOP_ROOT,
    }
    for package in packages:
        if not marks[package].exists():
            raise MissingDependency(package, f"{marks[package]} is missing")


def _kit_instruments(kit_dir: Path) -> dict[str, str]:
    """File name -> instrument name, from the kit's drumkit.xml (the first instrument that uses a
    file names it: some kits reuse one sample for two instruments)."""
    xml = kit_dir / "drumkit.xml"
    if not xml.exists():
        return {}
    names: dict[str, str] = {}
    for inst in ET.parse(xml).getroot().iter():
        if inst.tag.split("}")[-1] != "instrument":
            continue
        name = next((c.text or "" for c in inst if c.tag.split("}")[-1] == "name"), "")
        for node in inst.iter():
            if node.tag.split("}")[-1] == "filename" and node.text:
                names.setdefault(node.text, name.strip())
    return names


def _meaningful(name: str) -> bool:
    """Instrument names like "17", "Sample: beats_06-10.flac" or "f#4 -" say nothing."""
    return bool(name) and not name.startswith("Sample:") and any(len(t) > 2 and not t.isdigit() for t in tokens(name))


def scan_hydrogen() -> list[Found]:
    found = []
    for kit_dir in sorted(p for p in HYDROGEN_ROOT.iterdir() if p.is_dir()):
        kit = kit_dir.name
        package = "hydrogen-drumkits-effects" if kit == GUITAR_KIT else "hydrogen-drumkits"
        # Debian's copyright names the kit archives; one archive unpacks to a folder with a
        # version suffix ("circAfrique" -> "circAfrique v4"), so its first word is tried too.
        licence_paths = (f"drumkits/{kit}.h2drumkit", f"drumkits/{kit.split(' ')[0]}.h2drumkit")
        instruments = _kit_instruments(kit_dir)
        for path in sorted(p for p in kit_dir.iterdir() if p.suffix.lower() in AUDIO_SUFFIXES):
            if path.stem == "emptySample":
                continue
            if kit == GUITAR_KIT:
                attrs = parse_guitar_chord(path.stem)
                if attrs:
                    words = " ".join(w for w in ("guitar strum", attrs["chord"].lower(), attrs["strum"]) if w)
                    found.append(Found(package, path, "acoustic_guitar", attrs, f"{kit}/{attrs['chord']}", words, licence_paths))
                continue
            name = instruments.get(path.name, "")
            result = (classify_drum(name, path.stem) if _meaningful(name) else None) or classify_drum(path.stem, path.stem)
            if result is None:
                continue
            cls, attrs = result
            attrs = {**attrs, "kit_sound": KIT_SOUND.get(kit)}
            label = name if _meaningful(name) else re.sub(r"[\d_\-\s]+$", "", path.stem)
            dyn = [t for t in tokens(path.stem) if t in ("softest", "soft", "med", "hard", "hardest")]
            found.append(
                Found(package, path, cls, attrs, f"{kit}/{label}", " ".join([filename_caption(label)] + dyn), licence_paths)
            )
    return found


def scan_hedgewars() -> list[Found]:
    found = []
    for path in sorted(HEDGEWARS_ROOT.glob("*.ogg")):
        if path.stem in HEDGEWARS_EFFECTS:
            cls, attrs = HEDGEWARS_EFFECTS[path.stem]
            group = "hedgewars/" + re.sub(r"\d+$", "", path.stem)  # countdown1..4 stay together
            name = None if cls == "piano" else filename_caption(path.stem)  # "6A" names a note, not a sound
            found.append(
                Found("hedgewars-data", path, cls, dict(attrs), group, name, (f"share/hedgewars/Data/Sounds/{path.name}",))
            )
    for pack_dir in sorted(p for p in (HEDGEWARS_ROOT / "voices").iterdir() if p.is_dir()):
        language, style = HEDGEWARS_PACKS.get(pack_dir.name, (None, None))
        for path in sorted(pack_dir.glob("*.ogg")):
            text = HEDGEWARS_PHRASES.get(path.stem)
            if text is None:
                continue
            attrs = {
                "kind": "phrase" if " " in text else "word",
                "speaker": None,
                "style": style,
                "language": language,
                "text": None if language else text,
            }
            # A whole voice pack lands in one split, so held-out speech comes from unheard voices.
            found.append(
                Found(
                    "hedgewars-data",
                    path,
                    "speech",
                    attrs,
                    f"hedgewars/voices/{pack_dir.name}",
                    None,
                    (f"share/hedgewars/Data/Sounds/voices/{pack_dir.name}/{path.name}",),
                )
            )
    return found


def scan_freedesktop() -> list[Found]:
    found = []
    for path in sorted(FREEDESKTOP_ROOT.glob("*.oga")):
        if path.stem in FREEDESKTOP:
            cls, attrs = FREEDESKTOP[path.stem]
            group = "freedesktop/" + ("audio-channel" if path.stem.startswith("audio-channel") else path.stem)
            found.append(
                Found(
                    "sound-theme-freedesktop",
                    path,
                    cls,
                    dict(attrs),
                    group,
                    filename_caption(path.stem),
                    (f"stereo/{path.name}",),
                )
            )
    return found


def scan(packages: tuple[str, ...] = PACKAGES) -> list[Found]:
    """All installed files of the given packages that map to a class and whose licence the
    package's copyright file states, in a fixed order."""
    return [f for f in scan_all(packages) if licence_for(f.package, list(f.licence_paths))["licence"] != "unknown"]


def unlicensed(packages: tuple[str, ...] = PACKAGES) -> list[str]:
    """Mapped files left out because no paragraph of their package's copyright file covers them."""
    return [str(f.path) for f in scan_all(packages) if licence_for(f.package, list(f.licence_paths))["licence"] == "unknown"]


def scan_all(packages: tuple[str, ...] = PACKAGES) -> list[Found]:
    """All installed files of the given packages that map to a class, in a fixed order."""
    check_available(packages)
    found: list[Found] = []
    if "hydrogen-drumkits" in packages or "hydrogen-drumkits-effects" in packages:
        found += [f for f in scan_hydrogen() if f.package in packages]
    if "hedgewars-data" in packages:
        found += scan_hedgewars()
    if "sound-theme-freedesktop" in packages:
        found += scan_freedesktop()
    return found


def count_unmapped(packages: tuple[str, ...] = PACKAGES) -> int:
    """How many installed audio files of the packages fit no class (reported in the summary)."""
    roots = {"hydrogen-drumkits": HYDROGEN_ROOT, "hedgewars-data": HEDGEWARS_ROOT, "sound-theme-freedesktop": FREEDESKTOP_ROOT}
    total = sum(
        1
        for pkg, root in roots.items()
        if pkg in packages
        for p in root.rglob("*")
        if p.suffix.lower() in AUDIO_SUFFIXES and p.stem != "emptySample"
    )
    return total - len(scan_all(packages))


def render(params: dict) -> Rendered:
    """Load a recording as a 16 kHz mono clip starting at its first sound; onsets are measured."""
    x = read_audio(params["path"])
    x, _ = trim_leading_silence(x, pre_roll_s=0.005, threshold_db=-50.0)
    x = trim_trailing_silence(x)
    onsets = detect_onsets(x) or [0.0]
    return Rendered(x, onsets, midi_pitch=params.get("midi_pitch"), onset_origin="detected")
