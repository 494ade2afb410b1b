"""Training folders: what the engine trains on when the user's own folder cannot be handed over as is.

The engine fine-tunes on one folder and takes each clip's caption from a `.txt` file beside it (or
from its names). Two cases need another folder: a collection (its sounds live in many folders) and
captions edited in the app (the user's folder must not be written). For both the app builds a
folder in its data folder holding a symbolic link to each sound plus a `.txt` caption beside each
link: the sounds themselves are never copied, moved or touched.

The engine follows a link only when it resolves inside its library roots, and it only reads folders
inside those roots; the default root is the home folder, which holds both the app's data folder and
the user's libraries. An engine started with other `--library-root`s refuses the training folder
with a one-line error naming the roots, which the app shows.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from soundloom.desktop.paths import data_dir


def training_folders_dir() -> Path:
    return data_dir() / "training-sets"


def validations_dir(adapter: str) -> Path:
    """Where the validation renders of the adapter's runs are saved to be played."""
    return data_dir() / "validations" / adapter


@dataclass(frozen=True)
class Member:
    name: str     # path inside the training folder: "<folder>/<file>"
    source: str   # the sound file it links to (absolute)
    caption: str  # written beside the link as <name>.txt


def _unique(name: str, taken: set[str]) -> str:
    """`name`, or `name` with " (2)", " (3)"… before the suffix, so no two members share a stem: a
    caption file is named by the stem, so "kick.wav" and "kick.flac" would share one."""
    stem, suffix = os.path.splitext(name)
    candidate, n = name, 1
    while os.path.splitext(candidate)[0].casefold() in taken:
        n += 1
        candidate = f"{stem} ({n}){suffix}"
    taken.add(os.path.splitext(candidate)[0].casefold())
    return candidate


def members_for_files(entries: list[tuple[str, str]]) -> list[Member]:
    """Members for (path, caption) pairs from many folders: each linked as "<its folder's name>/<file>"."""
    taken: set[str] = set()
    members = []
    for path, caption in entries:
        parent = os.path.basename(os.path.dirname(os.path.abspath(path))) or "sounds"
        name = _unique(f"{parent}/{os.path.basename(path)}", taken)
        members.append(Member(name, os.path.abspath(path), caption))
    return members


def members_for_folder(root: str, captions: dict[str, str]) -> list[Member]:
    """Members mirroring `root`: each clip at its own relative path, with the caption given for it."""
    taken: set[str] = set()
    return [Member(_unique(relative, taken), os.path.join(root, relative), caption)
            for relative, caption in captions.items()]


def write_training_folder(folder: Path, members: list[Member]) -> Path:
    """(Re)build `folder` with a link and a caption file per member; returns it.

    The new folder is filled beside the old one and swapped in, so a failure halfway leaves the
    previous training folder as it was. Removing the old one unlinks links only: the sounds they
    point at stay where they are.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{folder.name}.building-", dir=folder.parent))
    try:
        for member in members:
            link = building / member.name
            link.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(member.source, link)
            link.with_suffix(".txt").write_text(" ".join(member.caption.split()) + "\n", encoding="utf-8")
        old = None
        if folder.exists() or folder.is_symlink():
            old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old-", dir=folder.parent))
            os.replace(folder, old / "set")
        os.replace(building, folder)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)  # links are unlinked, never followed
    return folder
