"""Start an engine that belongs to no client: `python -m soundloom.daemon.detach CONNECTION_FILE -- COMMAND…`.

This short-lived process starts COMMAND (an engine) in a session of its own and exits once the
engine has written CONNECTION_FILE naming itself (exit 0), or with the engine's exit code when the
engine ends first. The engine is then nobody's child: the client that asked for it finds an engine
it did not start, uses it, and leaves it running when it closes; the engine's idle timeout ends it.

Only the standard library is imported, so this adds little to an engine's start.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

POLL_S = 0.05


def _file_pid(path: str) -> int | None:
    try:
        with open(path, encoding="utf-8") as handle:
            pid = json.load(handle).get("pid")
    except (OSError, ValueError, AttributeError):
        return None  # not written yet, or being replaced
    return pid if isinstance(pid, int) else None


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: python -m soundloom.daemon.detach CONNECTION_FILE -- COMMAND...", file=sys.stderr)
        return 2
    connection_file, command = argv[0], argv[2:]
    # stdout and stderr are inherited: the engine writes to the log file the launcher opened for us.
    engine = subprocess.Popen(command, stdin=subprocess.DEVNULL, start_new_session=True, close_fds=True)
    while True:
        if _file_pid(connection_file) == engine.pid:
            return 0
        code = engine.poll()
        if code is not None:
            return code
        time.sleep(POLL_S)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
