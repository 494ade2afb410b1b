"""Take files on a real disk: whole takes appear whole and shareable, and keeping a take works on a
disk without hard links, never replacing a file."""

from __future__ import annotations

import errno
import os
import stat

import numpy as np
import pytest
import soundfile as sf

from soundloom.desktop.take_files import keep, write_whole_take
from soundloom.desktop.takes_model import EXTEND, Take
from soundloom.protocol.atomic_files import new_file_mode


def no_hard_links(*args, **kwargs):
    raise PermissionError(errno.EPERM, "Operation not permitted")  # what Linux says on a FAT disk


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "kick.wav"
    sf.write(path, np.zeros(1600, np.float32), 16000)
    return path


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_whole_take_gets_the_next_number_and_the_permissions_of_any_new_file(tmp_path, source):
    folder = tmp_path / "takes"
    first, second = (write_whole_take(source, np.zeros((1, 800), np.float32), 16000, {"prompt": "kick"}, "extended",
                                      folder=folder) for _ in range(2))
    assert (first.name, second.name) == ("kick.extended-1.wav", "kick.extended-2.wav")
    assert stat.S_IMODE(second.stat().st_mode) == new_file_mode()
    assert sorted(os.listdir(folder)) == ["kick.extended-1.wav", "kick.extended-2.wav"]  # no temporary file left


def test_keeping_a_take_on_a_disk_without_hard_links_copies_it_beside_what_is_there(tmp_path, source, monkeypatch):
    take_path = write_whole_take(source, np.full((1, 800), 0.5, np.float32), 16000, {"prompt": "kick"}, "extended",
                                 folder=tmp_path / "takes")
    generated = tmp_path / "Generated"
    generated.mkdir()
    (generated / "kick.extended-1.wav").write_bytes(b"the user's own file")
    monkeypatch.setattr(os, "link", no_hard_links)
    kept = keep(Take(take_path, source, EXTEND, "kick", 1), folder=generated)
    assert kept == generated / "kick.extended-2.wav" and kept.read_bytes() == take_path.read_bytes()
    assert (generated / "kick.extended-1.wav").read_bytes() == b"the user's own file"
    assert stat.S_IMODE(kept.stat().st_mode) == stat.S_IMODE(take_path.stat().st_mode)
    assert sorted(os.listdir(generated)) == ["kick.extended-1.wav", "kick.extended-2.wav"]
