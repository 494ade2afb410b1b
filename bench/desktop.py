"""The desktop browser's speed: peaks of a 10-minute file, and how responsive the window stays while
a library of a few thousand files is indexed.

    python bench/desktop.py [--files 3000] [--minutes 10]

Peaks: time to build the pyramid of a 10-minute 48 kHz stereo 24-bit WAV from the file, to load it
again from the cache, and to compute the columns of a 1600-pixel view (what a repaint costs),
against reading the same file once with soundfile (the floor any approach pays).

Responsiveness: the window runs offscreen while it indexes `--files` short files and a user browses
(a row selected every 150 ms, a search typed now and then). A 10 ms timer measures the longest wall
clock gap in the event loop, side by side with the same window idle; every event the UI thread
handles is timed in its own CPU time (the work the app itself does, whatever else the machine runs).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "desktop"))  # the timed application and fake output


def ten_minute_file(folder: Path, minutes: float) -> Path:
    path = folder / "long take.wav"
    rate, block = 48000, 48000 * 10
    rng = np.random.default_rng(0)
    with sf.SoundFile(path, "w", rate, 2, subtype="PCM_24") as f:
        for i in range(int(minutes * 60 / 10)):
            t = np.arange(block) / rate
            x = 0.4 * np.sin(2 * np.pi * (110 + i) * t) * np.exp(-(t % 2)) + 0.05 * rng.standard_normal(block)
            f.write(np.stack([x, 0.8 * x], axis=1).astype(np.float32))
    return path


def bench_peaks(folder: Path, minutes: float, repeats: int = 3) -> None:
    from soundloom.desktop.peaks import PeakCache, build

    path = ten_minute_file(folder, minutes)
    size_mb = path.stat().st_size / 2**20
    read, built, cached, columns = [], [], [], []
    for i in range(repeats):  # interleaved, so machine load hits every measure alike
        started = time.perf_counter()
        with sf.SoundFile(path) as f:
            while len(f.read(1 << 18, dtype="float32")):
                pass
        read.append(time.perf_counter() - started)
        started = time.perf_counter()
        pyramid = build(path)
        built.append(time.perf_counter() - started)
        cache = PeakCache(folder / f"cache{i}")
        cache.pyramid(path)
        started = time.perf_counter()
        cache.pyramid(path)
        cached.append(time.perf_counter() - started)
        started = time.perf_counter()
        for start, end in ((0, minutes * 60), (30, 40), (61.0, 61.05)):
            pyramid.columns(start, end, 1600)
        columns.append((time.perf_counter() - started) / 3)
    med = statistics.median
    print(f"peaks of a {minutes:g}-minute 48 kHz stereo 24-bit WAV ({size_mb:.0f} MB), median of {repeats}:")
    print(f"  read once with soundfile (float32)   {med(read):6.2f} s")
    print(f"  build the pyramid                    {med(built):6.2f} s   ({med(built) / med(read):.2f}× a plain read)")
    print(f"  open again (cache hit)               {med(cached) * 1000:6.1f} ms")
    print(f"  columns of a 1600-px view            {med(columns) * 1000:6.2f} ms")
    print(f"  cache file                           {sum(p.stat().st_size for p in (folder / 'cache0').glob('*.npz')) / 2**20:6.1f} MB")


def many_sounds(root: Path, count: int) -> None:
    t = np.arange(4800) / 16000
    for i in range(count):
        path = root / f"group {i % 40:02d}" / f"UIBeep_Tone {i:05d}_SL_UI.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, (0.3 * np.sin(2 * np.pi * (200 + i % 2000) * t)).astype(np.float32), 16000, subtype="PCM_16")


def bench_responsiveness(folder: Path, files: int) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    for name in ("SOUNDLOOM_DATA_DIR", "SOUNDLOOM_CACHE_DIR", "SOUNDLOOM_RUNTIME_DIR"):
        (folder / name).mkdir(mode=0o700)
        os.environ[name] = str(folder / name)
    from PyQt6.QtCore import QSettings, QTimer

    from fake_output import FakeOutput
    from stall_probe import StallProbe, TimedApplication
    from soundloom.desktop.tasks import LibraryService
    from soundloom.desktop.window import MainWindow

    app = TimedApplication([])
    root = folder / "Library"
    many_sounds(root, files)
    library = LibraryService(folder / "library.sqlite3")
    window = MainWindow(library, FakeOutput(), QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat),
                        scan_on_start=False)
    window.resize(1440, 900)
    window.show()

    def run_until(condition, seconds=None) -> None:
        deadline = time.monotonic() + seconds if seconds else None
        while not condition() and (deadline is None or time.monotonic() < deadline):
            app.processEvents()
            time.sleep(0.002)

    step = [0]

    def browse() -> None:
        if window.results.rowCount():
            step[0] += 1
            window.table.selectRow(step[0] % window.results.rowCount())
            window.search_bar.text.setText("tone" if step[0] % 8 == 4 else "")

    browser = QTimer(interval=150)
    browser.timeout.connect(browse)

    run_until(window.settled, 30)
    idle = StallProbe()
    idle.start()
    app.start_timing()
    browser.start()
    run_until(lambda: False, 8)  # browsing an empty window for a baseline
    idle.stop()
    app.stop_timing()
    idle_event = app.longest

    probe = StallProbe()
    gaps = []
    original = probe._tick

    def tick() -> None:
        before = probe._last
        original()
        gaps.append(probe._last - before)

    probe.timer.timeout.disconnect()
    probe.timer.timeout.connect(tick)
    started = time.perf_counter()
    window.add_library_folder(str(root))
    probe.start()
    app.start_timing()
    run_until(lambda: window.last_scan is not None)
    scanned = time.perf_counter() - started
    browser.stop()
    run_until(window.settled, 60)
    probe.stop()
    app.stop_timing()
    report = window.last_scan
    print(f"indexing {files} files while browsing ({report.added} added in {scanned:.1f} s, "
          f"{report.added / scanned:.0f} files/s, {step[0]} selections):")
    print(f"  longest UI-thread event (CPU)        {app.longest * 1000:6.1f} ms   ({app.longest_event}; "
          f"{idle_event * 1000:.1f} ms idle)")
    print(f"  longest event-loop gap (wall)        {probe.max_gap * 1000:6.1f} ms   ({idle.max_gap * 1000:.1f} ms idle, "
          f"{probe.max_gap / idle.max_gap:.1f}×)")
    print(f"  99th percentile gap (wall)           {np.percentile(gaps, 99) * 1000:6.1f} ms   (10 ms ticks)")
    print(f"  load average                         {os.getloadavg()[0]:6.1f}     on {os.cpu_count()} cores")
    window.close()
    library.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=3000, help="files to index for the responsiveness measure")
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the file whose peaks are built")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="soundloom-bench-") as scratch:
        bench_peaks(Path(scratch), args.minutes)
    with tempfile.TemporaryDirectory(prefix="soundloom-bench-") as scratch:
        bench_responsiveness(Path(scratch), args.files)


if __name__ == "__main__":
    main()
