"""Writing files so that they appear whole or not at all, whatever happens mid-write.

The new contents go to a hidden temporary file in the target's folder, which is renamed onto the
target once complete (a rename within one folder is atomic); on any failure the temporary file is
removed and what was at the target stays as it was. With `sync` the contents reach the disk before
the rename, so the file is whole even after a power cut, not only after the process dies.

This lives in `protocol` because every layer writes such files (the engine its results and
checkpoints, the SDK its audio, the desktop app its backups, the DAW bridge its sidecars) and
`protocol`, the bottom layer, is the one they may all import; its own connection files are written
this way too.

Permissions: by default the finished file has the mode a plain `open(path, "w")` would leave, that
is the replaced file's, else 0666 less the umask. `mode` sets it instead (0o600 for a secret); the
temporary file is private (0600) until then, so a secret is never readable by others.
"""

from __future__ import annotations

import os
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

PathLike = str | os.PathLike[str]


@contextmanager
def atomic_writer(path: PathLike, *, mode: int | None = None, sync: bool = True) -> Iterator[BinaryIO]:
    """A binary file to fill; once the block ends it replaces `path`, and if the block fails it is removed."""
    with _replacing(Path(path), ".tmp", mode) as (fd, _):
        with os.fdopen(fd, "wb") as file:
            yield file
            if sync:
                file.flush()
                os.fsync(file.fileno())


@contextmanager
def atomic_path(path: PathLike, *, mode: int | None = None, sync: bool = True) -> Iterator[Path]:
    """A temporary path beside `path`, for a library that writes to a path rather than into a file.

    It ends with `path`'s suffix, for writers that choose the format by it. Once the block ends
    the file there replaces `path`; if the block fails it is removed."""
    target = Path(path)
    with _replacing(target, target.suffix, mode) as (fd, temporary):
        os.close(fd)
        yield temporary
        if sync:
            with open(temporary, "rb+") as file:
                os.fsync(file.fileno())


def write_bytes_atomically(path: PathLike, data: bytes, *, mode: int | None = None, sync: bool = True) -> None:
    """Replace `path` with `data`, whole or not at all."""
    with atomic_writer(path, mode=mode, sync=sync) as file:
        file.write(data)


def write_text_atomically(path: PathLike, text: str, *, errors: str = "strict", mode: int | None = None,
                          sync: bool = True) -> None:
    """Replace `path` with `text` as UTF-8, whole or not at all. `errors` is as for `str.encode`
    ("surrogateescape" writes back the raw bytes of file names that are not UTF-8)."""
    write_bytes_atomically(path, text.encode("utf-8", errors), mode=mode, sync=sync)


def new_file_mode() -> int:
    """The permissions any program gives a new file: 0666 less the umask."""
    return 0o666 & ~_umask()


@contextmanager
def _replacing(target: Path, suffix: str, mode: int | None) -> Iterator[tuple[int, Path]]:
    """A new file beside `target` (descriptor and path) that replaces it once the block ends."""
    # Hidden, and named after the target, so that a file left by a killed process is recognisable
    # and not taken for one of the folder's own files.
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=suffix)
    temporary = Path(name)
    try:
        yield fd, temporary
        os.chmod(temporary, _plain_write_mode(target) if mode is None else mode)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _plain_write_mode(target: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return new_file_mode()


def _umask() -> int:
    """The process's umask. It is process-wide, and os.umask can only read it by setting it: for
    that moment the value set also applies to files other threads create. So Linux's /proc, which
    shows it untouched, comes first; elsewhere the value set meanwhile is the most private one."""
    try:
        with open("/proc/self/status") as status:
            masks = [line.split()[1] for line in status if line.startswith("Umask:")]
    except OSError:
        masks = []
    if masks:
        return int(masks[0], 8)
    mask = os.umask(0o077)
    os.umask(mask)
    return mask
