"""Saving what the engine made into the Generated folder. Qt-free.

Each clip becomes a WAV named after its prompt and seed (`rain on a tin roof_1234.wav`), with the
engine's settings in the file (the SDK's JSON comment, which the library index reads back) and a
Broadcast-WAV `bext` description a DAW or another library shows. The file is written complete under
a hidden temporary name first and then linked to its final name, so it appears whole or not at
all and never replaces an existing file: a name in use gets ` (2)`, ` (3)`…
"""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path

from soundloom.protocol.new_files import numbered_names, publish_new, unnamed_file
from soundloom.sdk.audio_file import write_audio
from soundloom.sdk.bwf import add_bext

STEM_CHARACTERS = 60  # of the prompt in a file name: enough to recognise it in a list
_UNSAFE = re.compile(r"[\\/:*?\"<>|\x00-\x1f]+")


def file_stem(prompt: str, seed) -> str:
    """A readable, portable file name stem: the prompt's first words, then the seed."""
    words = " ".join(_UNSAFE.sub(" ", prompt or "").split()).strip(" .")
    if len(words) > STEM_CHARACTERS:
        words = words[:STEM_CHARACTERS].rsplit(" ", 1)[0] or words[:STEM_CHARACTERS]
    words = words or "generated"
    return f"{words}_{seed}" if seed is not None else words


def description(metadata: dict) -> str:
    """The one-line `bext` description: prompt, seed, model, adapter, and the parent of a take."""
    try:
        from soundloom.bridge.provenance import describe
    except ImportError:  # an install without the bridge module: the export wording
        from soundloom.desktop.export import bext_description

        return bext_description(Path(str(metadata.get("parent") or "generated.wav")), None, metadata)
    return describe(metadata)


def save_clip(audio, folder: str | os.PathLike, metadata: dict | None = None) -> Path:
    """Write `audio` (an SDK Audio) into `folder` under a new name; returns the path.

    `metadata` adds to the engine's (e.g. the adapter scale the app asked for)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    settings = dict(audio.metadata)
    settings.update(metadata or {})
    stem = file_stem(str(settings.get("prompt") or ""), settings.get("seed"))
    # Written whole under a hidden name with the permissions of any new file (a generated sound is
    # the user's to share), then given the first free name.
    with unnamed_file(folder, prefix="generating-", suffix=".wav") as temporary:
        write_audio(temporary, audio.samples, audio.sample_rate, settings)
        add_bext(temporary, description(settings), datetime.datetime.now())
        saved = publish_new(temporary, numbered_names(folder / f"{stem}.wav"))
    if saved is None:
        raise FileExistsError(f"no free name for {stem}.wav in {folder}")
    return saved

