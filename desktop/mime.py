"""What the OS receives when a sound is dragged or copied out: real files as `text/uri-list`.

DAWs and file managers (REAPER, Live, Bitwig, Logic, Pro Tools, FL Studio, Finder, Explorer,
Nautilus, Dolphin) all take `text/uri-list`; terminals and text fields take the plain paths.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

from PyQt6.QtCore import QMimeData

from soundloom.desktop.export import ExportFormat, drag_file
from soundloom.desktop.selection import Region


def file_uri(path: str | Path) -> bytes:
    """`file:///…` of an absolute path, percent-encoding its raw bytes, so names that are not
    UTF-8 survive the trip."""
    return b"file://" + quote(os.fsencode(os.path.abspath(path)), safe=b"/").encode("ascii")


def mime_for_files(paths: list[Path]) -> QMimeData:
    """Drag or clipboard data naming existing files."""
    mime = QMimeData()
    uris = [file_uri(path) for path in paths]
    mime.setData("text/uri-list", b"".join(uri + b"\r\n" for uri in uris))  # RFC 2483: CRLF after each
    mime.setData("text/plain", b"\n".join(os.fsencode(os.path.abspath(path)) for path in paths))
    # GNOME's file managers paste a file from this; the others read text/uri-list.
    mime.setData("x-special/gnome-copied-files", b"\n".join([b"copy", *uris]))
    return mime


def drag_mime(source: str | Path, region: Region | None = None, fmt: ExportFormat = ExportFormat(),
              generated: bool = False, folder: str | Path | None = None,
              metadata: dict | None = None) -> tuple[QMimeData, Path]:
    """Render what is being dragged (if it needs rendering), then the mime data naming that file.

    The file exists before the drag starts: a DAW reads it the moment the drop lands.
    """
    path = drag_file(source, region, fmt, generated, folder, metadata)
    return mime_for_files([path]), path
