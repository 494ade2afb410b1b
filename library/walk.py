"""Finding the audio files below a root without ever writing there, whatever the tree holds:
symlink loops, unreadable folders, folders vanishing mid-walk, names that are not UTF-8."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from soundloom.library.analysis import AUDIO_SUFFIXES
from soundloom.library.captions import SIDECAR_SUFFIXES
from soundloom.library.paths import display


@dataclass
class Found:
    path: str  # absolute, surrogate-escaped
    relative: str  # below the root
    stat: os.stat_result
    sidecar_mtime_ns: int = 0  # the newest mtime of its caption files (name.txt, name.json), 0 for none


@dataclass
class Walk:
    files: list[Found] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # folders that exist but could not be listed


def walk(root: str) -> Walk:
    """Audio files below `root`, depth first in name order. Folder links are followed once per
    folder (a link back up the tree ends there); hidden files and folders (".name") are passed over,
    as are the partial files other programs write beside finished ones."""
    out = Walk()
    seen: set[tuple[int, int]] = set()
    stack = [(root, "")]
    while stack:
        folder, relative = stack.pop()
        try:
            info = os.stat(folder)
        except OSError as exc:
            if relative:
                out.skipped.append((display(folder), f"folder vanished or unreachable ({exc.strerror})"))
            continue
        if (info.st_dev, info.st_ino) in seen:
            out.skipped.append((display(folder), "folder already scanned (symlink loop)"))
            continue
        seen.add((info.st_dev, info.st_ino))
        try:
            with os.scandir(folder) as entries:
                listing = sorted(entries, key=lambda e: e.name)
        except FileNotFoundError:
            out.skipped.append((display(folder), "folder vanished while scanning"))
            continue
        except OSError as exc:
            out.unreadable.append(folder)
            out.skipped.append((display(folder), f"unreadable folder ({exc.strerror})"))
            continue
        subfolders = []
        sidecars: dict[str, int] = {}
        for entry in listing:
            stem, suffix = os.path.splitext(entry.name)
            if suffix.lower() in SIDECAR_SUFFIXES and not entry.name.startswith("."):
                try:
                    sidecars[stem] = max(sidecars.get(stem, 0), entry.stat().st_mtime_ns)
                except OSError:
                    pass
        for entry in listing:
            if entry.name.startswith("."):
                continue
            child_relative = os.path.join(relative, entry.name) if relative else entry.name
            try:
                is_dir = entry.is_dir()  # follows links
                is_file = not is_dir and entry.is_file()
            except OSError:
                continue
            if is_dir:
                subfolders.append((entry.path, child_relative))
            elif os.path.splitext(entry.name)[1].lower() in AUDIO_SUFFIXES:
                if not is_file:
                    if entry.is_symlink():
                        out.skipped.append((display(entry.path), "broken link"))
                    continue
                try:
                    stem = os.path.splitext(entry.name)[0]
                    out.files.append(Found(entry.path, child_relative, entry.stat(), sidecars.get(stem, 0)))
                except OSError as exc:
                    out.skipped.append((display(entry.path), f"unreadable ({exc.strerror})"))
        stack.extend(reversed(subfolders))
    return out
