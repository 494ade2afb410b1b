"""Writing files so that they appear whole or not at all, even if the process dies mid-write."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator


def is_within(path: Path, roots: list[Path]) -> bool:
    """Whether resolved `path` is one of resolved `roots` or lies below one (what a request may reach)."""
    return any(path == root or root in path.parents for root in roots)


@contextmanager
def atomic_writer(path: Path) -> Iterator[BinaryIO]:
    """A binary file to fill; on success it is synced and renamed onto `path`, on failure removed."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
