"""Damaged and awkward files, a read-only library and a damaged index: the window keeps working,
says what it skipped, and changes no user file."""

from __future__ import annotations

import hashlib
import os
import stat

import numpy as np
import soundfile as sf
from PyQt6.QtWidgets import QMessageBox

from sounds import write_tone


def fingerprint(root):
    out = {}
    for folder, folders, files in os.walk(root):
        for name in folders + files:
            path = os.path.join(folder, name)
            info = os.lstat(path)
            content = hashlib.sha256(open(path, "rb").read()).hexdigest() if stat.S_ISREG(info.st_mode) else ""
            out[path] = (content, info.st_mtime_ns, info.st_mode)
    return out


def awkward_library(root):
    good = write_tone(root / "Good" / "UIBeep_Clean Tone_SL_UI.wav", 1.0)
    whole = write_tone(root / "Bad" / "whole.wav", 2.0)
    (root / "Bad" / "truncated.wav").write_bytes(whole.read_bytes()[: 44 + 40000])
    whole.unlink()
    (root / "Bad" / "zero bytes.wav").write_bytes(b"")
    sf.write(root / "Bad" / "no samples.wav", np.zeros(0, np.float32), 48000)
    (root / "Bad" / "not audio.wav").write_bytes(os.urandom(5000))
    latin = os.fsdecode(b"Bad/porte claqu\xe9e.wav")
    write_tone(root / latin, 1.5, hz=220)
    os.symlink(root / "Bad", root / "Bad" / "loop")  # a folder that contains itself
    return good, root / latin


def test_awkward_files_in_a_read_only_library(qtbot, make_window, tmp_path):
    root = tmp_path / "Awkward"
    good, latin = awkward_library(root)
    for folder, _, _ in os.walk(root):
        os.chmod(folder, 0o555)
    before = fingerprint(root)
    try:
        window = make_window(root)
        report = window.last_scan
        indexed = {r.path for r in window.results.records}
        assert str(good) in indexed and os.fsdecode(os.fsencode(latin)) in indexed
        skipped = {os.path.basename(path): reason for path, reason in report.skipped}
        assert "not audio.wav" in skipped and skipped["not audio.wav"]
        # Every file is either indexed or reported with a reason: nothing disappears silently.
        for name in ("truncated.wav", "zero bytes.wav", "no samples.wav"):
            assert name in skipped or any(p.endswith(name) for p in indexed), name
        assert "skipped" in window.statusBar().currentMessage()

        window.show_skipped()
        box = window.findChild(QMessageBox)
        assert "not audio.wav" in box.detailedText()
        box.close()

        for record in list(window.results.records):  # every sound that was indexed opens
            window.table.selectRow(window.results.row_of(record.path))
            qtbot.waitUntil(lambda: window.detail.peaks_loaded, timeout=30_000)
        row = window.results.row_of(os.fsdecode(os.fsencode(latin)))
        window.table.selectRow(row)
        qtbot.waitUntil(lambda: window.detail.waveform.pyramid is not None, timeout=30_000)
        assert "\ufffd" in window.results.index(row, 0).data()
        window.timeline.select(0.2, 0.7)
        window.delivery.export()
        qtbot.waitUntil(lambda: window.delivery.last_export is not None, timeout=30_000)
        assert os.fsencode(window.delivery.last_export.name) == b"porte claqu\xe9e_0.20-0.70s.wav"
    finally:
        for folder, _, _ in os.walk(root):
            os.chmod(folder, 0o755)
    for path in before:  # chmod back changed only the folders' modes
        if not os.path.isdir(path):
            assert fingerprint(root)[path] == before[path]
    assert set(fingerprint(root)) == set(before)


def test_a_damaged_index_is_rebuilt_and_said_so(qtbot, make_window, small_library, tmp_path):
    index_path = tmp_path / "data" / "library.sqlite3"
    index_path.parent.mkdir(parents=True)
    index_path.write_bytes(b"SQLite format 3\0" + os.urandom(4096))
    window = make_window(small_library, index_path=index_path)
    assert len(window.results.records) == 10
    boxes = [box for box in window.findChildren(QMessageBox) if "damaged" in box.text()]
    assert boxes and boxes[0].isVisible()
    assert list(index_path.parent.glob("library.sqlite3.corrupt-*"))  # the damaged file is kept aside


def test_a_sound_deleted_after_indexing(qtbot, make_window, small_library, fake_output):
    window = make_window(small_library)
    record = window.results.record(2)
    os.unlink(record.path)
    window.table.selectRow(2)
    qtbot.waitUntil(lambda: window.detail.peaks_loaded, timeout=10_000)
    assert window.detail.waveform.pyramid is None
    assert "cannot read this file" in window.detail.waveform.message
    message = window.statusBar().currentMessage()
    assert not window.audition.playing and "cannot" in message and "No such file" in message
    window.delivery.copy_file()
    qtbot.waitUntil(lambda: "no longer exists" in window.statusBar().currentMessage(), timeout=10_000)
    window.table.selectRow(0)  # the next sound works as before
    qtbot.waitUntil(lambda: window.detail.waveform.pyramid is not None, timeout=10_000)
    assert window.audition.playing
