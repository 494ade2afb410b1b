"""`--edit FILE`: the external sample editor over a real engine (tiny model) and real files: regenerate
a selection, save the take back in the file's own format after a backup, restore it, and what
happens when the file changes on disk while open."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from regen_helpers import clip_24bit_stereo, native, open_editor, regenerate, sha, split_by_region


def test_save_back_keeps_the_format_and_a_restorable_backup(qtbot, tmp_path, link, fake_output):
    clip = clip_24bit_stereo(tmp_path / "session")
    original_bytes = clip.read_bytes()
    window = open_editor(qtbot, clip, fake_output, link)
    region = (0.3, 0.6)
    take = regenerate(qtbot, window.panel, window.timeline, region)[0]
    assert take.path.parent.name == "takes" and take.path.parent != clip.parent
    assert clip.read_bytes() == original_bytes  # a take is a new file; the clip is untouched until saved back

    window.panel.takes.select(take.path)
    assert window.save_back()
    info = sf.info(str(clip))
    assert (info.samplerate, info.channels, info.subtype, info.format) == (48000, 2, "PCM_24", "WAV")
    assert info.frames == 48000
    saved = native(clip)
    backups = window.session.backups.list(clip)
    assert len(backups) == 1 and backups[0].file.read_bytes() == original_bytes
    outside_new, inside_new = split_by_region(saved, 48000, region)
    outside_old, inside_old = split_by_region(native(backups[0].file), 48000, region)
    assert np.array_equal(outside_new, outside_old)
    assert not np.array_equal(inside_new, inside_old)
    assert sha(clip) == sha(take.path)

    dialog = window.show_backups()
    assert dialog.list.count() == 1
    dialog.restore_button.click()
    assert clip.read_bytes() == original_bytes
    # Restoring backed up what it replaced: the saved take is not lost either.
    backups = window.session.backups.list(clip)
    assert len(backups) == 2 and backups[0].file.read_bytes() == take.path.read_bytes()
    assert dialog.list.count() == 2


def test_a_file_changed_on_disk_is_not_written_over_unasked(qtbot, tmp_path, link, fake_output):
    clip = clip_24bit_stereo(tmp_path / "session")
    window = open_editor(qtbot, clip, fake_output, link)
    take = regenerate(qtbot, window.panel, window.timeline, (0.2, 0.4), takes=1)[0]
    # The DAW writes the clip meanwhile (same length: only the hash tells).
    data = native(clip)
    data[10:20] = 0
    sf.write(str(clip), data, 48000, subtype="PCM_24")
    changed = clip.read_bytes()

    assert not window.save_back()
    box = window.changed_box
    assert box is not None and box.isVisible() and "rewritten on disk since it was opened" in box.text()
    assert clip.read_bytes() == changed and not window.session.backups.list(clip)  # nothing written, nothing lost
    assert window.statusBar().currentMessage().startswith("⚠ ")

    window.overwrite_button.click()  # Save Anyway: the changed file is backed up first
    assert clip.read_bytes() == take.path.read_bytes()
    backups = window.session.backups.list(clip)
    assert len(backups) == 1 and backups[0].file.read_bytes() == changed


def test_reload_takes_the_changed_file_and_refuses_takes_of_the_old_one(qtbot, tmp_path, link, fake_output):
    clip = clip_24bit_stereo(tmp_path / "session")
    window = open_editor(qtbot, clip, fake_output, link)
    regenerate(qtbot, window.panel, window.timeline, (0.2, 0.4), takes=1)
    data = native(clip)
    data[30000:30010] = 0  # outside the take's region
    sf.write(str(clip), data, 48000, subtype="PCM_24")
    changed = clip.read_bytes()
    assert not window.save_back()
    window.reload_button.click()
    assert window.session.change() == ""
    qtbot.waitUntil(window.settled, timeout=60_000)
    assert not window.save_back()  # the take was made from the earlier version
    assert "was not saved back" in window.statusBar().currentMessage()
    assert clip.read_bytes() == changed and not window.session.backups.list(clip)


def test_a_file_that_cannot_be_written_back_exactly_is_refused(qtbot, tmp_path, capsys):
    from soundloom.desktop.app import main
    from soundloom.desktop.edit_session import EditError, EditSession

    mp3 = tmp_path / "clip.mp3"
    sf.write(str(mp3), np.zeros((4800, 1), np.float32), 48000, format="MP3")
    with pytest.raises(EditError) as refused:
        EditSession(mp3)
    assert "MP3" in str(refused.value) and "WAV" in str(refused.value)
    assert main(["--edit", str(mp3), "--screenshot", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("soundloom desktop: --edit clip.mp3:") and len(err.strip().splitlines()) == 1
    assert main(["--edit", str(tmp_path / "missing.wav"), "--screenshot", str(tmp_path / "x.png")]) == 2
    assert "no file at" in capsys.readouterr().err
