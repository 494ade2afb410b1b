"""Giving a finished file a name that no file has yet, without ever replacing one.

Where `atomic_files` replaces a file on purpose, this is for new files whose name only has to be
free: a generated clip, an export, a take, a backup. The file is written complete under a hidden
temporary name (`unnamed_file`), then `publish_new` gives it the first free name of a list
(`kick.wav`, `kick (2).wav`, …). A hard link claims a name atomically and fails when it is taken,
so two programs saving at once can never overwrite each other's file, nor a user's, and the file
appears whole or not at all.

Some disks have no hard links (FAT and exFAT memory cards, some network shares). There the name is
first claimed by creating an empty file exclusively (which also fails when the name is taken), and
the finished file is then renamed onto that placeholder: a rename only ever replaces our own empty
file. A process killed between the two steps leaves that empty file under the name.

This lives in `protocol` beside `atomic_files` because the desktop app, the DAW bridge and the SDK
all save files this way, and `protocol` is the layer they may all import.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator

from soundloom.protocol.atomic_files import new_file_mode

PathLike = str | os.PathLike[str]


@contextmanager
def unnamed_file(folder: PathLike, *, prefix: str, suffix: str = "", mode: int | None = None) -> Iterator[Path]:
    """An empty hidden file in `folder` (`.<prefix>XXXX<suffix>`) to write and then `publish_new`.

    It has `mode` (default: the permissions of any new file, so that what is published is the
    user's to share), and is removed when the block ends, published or not."""
    fd, name = tempfile.mkstemp(dir=folder, prefix=f".{prefix}", suffix=suffix)
    temporary = Path(name)
    try:
        os.close(fd)
        os.chmod(temporary, new_file_mode() if mode is None else mode)
        yield temporary
    finally:
        temporary.unlink(missing_ok=True)


def publish_new(finished: PathLike, names: Iterable[PathLike], *,
                reuse: Callable[[Path], bool] | None = None) -> Path | None:
    """Give the complete file `finished` the first of `names` that is free, in the same folder, and
    return it; `finished` loses its own name. None when every name is taken.

    `names` is read lazily, one at a time, so it may compute each name from what is on disk then.
    `reuse`: a taken name whose file it accepts (say, one with the same bytes) is returned instead,
    and `finished` is left where it was. Raises OSError when the folder cannot be written."""
    for name in names:
        name = Path(name)
        if _claim(Path(finished), name):
            return name
        if reuse is not None and reuse(name):
            return name
    return None


def numbered_names(first: PathLike, count: int = 9_999) -> Iterator[Path]:
    """`first`, then the names a file manager gives copies: `kick (2).wav`, `kick (3).wav`… up to `count` names."""
    first = Path(first)
    yield first
    for number in range(2, count + 1):
        yield first.with_name(f"{first.stem} ({number}){first.suffix}")


def link_new(file: PathLike, names: Iterable[PathLike]) -> Path | None:
    """A second name for `file`, the first of `names` that is free, by a hard link (no bytes are
    copied, `file` keeps its name); None when every name is taken. Raises OSError where no hard
    link can be made, e.g. on another disk."""
    for name in names:
        try:
            os.link(file, name)
        except FileExistsError:
            continue
        return Path(name)
    return None


def _claim(finished: Path, name: Path) -> bool:
    """Move `finished` to `name` if no file has that name; False if one has."""
    try:
        os.link(finished, name)
    except FileExistsError:
        return False
    except OSError:
        # Taken for a disk without hard links. Where the folder cannot be written at all, the
        # exclusive create below fails too, with its own reason.
        return _rename_onto_placeholder(finished, name)
    try:
        os.unlink(finished)
    except OSError:
        pass  # the file is published all the same; its hidden name goes when `unnamed_file` ends
    return True


def _rename_onto_placeholder(finished: Path, name: Path) -> bool:
    try:
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    try:
        placeholder = os.fstat(fd)
    finally:
        os.close(fd)
    try:
        os.replace(finished, name)
    except BaseException:
        _remove_if_still(name, placeholder)
        raise
    return True


def _remove_if_still(name: Path, placeholder: os.stat_result) -> None:
    """Remove our empty placeholder, unless something else has taken its name meanwhile."""
    try:
        now = os.lstat(name)
        if (now.st_dev, now.st_ino, now.st_size) == (placeholder.st_dev, placeholder.st_ino, 0):
            os.unlink(name)
    except OSError:
        pass
