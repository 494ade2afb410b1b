"""The Qt-free parts of regenerating: the takes list, input checks, the backups store and the
opened-file check, on real files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from soundloom.desktop.backups import BackupStore
from soundloom.desktop.file_state import FileState, change_since
from soundloom.desktop.regen_input import InputError, check_clip, check_extend, check_prompt, check_selection
from soundloom.desktop.takes_model import CANDIDATE, DISCARDED, KEPT, Take, TakesModel


def _take(source, n, kind="regenerate"):
    return Take(path=Path(f"/takes/{Path(source).stem}.take-{n}.wav"), source=Path(source), kind=kind,
                prompt="rain", seed=n, regions=((0.5, 1.0),))


def test_takes_are_numbered_per_sound_and_come_back_with_it():
    model = TakesModel()
    model.set_source(Path("/lib/a.wav"))
    first = model.add(_take("/lib/a.wav", 1))
    model.add(_take("/lib/a.wav", 2))
    assert [t.number for t in model.takes] == [1, 2] and model.selected == first.path
    assert model.takes[0].label() == "Take 1 · seed 1 · 0.50–1.00 s"
    late = model.add(_take("/lib/b.wav", 7))  # arrives for another sound: kept for it, not listed here
    assert late.number == 1 and len(model.takes) == 2
    model.set_source(Path("/lib/b.wav"))
    assert [t.path for t in model.takes] == [late.path] and model.selected == late.path
    model.set_source(Path("/lib/a.wav"))
    assert len(model.takes) == 2 and model.selected == model.takes[-1].path


def test_discarded_takes_leave_the_list_and_come_back_in_place():
    model = TakesModel()
    model.set_source(Path("/lib/a.wav"))
    takes = [model.add(_take("/lib/a.wav", n)) for n in (1, 2, 3)]
    model.select(takes[1].path)
    model.set_state(takes[1].path, DISCARDED)
    assert [t.number for t in model.takes] == [1, 3] and model.selected == takes[2].path
    model.set_state(takes[1].path, CANDIDATE)
    assert [t.number for t in model.takes] == [1, 2, 3]
    kept = model.set_state(takes[0].path, KEPT, Path("/gen/a.kept-1.wav"))
    assert kept.label().endswith("· kept") and model.kept_as(Path("/gen/a.kept-1.wav")).path == takes[0].path


@pytest.mark.parametrize("selection, message", [
    (None, "selection: none"),
    ((0.5, 0.5), "selection: 0.000 s long; select at least 0.05 s inside 0.00–2.00 s"),
    ((2.5, 3.0), "selection: 2.50–3.00 s lies outside the sound (0.00–2.00 s)"),
    ((-1.0, -0.2), "selection: -1.00–-0.20 s lies outside the sound"),
])
def test_bad_selections_are_refused_with_the_allowed_range(selection, message):
    with pytest.raises(InputError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        check_selection(selection, 2.0)


def test_selections_running_past_the_sound_are_clipped_and_said_so():
    assert check_selection((1.2, 0.4), 2.0) == ((0.4, 1.2), "")
    region, note = check_selection((1.5, 9.0), 2.0)
    assert region == (1.5, 2.0) and note == "selection clipped to the sound: 1.50–2.00 s"


def test_prompt_length_and_extension_limits():
    with pytest.raises(InputError, match="^prompt: empty"):
        check_prompt(" \n ")
    with pytest.raises(InputError, match="^prompt: 2,001 characters; at most 2,000"):
        check_prompt("x" * 2001)
    with pytest.raises(InputError, match="^sound: 0.05 s long"):
        check_clip(0.05)
    with pytest.raises(InputError, match="^sound: 90.00 s long; the engine re-imagines and extends sounds of 0.1 to 60 s"):
        check_clip(90.0)
    check_clip(90.0, regions=True)  # a selection of a long sound is fine
    with pytest.raises(InputError, match="^extend: 59.8 s; add 0.5 to 50.00 s"):
        check_extend(59.8, 10.0)


def test_backups_restore_the_bytes_and_back_up_what_they_replace(tmp_path):
    store = BackupStore(tmp_path / "backups")
    clip = tmp_path / "clip.wav"
    clip.write_bytes(b"version one")
    os.chmod(clip, 0o640)
    first = store.copy_of(clip, "before saving take 1 back")
    clip.write_bytes(b"version two, longer")
    assert [b.reason for b in store.list(clip)] == ["before saving take 1 back"]
    before = store.restore(first)
    assert clip.read_bytes() == b"version one" and oct(os.stat(clip).st_mode & 0o777) == "0o640"
    assert before.file.read_bytes() == b"version two, longer"
    assert [b.file.read_bytes() for b in store.list(clip)] == [b"version two, longer", b"version one"]
    assert store.list(tmp_path / "other.wav") == []
    assert not [p for p in clip.parent.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_a_change_on_disk_is_seen_even_at_the_same_size(tmp_path):
    clip = tmp_path / "clip.wav"
    clip.write_bytes(b"abcdef")
    opened = FileState.of(clip)
    assert change_since(clip, opened) == ""
    os.utime(clip, ns=(opened.mtime_ns + 10**9, opened.mtime_ns + 10**9))
    assert change_since(clip, opened) == ""  # touched, same bytes
    clip.write_bytes(b"abcdeg")
    os.utime(clip, ns=(opened.mtime_ns, opened.mtime_ns))
    assert "rewritten" in change_since(clip, opened)
    clip.write_bytes(b"abc")
    assert "6 → 3 bytes" in change_since(clip, opened)
    clip.unlink()
    assert "deleted or moved" in change_since(clip, opened)


def test_the_backups_dialog_lists_every_backup_and_restores_one(qtbot, tmp_path):
    from soundloom.desktop.backups_dialog import BackupsDialog

    store = BackupStore(tmp_path / "backups")
    a, b = tmp_path / "a.wav", tmp_path / "b.wav"
    a.write_bytes(b"a1")
    b.write_bytes(b"b1")
    store.copy_of(a, "before saving take 1 back")
    store.copy_of(b, "before saving take 4 back")
    a.write_bytes(b"a2")
    dialog = BackupsDialog(store)
    qtbot.addWidget(dialog)
    assert dialog.list.count() == 2 and {"a.wav", "b.wav"} == {t.split(" · ")[0] for t in
                                                                (dialog.list.item(i).text() for i in range(2))}
    dialog.list.setCurrentRow(next(i for i, backup in enumerate(dialog.backups) if backup.original == a))
    dialog.restore_button.click()
    assert a.read_bytes() == b"a1" and b.read_bytes() == b"b1"
    assert dialog.list.count() == 3  # what the restore replaced is a backup too
