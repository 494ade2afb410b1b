"""What the fine-tuning tests share: a small real library inside the engine's library roots, a
fingerprint of it, and the dock hosted by a real main window connected to the real engine."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import soundfile as sf

from sounds import footsteps, impact, tone, whoosh

RATE = 16000
# Four short sounds the engine trains on, then one it skips as too short and one that is not audio.
SOUNDS = [
    ("DOORWood_Slam Heavy Oak_SL_Foley.wav", impact, 1.0),
    ("FEETHuman_Heels Walking Hallway_SL_Foley.wav", lambda r, s, d: footsteps(r, s, d, 3), 1.2),
    ("SWSHFast_Whoosh Fast Swish_SL_Design.wav", whoosh, 0.8),
    ("METLAnvl_Anvil Strike Ring_SL_Foley.wav", lambda r, s, d: tone(r, s, d, 880, 6, 0.4), 0.9),
]
TOO_SHORT = "UIClick_Tick_SL_UI.wav"
NOT_AUDIO = "Session Notes.wav"


def write_training_library(folder: Path) -> Path:
    rng = np.random.default_rng(3)
    folder.mkdir(parents=True, exist_ok=True)
    for name, make, seconds in SOUNDS:
        sf.write(folder / name, make(rng, RATE, seconds).astype(np.float32), RATE, subtype="PCM_16")
    sf.write(folder / TOO_SHORT, (0.5 * np.sin(np.arange(int(RATE * 0.05)) / 3)).astype(np.float32), RATE)
    (folder / NOT_AUDIO).write_text("take 3 was the good one\n")
    (folder / "readme.txt").write_text("recorded in the hallway\n")
    return folder


def fingerprint(folder: Path) -> dict[str, tuple]:
    """Every entry below `folder` (hidden ones too) with its SHA-256, size, mtime and mode: what 'the
    app never writes into the library' means."""
    found = {}
    for parent, folders, files in os.walk(folder):
        for name in folders + files:
            path = Path(parent) / name
            info = path.lstat()
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
            found[str(path.relative_to(folder))] = (digest, info.st_size, info.st_mtime_ns, info.st_mode)
    return found


def host_window(make_window, link, *folders):
    """A main window over `folders` talking to `link`, with its fine-tuning dock shown."""
    window = make_window(*folders, link=link)
    dock = window.finetune_dock
    dock.show()
    dock.raise_()  # it shares the right dock area with other panels, as tabs
    return window, dock


def choose_source(qtbot, dock, label: str) -> None:
    """Pick `label` in the dock's source list as a user would (the list fills from the library)."""
    dock.refresh_sources()
    qtbot.waitUntil(lambda: dock.source_box.findText(label) >= 0, timeout=60_000)
    row = dock.source_box.findText(label)
    dock.source_box.setCurrentIndex(row)
    dock.source_box.activated.emit(row)
