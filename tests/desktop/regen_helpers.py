"""Shared steps of the regenerate and editor tests: real files, read back natively."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import soundfile as sf

from sounds import write_tone


def sha(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def native(path) -> np.ndarray:
    """Every sample as the file holds it: int32 for PCM (exact), the float itself for float files."""
    info = sf.info(os.fsencode(path))
    dtype = {"FLOAT": "float32", "DOUBLE": "float64"}.get(info.subtype, "int32")
    return sf.read(os.fsencode(path), dtype=dtype, always_2d=True)[0]


def clip_24bit_stereo(folder: Path, seconds: float = 1.0, name: str = "Door Slam.wav") -> Path:
    """A 24-bit stereo 48 kHz WAV, the usual DAW clip."""
    return write_tone(folder / name, seconds, rate=48000, channels=2, hz=220.0, subtype="PCM_24", amplitude=0.4)


def split_by_region(data: np.ndarray, rate: int, region: tuple[float, float]):
    """(frames outside the region, frames inside it) of [frames, channels] samples."""
    first, stop = round(region[0] * rate), round(region[1] * rate)
    outside = np.concatenate([data[:first], data[stop:]])
    return outside, data[first:stop]


def open_editor(qtbot, path, output, link, timeout=60_000):
    """An EditorWindow on `path`, shown, with its peaks drawn."""
    from soundloom.desktop.editor_window import EditorWindow

    window = EditorWindow(path, output, link)
    qtbot.addWidget(window)
    window.resize(1200, 700)
    window.show()
    qtbot.waitUntil(window.settled, timeout=timeout)
    return window


def regenerate(qtbot, panel, timeline, region, prompt="glass shatter", takes=2, steps=2, seed=3, timeout=180_000):
    """Select `region` on `timeline`, regenerate it with `panel` into `takes` takes, and wait for their files."""
    timeline.select(*region)
    panel.prompt.setText(prompt)
    panel.count.setValue(takes)
    panel.steps.setValue(steps)
    panel.seed.setText(str(seed))
    before = len(panel.takes.takes)
    assert panel.regenerate() is not None, panel.last_error
    qtbot.waitUntil(lambda: len(panel.takes.takes) == before + takes or bool(panel.last_error), timeout=timeout)
    assert not panel.last_error, panel.last_error
    return panel.takes.takes[before:]
