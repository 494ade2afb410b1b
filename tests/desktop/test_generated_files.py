"""Clips saved into the Generated folder: whole, never replacing a file, and the user's to share."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from soundloom.desktop.generated_files import save_clip
from soundloom.protocol.atomic_files import new_file_mode
from soundloom.sdk.audio import Audio
from soundloom.sdk.bwf import read_chunks


def test_a_saved_clip_has_a_new_name_its_settings_and_leaves_nothing_else(tmp_path):
    audio = Audio(np.full((1, 1600), 0.25, np.float32), 16000, {"prompt": "rain on a tin roof", "seed": 7})
    folder = tmp_path / "Generated"
    first, second = save_clip(audio, folder), save_clip(audio, folder)
    assert (first.name, second.name) == ("rain on a tin roof_7.wav", "rain on a tin roof_7 (2).wav")
    assert b"bext" in read_chunks(first)
    assert sorted(os.listdir(folder)) == sorted([first.name, second.name])  # no temporary file left


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_saved_clip_gets_the_permissions_of_any_new_file_not_the_temporary_files_private_ones(tmp_path):
    path = save_clip(Audio(np.zeros((1, 1600), np.float32), 16000, {"prompt": "hum", "seed": 1}), tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == new_file_mode()
