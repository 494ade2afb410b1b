"""The window stays responsive while a large library is indexed and the user browses meanwhile."""

from __future__ import annotations

import numpy as np
import soundfile as sf
from PyQt6.QtCore import QTimer

from stall_probe import UI_EVENT_LIMIT_S, StallProbe, TimedApplication


def many_sounds(root, count):
    t = np.arange(4800) / 16000
    for i in range(count):
        path = root / f"group {i % 20:02d}" / f"UIBeep_Tone {i:04d}_SL_UI.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, (0.3 * np.sin(2 * np.pi * (200 + i) * t)).astype(np.float32), 16000, subtype="PCM_16")


def test_the_ui_thread_is_never_busy_for_50ms_while_indexing(qtbot, qapp, make_window, tmp_path):
    assert isinstance(qapp, TimedApplication)
    root = tmp_path / "Many"
    many_sounds(root, 1000)
    window = make_window(root, wait=False)
    probe = StallProbe()
    probe.start()
    qapp.start_timing()

    # Browse while indexing: a user keeps clicking through whatever results are there.
    browse = QTimer(interval=150)
    step = [0]

    def next_row():
        if window.results.rowCount():
            step[0] += 1
            window.table.selectRow(step[0] % window.results.rowCount())
            window.search_bar.text.setText("tone" if step[0] % 8 == 4 else "")

    browse.timeout.connect(next_row)
    browse.start()
    # A fast machine may finish indexing before the first click: keep clicking until a few have
    # landed either way, so the measurement always covers browsing.
    qtbot.waitUntil(lambda: window.last_scan is not None and step[0] > 5, timeout=150_000)
    browse.stop()
    qtbot.waitUntil(window.settled, timeout=30_000)
    probe.stop()
    qapp.stop_timing()

    print(f"UI thread: longest event {qapp.longest * 1000:.1f} ms CPU ({qapp.longest_event}) of {qapp.events}; "
          f"longest gap between 10 ms ticks {probe.max_gap * 1000:.0f} ms")
    assert window.last_scan.added == 1000
    assert probe.ticks > 10
    assert qapp.longest < UI_EVENT_LIMIT_S, f"the UI thread spent {qapp.longest * 1000:.0f} ms on {qapp.longest_event}"
    # The wall clock also counts waiting for a core on a shared machine: only a loose bound here;
    # bench/desktop.py reports the figure.
    assert probe.max_gap < 1.0, f"the event loop stalled {probe.max_gap * 1000:.0f} ms"
