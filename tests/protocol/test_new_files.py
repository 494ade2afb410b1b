"""Files published through protocol.new_files take a free name and never replace a file, on a real disk,
with hard links and, on disks without them, with the fallback."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from soundloom.protocol import new_files
from soundloom.protocol.atomic_files import new_file_mode
from soundloom.protocol.new_files import link_new, numbered_names, publish_new, unnamed_file


def failing(error: OSError):
    def fail(*args, **kwargs):
        raise error

    return fail


@pytest.fixture(params=["hard links", "no hard links"])
def disk(request, monkeypatch):
    """The same tests on a disk that has hard links and on one that has none (as FAT, where Linux says EPERM)."""
    if request.param == "no hard links":
        monkeypatch.setattr(new_files.os, "link", failing(PermissionError(errno.EPERM, "Operation not permitted")))
    return request.param


def test_an_existing_name_is_never_replaced_and_the_next_free_one_is_taken(tmp_path, disk):
    (tmp_path / "kick.wav").write_bytes(b"the user's kick")
    (tmp_path / "kick (2).wav").write_bytes(b"another kick")
    with unnamed_file(tmp_path, prefix="saving-", suffix=".wav") as temporary:
        temporary.write_bytes(b"new kick")
        published = publish_new(temporary, numbered_names(tmp_path / "kick.wav"))
    assert published == tmp_path / "kick (3).wav" and published.read_bytes() == b"new kick"
    assert (tmp_path / "kick.wav").read_bytes() == b"the user's kick"
    assert (tmp_path / "kick (2).wav").read_bytes() == b"another kick"
    assert sorted(os.listdir(tmp_path)) == ["kick (2).wav", "kick (3).wav", "kick.wav"]  # no temporary file left


def test_when_every_name_is_taken_nothing_is_replaced_and_no_temporary_file_is_left(tmp_path, disk):
    (tmp_path / "take.wav").write_bytes(b"keep me")
    with unnamed_file(tmp_path, prefix="saving-") as temporary:
        temporary.write_bytes(b"new")
        assert publish_new(temporary, [tmp_path / "take.wav"]) is None
    assert (tmp_path / "take.wav").read_bytes() == b"keep me"
    assert os.listdir(tmp_path) == ["take.wav"]


def test_a_failure_while_writing_leaves_no_temporary_file(tmp_path):
    with pytest.raises(ZeroDivisionError):
        with unnamed_file(tmp_path, prefix="saving-", suffix=".wav") as temporary:
            temporary.write_bytes(b"half")
            1 / 0
    assert os.listdir(tmp_path) == []


def test_a_failed_rename_on_a_disk_without_hard_links_leaves_neither_file(tmp_path, monkeypatch):
    monkeypatch.setattr(new_files.os, "link", failing(OSError(errno.ENOTSUP, "Operation not supported")))
    monkeypatch.setattr(new_files.os, "replace", failing(OSError(errno.EIO, "I/O error")))
    with pytest.raises(OSError, match="I/O error"):
        with unnamed_file(tmp_path, prefix="saving-") as temporary:
            publish_new(temporary, [tmp_path / "clip.wav"])
    assert os.listdir(tmp_path) == []  # the name claimed for the rename is given back too


def test_a_taken_name_holding_the_same_file_is_reused(tmp_path, disk):
    (tmp_path / "door.wav").write_bytes(b"other door")
    (tmp_path / "door (2).wav").write_bytes(b"same door")
    with unnamed_file(tmp_path, prefix="export-") as temporary:
        temporary.write_bytes(b"same door")
        published = publish_new(temporary, numbered_names(tmp_path / "door.wav"),
                                reuse=lambda taken: taken.read_bytes() == temporary.read_bytes())
    assert published == tmp_path / "door (2).wav"
    assert sorted(os.listdir(tmp_path)) == ["door (2).wav", "door.wav"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_published_file_has_the_permissions_of_any_new_file(tmp_path, disk):
    with unnamed_file(tmp_path, prefix="saving-") as temporary:
        published = publish_new(temporary, [tmp_path / "clip.wav"])
    assert stat.S_IMODE(published.stat().st_mode) == new_file_mode()


def test_a_second_name_by_link_keeps_the_first_and_skips_taken_names(tmp_path):
    (tmp_path / "take.wav").write_bytes(b"take")
    (tmp_path / "kept.wav").write_bytes(b"user's")
    linked = link_new(tmp_path / "take.wav", numbered_names(tmp_path / "kept.wav"))
    assert linked == tmp_path / "kept (2).wav" and os.path.samefile(linked, tmp_path / "take.wav")
    assert (tmp_path / "kept.wav").read_bytes() == b"user's"
