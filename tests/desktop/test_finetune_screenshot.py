"""`soundloom desktop --screenshot --scenario finetune`: the fine-tuning view part-way through a real
run (tiny model), in an engine of the screenshot's own that leaves nothing behind."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PyQt6.QtGui import QImage

from finetune_helpers import fingerprint, write_training_library
from soundloom.desktop import theme


@pytest.mark.slow  # an engine start, four training steps and a test render: half a minute or more
def test_a_screenshot_of_the_fine_tuning_view(tmp_path, tiny_model_path):
    library = write_training_library(tmp_path / "Hallway Foley")
    before = fingerprint(library)
    png = tmp_path / "finetune.png"
    data = tmp_path / "data"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SOUNDLOOM_DATA_DIR=str(data),
               SOUNDLOOM_RUNTIME_DIR=str(tmp_path / "run"), SOUNDLOOM_MODEL=str(tiny_model_path))
    result = subprocess.run(
        [sys.executable, "-m", "soundloom.sdk.cli", "desktop", "--screenshot", str(png), "--library", str(library),
         "--scenario", "finetune", "--steps", "4", "--prompt", "a bright anvil hit", "--size", "900x800"],
        env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    image = QImage(str(png))
    assert (image.width(), image.height()) == (900, 800)
    # The loss line is drawn (in the waveform colour), so the run had reached the plot.
    line = theme.WAVEFORM.rgb()
    assert sum(image.pixel(x, y) == line for x in range(0, 900, 2) for y in range(300, 800, 2)) > 20
    # The run, its adapter, training set and test render lived in the screenshot's scratch folder.
    assert not data.exists() or not [p for p in data.rglob("*") if "adapter" in p.name or p.suffix == ".wav"]
    assert fingerprint(library) == before


def test_the_fine_tuning_screenshot_needs_a_folder(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "soundloom.sdk.cli", "desktop", "--screenshot", str(tmp_path / "x.png"),
         "--scenario", "finetune"],
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"), capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "--scenario finetune needs --library DIR" in result.stderr
    assert not (tmp_path / "x.png").exists()
