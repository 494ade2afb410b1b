"""`--edit FILE`: the external sample editor over a real engine (tiny model) and real files: regenerate
a selection, save the take back in the file's own format after a backup, restore it, and what
happens when the file changes on disk while open."""

from __future__ import annotations

import numpy as np
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
