"""Files written through protocol.atomic_files appear whole or not at all, on a real disk."""

from __future__ import annotations

import os
import stat

import pytest

from soundloom.protocol.atomic_files import (
    atomic_path,
    atomic_writer,
    new_file_mode,
    write_bytes_atomically,
    write_text_atomically,
)


class Interrupted(Exception):
    pass


def test_the_target_appears_whole_and_nothing_else_is_left(tmp_path):
    target = tmp_path / "clip.bin"
    with atomic_writer(target) as file:
        file.write(b"first half ")
        assert not target.exists()  # nothing at the target until the file is complete
        file.write(b"second half")
    assert target.read_bytes() == b"first half second half"
    assert os.listdir(tmp_path) == ["clip.bin"]


def test_a_failure_mid_write_keeps_the_old_file_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "settings.json"
    target.write_text("old")
    with pytest.raises(Interrupted):
        with atomic_writer(target) as file:
            file.write(b"half of the new")
            raise Interrupted
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["settings.json"]


def test_a_library_that_writes_to_a_path_gets_one_with_the_target_suffix(tmp_path):
    target = tmp_path / "take.flac"
    with atomic_path(target) as temporary:
        assert temporary.parent == tmp_path and temporary.suffix == ".flac" and temporary.name.startswith(".")
        temporary.write_bytes(b"encoded")
    assert target.read_bytes() == b"encoded" and os.listdir(tmp_path) == ["take.flac"]

    with pytest.raises(Interrupted):
        with atomic_path(target, sync=False) as temporary:
            temporary.write_bytes(b"half")
            raise Interrupted
    assert target.read_bytes() == b"encoded" and os.listdir(tmp_path) == ["take.flac"]


def test_text_keeps_undecodable_file_names_when_asked(tmp_path):
    name = os.fsdecode(b"caf\xe9.wav")  # a Latin-1 file name on a UTF-8 system
    write_text_atomically(tmp_path / "roots.json", f'["{name}"]', errors="surrogateescape", sync=False)
    assert (tmp_path / "roots.json").read_bytes() == b'["caf\xe9.wav"]'
    with pytest.raises(UnicodeEncodeError):
        write_text_atomically(tmp_path / "roots.json", name)
    assert os.listdir(tmp_path) == ["roots.json"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_permissions_are_those_a_plain_write_leaves_unless_set(tmp_path):
    fresh = tmp_path / "new.wav"
    write_bytes_atomically(fresh, b"x")
    assert stat.S_IMODE(fresh.stat().st_mode) == new_file_mode()  # not the temporary file's private 0600

    kept = tmp_path / "kept.wav"
    kept.write_bytes(b"old")
    kept.chmod(0o640)
    write_bytes_atomically(kept, b"new")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640

    secret = tmp_path / "engine.json"
    secret.write_text("{}")
    secret.chmod(0o644)
    write_text_atomically(secret, '{"key": "k"}', mode=0o600)
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
