"""Changes to single sounds in the library index, run on the library thread: index new files,
rename a file (on disk and in the index), forget a sound and bring it back. Qt-free.

A full scan walks every library folder; a freshly generated sound must show up at once, so it is
analysed and written alone, with the same analysis and upsert a scan uses. A renamed file keeps
its rating, tags, favourite and collections (the index's own move). Forgetting a sound leaves
the file where it is and keeps its index entry (rating, caption, collections) so that undo gives
everything back; the app lists forgotten paths in `forgotten.json` in its data folder and leaves
them out of results, which also survives rescans (a scan finds the file again).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from soundloom.library.analysis import Unusable, analyse
from soundloom.library.captions import SIDECAR_SUFFIXES
from soundloom.library.paths import key
from soundloom.library.records import LibraryError, SearchResults
from soundloom.library.walk import Found
from soundloom.protocol.atomic_files import write_text_atomically
from soundloom.protocol.errors import ErrorCode

FORGOTTEN_FILE = "forgotten.json"


def _root_of(index, path: str):
    """The index's root row covering `path` (the deepest one), or None."""
    best = None
    for row in index._store.root_rows():
        folder = os.fsdecode(row["path"]).rstrip(os.sep)
        if path.startswith(folder + os.sep) and (best is None or len(folder) > len(os.fsdecode(best["path"]))):
            best = row
    return best


def _found(path: str, root_row) -> Found:
    folder = os.fsdecode(root_row["path"])
    stem = os.path.splitext(path)[0]
    sidecar = 0
    for suffix in SIDECAR_SUFFIXES:
        try:
            sidecar = max(sidecar, os.stat(stem + suffix).st_mtime_ns)
        except OSError:
            pass
    return Found(path, os.path.relpath(path, folder), os.stat(path), sidecar)


def index_files(index, paths) -> list:
    """Analyse `paths` (inside the index's folders, e.g. Generated) and add or update them;
    returns their SoundRecords. Raises LibraryError naming a file outside every folder or unusable."""
    items = []
    for raw in paths:
        path = os.path.abspath(os.fspath(raw))
        root = _root_of(index, path)
        if root is None:
            raise LibraryError("paths", f"{path} is not inside a library folder or Generated")
        item = _found(path, root)
        try:
            facts = analyse(Path(path), Path(item.relative), item.stat, generated_root=root["kind"] == "generated")
        except Unusable as exc:
            raise LibraryError("paths", f"{os.path.basename(path)}: {exc}") from None
        items.append(("upsert", (root, item, facts)))
    index._store.write_batch(items)
    return [index.get(os.path.abspath(os.fspath(p))) for p in paths]


def check_new_name(old: str, name: str) -> str:
    """The full path `old` renamed to `name` in the same folder (the extension is kept when left
    out). Raises LibraryError for an empty name, a folder in the name, or an existing file."""
    name = name.strip()
    if not name or name in (".", "..") or "/" in name or (os.altsep and os.altsep in name) or "\0" in name:
        raise LibraryError("name", f"{name!r} is not a file name (no folders, not empty)")
    if name.startswith("."):
        raise LibraryError("name", "a name starting with '.' would be hidden from the library")
    suffix = os.path.splitext(old)[1]
    if os.path.splitext(name)[1].lower() != suffix.lower():
        name += suffix
    new = os.path.join(os.path.dirname(old), name)
    if os.path.lexists(new) and not os.path.samefile(old, new):
        raise LibraryError("name", f"{name} already exists in this folder; nothing was renamed")
    return new


def rename_file(index, old: str, new: str) -> object:
    """Rename the file `old` to `new` (same folder) without ever replacing another file, then move
    its index entry, which keeps rating, tags and collections. Returns the new SoundRecord."""
    if not os.path.isfile(old):
        raise LibraryError("path", f"{old} no longer exists", ErrorCode.FILE_NOT_FOUND)
    if os.path.lexists(new) and not os.path.samefile(old, new):
        raise LibraryError("name", f"{os.path.basename(new)} already exists; nothing was renamed")
    if os.path.lexists(new):  # the same file under another case on a case-insensitive disk
        os.rename(old, new)
    else:
        # A hard link fails if `new` appeared meanwhile, so another file can never be replaced.
        try:
            os.link(old, new)
        except FileExistsError:
            raise LibraryError("name", f"{os.path.basename(new)} already exists; nothing was renamed") from None
        except OSError:
            # No hard links here (some network or FAT disks): rename, having checked just above.
            os.rename(old, new)
        else:
            os.unlink(old)
    root = _root_of(index, new)
    old_key = key(old)
    if root is not None and index.get(old) is not None:
        index._store.write_batch([("move", (old_key, root, _found(new, root)))])
    elif root is not None:
        index_files(index, [new])
    for suffix in SIDECAR_SUFFIXES:  # a caption file belongs to its sound's name
        side_old, side_new = os.path.splitext(old)[0] + suffix, os.path.splitext(new)[0] + suffix
        if os.path.isfile(side_old) and not os.path.lexists(side_new):
            os.rename(side_old, side_new)
    return index.get(new)


class Forgotten:
    """The sounds the user told the app to forget: kept on disk, left out of its results.

    Stored as a JSON list of paths beside the index; written atomically (temp file + rename).
    """

    def __init__(self, folder: str | os.PathLike):
        self.path = Path(folder) / FORGOTTEN_FILE
        self.paths: set[str] = set()
        try:
            self.paths = set(json.loads(self.path.read_text(encoding="utf-8", errors="surrogateescape")))
        except (OSError, ValueError, TypeError):
            pass

    def __contains__(self, path: str) -> bool:
        return path in self.paths

    def add(self, paths) -> None:
        self.paths.update(os.fspath(p) for p in paths)
        self._save()

    def discard(self, paths) -> None:
        self.paths.difference_update(os.fspath(p) for p in paths)
        self._save()

    def rename(self, old: str, new: str) -> None:
        if old in self.paths:
            self.paths.discard(old)
            self.paths.add(new)
            self._save()

    def filter(self, records) -> list:
        """`records` without the forgotten ones; search results keep how they were ranked."""
        if not self.paths:
            return records
        kept = [r for r in records if r.path not in self.paths]
        if isinstance(records, SearchResults):
            return SearchResults(kept, records.semantic, records.notice)
        return kept

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomically(self.path, json.dumps(sorted(self.paths), ensure_ascii=False),
                              errors="surrogateescape", sync=False)
