"""One engine per connection file: an exclusive lock held for the engine's whole life.

Two engines writing the same connection file would leave one of them serving unseen, holding its
ports, out of reach of `soundloom stop`. The lock is `flock` on `<connection file>.lock`: the kernel
releases it when the process ends however it ends, so a crashed engine never blocks the next one.
The lock file stays in place (deleting it would let two engines lock two different files).
"""

from __future__ import annotations

import os
from pathlib import Path

from soundloom.protocol.connection import ENGINE_RUNNING_EXIT
from soundloom.protocol.errors import ErrorCode, SoundloomError

try:
    import fcntl
except ImportError:  # Windows: no flock; the launcher's pid check is what guards there
    fcntl = None

__all__ = ["ENGINE_RUNNING_EXIT", "EngineLock"]


class EngineLock:
    """Take with `acquire()`; it is held until the process exits (or `release()`)."""

    def __init__(self, connection_file: Path):
        self.connection_file = Path(connection_file)
        self.path = self.connection_file.with_name(self.connection_file.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        """Lock, or raise `engine_running` naming the pid of the engine that holds the lock."""
        if fcntl is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise SoundloomError(
                ErrorCode.ENGINE_RUNNING,
                f"an engine (pid {holder}) already serves {self.connection_file}; stop it with "
                "`soundloom stop`, or give this one another --connection-file",
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None
