"""`soundloom desktop --edit FILE --screenshot PNG --region S:E --prompt TEXT`: the external editor with
a regenerated selection and its takes, A/B, offscreen against a real engine (tiny model)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PyQt6.QtGui import QImage

from regen_helpers import clip_24bit_stereo, sha
from soundloom.desktop import theme


@pytest.mark.slow  # a subprocess that loads Qt and the SDK and makes three takes: over 5 s on a loaded machine
def test_the_editor_screenshot_regenerates_a_region_into_takes(tmp_path, desktop_engine):
    clip = clip_24bit_stereo(tmp_path / "Session", seconds=2.0)
    before = sha(clip)
    png = tmp_path / "editor.png"
    data = tmp_path / "data"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SOUNDLOOM_DATA_DIR=str(data))
    result = subprocess.run(
        [sys.executable, "-m", "soundloom.sdk.cli", "desktop", "--edit", str(clip), "--screenshot", str(png),
         "--region", "0.5:1.2", "--prompt", "glass shatter", "--steps", "2",
         "--engine-file", str(desktop_engine.connection_file), "--size", "1280x720"],
        env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    image = QImage(str(png))
    assert (image.width(), image.height()) == (1280, 720)
    # Both waveforms (A above, B below) are drawn in the waveform colour.
    wave = theme.WAVEFORM.rgb()
    for top, bottom in ((60, 360), (380, 700)):
        assert sum(image.pixel(x, y) == wave for x in range(0, 1000, 4) for y in range(top, bottom, 2)) > 100
    # Three takes in the app's takes folder; the clip itself and its folder untouched.
    assert len(list((data / "takes").glob("Door Slam.take-*.wav"))) == 3
    assert sha(clip) == before and os.listdir(clip.parent) == [clip.name]
