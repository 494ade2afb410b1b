"""Broadcast-WAV metadata: writing a `bext` chunk (EBU Tech 3285) into a WAV file and reading
chunks back, so sound libraries and DAWs show where a sound came from.

Qt-free and torch-free: the desktop exports and the DAW bridge's takes both use it.
"""

from __future__ import annotations

import datetime
import os
import shutil
import struct
from pathlib import Path
from typing import Iterable

from soundloom.protocol.atomic_files import atomic_writer

BEXT_DESCRIPTION_BYTES = 256
_TIME_REFERENCE_OFFSET = 256 + 32 + 32 + 10 + 8  # description, originator, reference, date, time


def bext_chunk(description: str, when: datetime.datetime, originator: str = "soundloom",
               time_reference: int = 0) -> bytes:
    """A version-1 `bext` chunk, header included. Text fields are ASCII by the standard;
    characters outside it become `?`. `time_reference` is the position of the file's first sample
    on the DAW's timeline, in samples since midnight (0: none)."""

    def text(value: str, size: int) -> bytes:
        return value.encode("ascii", "replace")[:size].ljust(size, b"\0")

    body = b"".join([
        text(description, BEXT_DESCRIPTION_BYTES),
        text(originator, 32),
        text("", 32),
        text(when.strftime("%Y-%m-%d"), 10),
        text(when.strftime("%H:%M:%S"), 8),
        struct.pack("<IIH", time_reference & 0xFFFFFFFF, time_reference >> 32, 1),  # low, high, version
        bytes(64),                     # UMID
        bytes(10),                     # loudness fields (version 2): not given
        bytes(180),                    # reserved
    ])
    return b"bext" + struct.pack("<I", len(body)) + body


def _chunks(f) -> Iterable[tuple[bytes, int, int]]:
    """(name, size, offset of the body) of each chunk of an open RIFF WAVE file after its header."""
    f.seek(12)
    while True:
        header = f.read(8)
        if len(header) < 8:
            return
        name, size = struct.unpack("<4sI", header)
        start = f.tell()
        yield name, size, start
        f.seek(start + size + (size & 1))


def _is_riff_wave(f) -> bool:
    head = f.read(12)
    return len(head) == 12 and head[:4] == b"RIFF" and head[8:] == b"WAVE"


def read_chunks(path: str | os.PathLike, names: Iterable[bytes] = (b"bext", b"iXML")) -> dict[bytes, bytes]:
    """The bodies of the named chunks of a RIFF WAVE file ({} for any other file)."""
    wanted, found = set(names), {}
    with open(path, "rb") as f:
        if not _is_riff_wave(f):
            return {}
        for name, size, start in _chunks(f):
            if name in wanted and name not in found:
                f.seek(start)
                found[name] = f.read(size)
    return found


def bext_description(body: bytes) -> str:
    """The description text of a `bext` chunk body."""
    return body[:BEXT_DESCRIPTION_BYTES].split(b"\0", 1)[0].decode("ascii", "replace")


def bext_time_reference(body: bytes) -> int:
    """The time reference (samples since midnight) of a `bext` chunk body; 0 when it has none."""
    if len(body) < _TIME_REFERENCE_OFFSET + 8:
        return 0
    low, high = struct.unpack_from("<II", body, _TIME_REFERENCE_OFFSET)
    return low | high << 32


def add_bext(path: str | os.PathLike, description: str, when: datetime.datetime, *, time_reference: int = 0,
             extra_chunks: Iterable[tuple[bytes, bytes]] = ()) -> None:
    """Rewrite a RIFF WAVE file with a `bext` chunk right after `fmt ` (where BWF readers look first),
    replacing any `bext` it had; `extra_chunks` ((name, body) pairs, e.g. an iXML chunk kept from
    another file) follow it, replacing chunks of the same names. Raises ValueError for a file that
    is not RIFF WAVE. The file is replaced whole, keeping its permissions."""
    path = Path(path)
    extra = [(name, body) for name, body in extra_chunks]
    replaced = {b"bext"} | {name for name, _ in extra}
    added = bext_chunk(description, when, time_reference=time_reference) + b"".join(
        name + struct.pack("<I", len(body)) + body + (b"\0" if len(body) & 1 else b"") for name, body in extra
    )
    # The source is closed before the rename: Windows cannot replace a file that is open.
    with atomic_writer(path, sync=False) as dst, open(path, "rb") as src:
        if not _is_riff_wave(src):
            raise ValueError(f"{path.name}: not a RIFF WAVE file")
        dst.write(b"RIFF\0\0\0\0WAVE")
        for name, size, start in list(_chunks(src)):
            if name in replaced:
                continue
            src.seek(start)
            padded = size + (size & 1)
            dst.write(struct.pack("<4sI", name, size))
            shutil.copyfileobj(_Limited(src, padded), dst)
            if name == b"fmt ":
                dst.write(added)
        total = dst.tell()
        dst.seek(4)
        dst.write(struct.pack("<I", total - 8))


class _Limited:
    """A file-like view of the next `size` bytes of `f`, for copying one chunk."""

    def __init__(self, f, size: int):
        self.f, self.left = f, size

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        data = self.f.read(n)
        self.left -= len(data)
        return data
