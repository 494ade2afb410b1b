"""`soundloom desktop --screenshot`: the whole program, from the command line, offscreen."""

from __future__ import annotations

import os
import subprocess
import sys

from PyQt6.QtGui import QColor, QImage

from soundloom.desktop import theme


def test_screenshot_from_the_command_line(tmp_path, sound_library):
    png = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-m", "soundloom.sdk.cli", "desktop", "--screenshot", str(png), "--library",
         str(sound_library), "--select", "anvil", "--size", "1280x800"],
        env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    image = QImage(str(png))
    assert (image.width(), image.height()) == (1280, 800)
    # The selected sound's waveform is drawn: plenty of pixels in the waveform colour.
    wave = theme.WAVEFORM.rgb()
    hits = sum(image.pixel(x, y) == wave for x in range(0, 1280, 4) for y in range(400, 800, 4))
    assert hits > 200, hits
    assert QColor(image.pixel(5, 400)).lightness() < 60  # a dark window
    # The throwaway index of a screenshot leaves the user's own alone.
    assert not (tmp_path / "data").exists() or not list((tmp_path / "data").glob("library*.sqlite3"))


def test_help_lists_the_options():
    result = subprocess.run([sys.executable, "-m", "soundloom.sdk.cli", "desktop", "--help"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for option in ("--screenshot", "--library", "--select", "--index", "--device"):
        assert option in result.stdout
