"""What a sound file says about itself: WAV INFO, Broadcast-WAV `bext`, iXML (read with wavinfo),
FLAC/Vorbis comments and ID3 tags (read with mutagen), and the generation settings soundloom
stores in its own results. Files are only opened for reading.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("soundloom.library")
SOUNDLOOM_TAG = "soundloom:"
GENERATED_KEYS = ("prompt", "seed", "model", "parent")
# iXML elements worth searching; UCS-aware tools (Soundminer, BaseHead) write the USER block.
_IXML_PATHS = ("NOTE", "USER/DESCRIPTION", "USER/FXNAME", "USER/CATEGORY", "USER/SUBCATEGORY", "USER/CATID",
               "USER/KEYWORDS", "USER/LIBRARY", "USER/SHOW", "PROJECT", "SCENE")
_DESCRIPTION_TAGS = ("description", "comment", "title")  # Vorbis comment keys, best first
_ID3_DESCRIPTION = ("COMM", "TIT2", "TIT3")


@dataclass
class Embedded:
    """Metadata read from inside a file. `description` is the best caption it offers."""

    description: str | None = None
    fields: dict[str, str] = field(default_factory=dict)  # every text field found, for search
    generated: dict = field(default_factory=dict)  # prompt, seed, model, parent of a soundloom result

    @property
    def search_text(self) -> str:
        return " ".join(v for v in self.fields.values() if v)


def read_embedded(path: Path) -> Embedded:
    """Embedded metadata of `path`; a file whose tags cannot be parsed gives what could be read."""
    suffix = path.suffix.lower()
    found = Embedded()
    try:
        if suffix in (".wav", ".wave", ".bwf"):
            _read_wav(path, found)
        else:
            _read_tags(path, found)
    except Exception as exc:  # metadata parsers fail in many ways on odd files; the audio may still be fine
        log.debug("metadata of %s unreadable: %s", path, exc)
    comment = found.fields.pop("soundloom", None)
    if comment:
        found.generated = _generated_settings(path, comment)
        if found.generated.get("prompt"):
            # A result's best caption is its prompt; its bext line is a provenance summary ("prompt: …; seed …").
            found.description = str(found.generated["prompt"])
    return found


def _set(found: Embedded, key: str, value) -> None:
    text = value if isinstance(value, str) else (" ".join(map(str, value)) if isinstance(value, list) else None)
    if text is None:
        return
    text = text.strip().strip("\x00").strip()
    if not text:
        return
    if text.startswith(SOUNDLOOM_TAG):
        found.fields["soundloom"] = text
        return
    found.fields[key] = text[:4000]


def _read_wav(path: Path, found: Embedded) -> None:
    from wavinfo import WavInfoReader

    try:
        reader = WavInfoReader(str(path), info_encoding="utf-8")
    except UnicodeDecodeError:
        reader = WavInfoReader(str(path))  # RIFF INFO's own encoding
    if reader.info is not None:
        for key, value in reader.info.to_dict().items():
            _set(found, f"info.{key}", value)
    if reader.bext is not None:
        _set(found, "bext.description", reader.bext.description)
        _set(found, "bext.originator", reader.bext.originator)
    if reader.ixml is not None:
        root = reader.ixml.raw_xml
        for xpath in _IXML_PATHS:
            element = root.find("./" + xpath)
            if element is not None and element.text:
                _set(found, "ixml." + xpath.lower().replace("/", "."), element.text)
    fields = found.fields
    found.description = (fields.get("bext.description") or fields.get("ixml.user.description")
                         or fields.get("ixml.note") or fields.get("info.subject") or fields.get("info.comment")
                         or fields.get("info.title"))


def _read_tags(path: Path, found: Embedded) -> None:
    import mutagen

    audio = mutagen.File(str(path))
    if audio is None or audio.tags is None:
        return
    tags = audio.tags
    if hasattr(tags, "getall") and any(k[:4] in _ID3_DESCRIPTION or k[:4] == "TXXX" for k in tags.keys()):
        for key in tags.keys():  # ID3 frames: COMM::eng, TIT2, TXXX:description …
            frame = tags[key]
            text = getattr(frame, "text", None)
            if text:
                _set(found, f"id3.{key}", [str(t) for t in text])
        for frame_id in _ID3_DESCRIPTION:
            hit = next((v for k, v in found.fields.items() if k.startswith(f"id3.{frame_id}")), None)
            if hit:
                found.description = hit
                return
        return
    for key, values in tags.items():  # Vorbis comments: FLAC, Ogg
        _set(found, f"tag.{key.lower()}", list(values) if isinstance(values, list) else values)
    for key in _DESCRIPTION_TAGS:
        if found.fields.get(f"tag.{key}"):
            found.description = found.fields[f"tag.{key}"]
            return


def _generated_settings(path: Path, comment: str) -> dict:
    """prompt, seed, model and parent from a soundloom result's stored settings."""
    from soundloom.sdk.audio_file import read_metadata

    try:
        settings = read_metadata(path)
    except Exception:  # read_metadata reports an unreadable file; fall back to the comment we hold
        settings = {}
    if not settings:
        try:
            settings = json.loads(comment[len(SOUNDLOOM_TAG):])
        except ValueError:
            return {}
    return {key: settings[key] for key in GENERATED_KEYS if settings.get(key) is not None} if isinstance(settings, dict) else {}


def sidecar_settings(path: Path) -> dict:
    """prompt, seed, model and parent from a JSON sidecar (`take.json` beside `take.wav`)."""
    sidecar = path.with_suffix(".json")
    try:
        if not sidecar.is_file():
            return {}
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {key: data[key] for key in GENERATED_KEYS if isinstance(data, dict) and data.get(key) is not None}
