"""Where an engine's ipc sockets live: a fresh folder only its user can enter.

A Unix socket is reachable by whoever may enter its folder, whatever the socket file's own mode,
so the sockets go into a new 0700 folder (mkdtemp) beside the connection file, which is the user's
private runtime directory. Socket paths are limited to about 100 bytes; when the runtime
directory's path is too long, the folder is made in the system's temporary directory instead,
still 0700 and still new.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

MAX_SOCKET_PATH = 100  # sockaddr_un holds 104 (macOS) or 108 (Linux) bytes with the terminating NUL
SOCKET_NAME = "engine"  # sockets are <folder>/engine-1 … engine-4 (the connection file's ipc scheme)


def make_ipc_prefix(near: Path) -> Path:
    """A new private folder for the sockets, returned as the prefix the connection file's `ip` holds."""
    for parent in (near, Path(tempfile.gettempdir())):
        # The longest socket path is the prefix plus "-N"; mkdtemp adds "soundloom-" and 8 characters.
        if len(str(parent)) + len("/soundloom-XXXXXXXX/") + len(SOCKET_NAME) + 2 <= MAX_SOCKET_PATH:
            return Path(tempfile.mkdtemp(prefix="soundloom-", dir=parent)) / SOCKET_NAME
    return Path(tempfile.mkdtemp(prefix="sl-", dir="/tmp")) / SOCKET_NAME


def remove_ipc_prefix(prefix: Path) -> None:
    """Delete the folder `make_ipc_prefix` made, sockets and all."""
    shutil.rmtree(prefix.parent, ignore_errors=True)
