"""`soundloom desktop --screenshot --scenario generating`: the program mid-generation, offscreen,
against a real engine (tiny model)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PyQt6.QtGui import QImage

from soundloom.desktop.jobs_panel import DONE_BAR


@pytest.mark.slow  # an engine start and several takes: a minute or more on a loaded machine
def test_a_screenshot_mid_generation(tmp_path, sound_library, desktop_engine):
    png = tmp_path / "generating.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SOUNDLOOM_DATA_DIR=str(tmp_path / "data"))
    result = subprocess.run(
        [sys.executable, "-m", "soundloom.sdk.cli", "desktop", "--screenshot", str(png), "--library",
         str(sound_library), "--scenario", "generating", "--engine-file", str(desktop_engine.connection_file),
         "--generate", "door slam", "--generate", "rain", "--size", "1280x800"],
        env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    image = QImage(str(png))
    assert (image.width(), image.height()) == (1280, 800)
    # The jobs dock on the right shows finished jobs' full (green) progress bars.
    green = DONE_BAR.rgb()
    assert sum(image.pixel(x, y) == green for x in range(900, 1280, 2) for y in range(0, 800, 2)) > 50
