"""An engine daemon started for a bench: its own data folder, quiet logs, ready when its connection file exists."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path


def start_engine(model: Path, root: Path) -> tuple[subprocess.Popen, Path]:
    """`soundloom serve` on `model` with data under `root`; returns the process and its connection file."""
    connection = root / "engine.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "soundloom.daemon", "serve", "--model", str(model), "--data-dir", str(root / "data"),
         "--connection-file", str(connection), "--log-level", "WARNING"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    while not connection.exists():
        if process.poll() is not None:
            raise SystemExit(f"the engine exited with code {process.returncode}")
        time.sleep(0.05)
    return process, connection
