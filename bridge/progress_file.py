"""A progress file a DAW script polls: one JSON object, rewritten atomically on every change.

    {"state": "starting" | "running" | "done" | "failed", "progress": 0.0-1.0,
     "message": "one line", "takes": ["/abs/path", ...], "pid": 1234, "updated": "2026-12-04T00:10:00Z"}

Final states also carry "exit_code" (0 done, 2 bad input, 1 failure, 130 cancelled) and, when
failed, "error": {"code", "field"}. Each write goes to a temporary file in the same folder and is
renamed over the path, so a reader never sees half a file.
"""

from __future__ import annotations

import datetime
import json
import os
import threading
from pathlib import Path

from soundloom.bridge.errors import BridgeError
from soundloom.protocol.atomic_files import write_text_atomically

STATES = ("starting", "running", "done", "failed")
FINAL = ("done", "failed")


class ProgressFile:
    """Writes the progress of one command to `path`; `None` makes every call a no-op."""

    def __init__(self, path: str | os.PathLike | None):
        self.path = Path(path) if path is not None else None
        self.state: dict = {}
        self._lock = threading.Lock()
        if self.path is not None:
            folder = self.path.parent
            if not folder.is_dir():
                raise BridgeError(f"folder {folder} does not exist", "progress_file")
            if not os.access(folder, os.W_OK | os.X_OK):
                raise BridgeError(f"no permission to write in folder {folder}", "progress_file")

    @property
    def final(self) -> bool:
        return self.state.get("state") in FINAL

    def write(self, state: str, progress: float | None = None, message: str | None = None,
              takes: list | None = None, **extra) -> None:
        """Set the state (one of STATES) and rewrite the file; omitted fields keep their values."""
        if state not in STATES:
            raise ValueError(f"state must be one of {STATES}, got {state!r}")
        with self._lock:
            if self.final:  # the outcome is written once; nothing may turn it back into "running"
                return
            current = dict(self.state or {"progress": 0.0, "message": "", "takes": []})
            current["state"] = state
            if progress is not None:
                current["progress"] = round(min(max(float(progress), 0.0), 1.0), 4)
            if message is not None:
                current["message"] = " ".join(str(message).split())
            if takes is not None:
                current["takes"] = [str(Path(t).resolve()) for t in takes]
            current.update(extra)
            current["pid"] = os.getpid()
            current["updated"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")
            self.state = current
            self._flush(current)

    def _flush(self, data: dict) -> None:
        if self.path is None:
            return
        # Rewritten on every change for a DAW script that polls it: it must be whole, need not be durable.
        write_text_atomically(self.path, json.dumps(data, ensure_ascii=False), mode=0o644, sync=False)

    def running(self, progress: float, message: str) -> None:
        self.write("running", progress, message)

    def done(self, takes: list, message: str = "done", **extra) -> None:
        self.write("done", 1.0, message, takes, exit_code=0, **extra)

    def failed(self, message: str, exit_code: int = 1, error: dict | None = None) -> None:
        self.write("failed", None, message, exit_code=exit_code, error=error)
