"""Captions of sounds: from a sidecar file, else from embedded metadata, else from file and folder names.

The name rules are shared with fine-tuning, which captions its training clips the same way
("Foley/Doors/Door_Slam_Wood_03.wav" → "door slam, wood, foley doors"). Only numpy-free stdlib
code lives here, so the SDK side can caption without importing the engine.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

# Words that say how a file was made or kept, not what it sounds like.
NOISE_WORDS = {
    "take", "tk", "final", "master", "mix", "edit", "edited", "bounce", "bounced", "copy", "stereo", "mono", "st",
    "wav", "flac", "aif", "aiff", "ogg", "mp3", "new", "old", "alt", "version", "ver", "v", "rev", "export", "sample",
    "samples", "one", "shot", "oneshot", "sfx", "fx", "untitled", "audio", "clip", "rec", "recording", "khz", "bit",
}
_FORMAT_TAG = re.compile(r"(?i)(?<![A-Za-z])\d+(\.\d+)?\s?(khz|k|bit)(?![A-Za-z])")  # "48k", "24bit", "44.1kHz"
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
SIDECAR_SUFFIXES = (".txt", ".json")


def words_of(name: str) -> list[str]:
    """Lower-case descriptive words of a file or folder name: camelCase, _, - and . split; take
    numbers, version tags and noise words dropped."""
    name = _FORMAT_TAG.sub(" ", name)
    parts = re.split(r"[\s_\-.()\[\]{},+&]+", _CAMEL.sub(" ", name))
    out = []
    for part in parts:
        word = part.lower()
        if not word or word.isdigit() or word in NOISE_WORDS or re.fullmatch(r"v\d+|take\d+|tk\d+|\d+(k|khz|bit)", word):
            continue
        out.append(word)
    return out


def caption_from_names(relative: Path) -> str:
    """"Foley/Doors/Door_Slam_Wood_03.wav" → "door slam, wood, foley doors"."""
    words = words_of(relative.stem)
    head = " ".join(words[:2])
    tail = " ".join(words[2:])
    context = " ".join(w for folder in relative.parent.parts for w in words_of(folder))
    return ", ".join(part for part in (head, tail, context) if part)


def sidecar_caption(path: Path) -> str | None:
    """The caption in `name.txt` or `name.json` ({"caption": …} or {"captions": […]}) beside `path`."""
    text_file, json_file = path.with_suffix(".txt"), path.with_suffix(".json")
    try:
        if text_file.is_file():
            caption = text_file.read_text(encoding="utf-8", errors="replace").strip()
            return caption.splitlines()[0].strip() if caption else None
        if json_file.is_file():
            data = json.loads(json_file.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                caption = data.get("caption") or (data.get("captions") or [None])[0]
                return str(caption).strip() if caption else None
    except (OSError, ValueError):
        return None
    return None


def choose_caption(path: Path, relative: Path, embedded: str | None, names: str | None = None,
                   names_source: str = "names") -> tuple[str, str]:
    """(caption, source): a sidecar beats embedded metadata, which beats the file and folder names.

    `names` replaces the caption made from `relative` (a UCS name gives a better one), with
    `names_source` as its source.
    """
    sidecar = sidecar_caption(path)
    if sidecar:
        return sidecar, "sidecar"
    if embedded and embedded.strip():
        return " ".join(embedded.split())[:2000], "embedded"
    if names:
        return names, names_source
    return caption_from_names(relative) or "a sound", "names"
