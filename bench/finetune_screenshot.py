"""Render docs/desktop-finetune.png: the desktop app's fine-tuning view part-way through a real run.

    python bench/finetune_screenshot.py [--out docs/desktop-finetune.png] [--model engine/weights/starter]
                                        [--steps 400] [--until 180] [--size 1440x900]

Writes a small Foley library (synthesised sounds), starts an engine on the model with that library
among its library roots, opens the main window offscreen with the fine-tuning dock, previews the
library, edits one caption, trains, and grabs the fine-tuning view once the loss has reached step `--until`
and a validation render is listed. Then it cancels the run and stops the engine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests" / "desktop"))  # the synthesised sound library of the desktop tests

FOLEY = ("DOORWood_Slam Heavy Oak_SL_Foley.wav", "DOORWood_Close Soft Latch_SL_Foley.wav",
         "DOORMetl_Slam Steel Fire Door_SL_Foley.wav", "FEETHuman_Heels Walking Hallway_SL_Foley.wav",
         "GLASBrk_Glass Shatter Window_SL_Foley.wav", "METLAnvl_Anvil Strike Ring_SL_Foley.wav",
         "CLOTHMvmt_Jacket Rustle Movement_SL_Foley.wav", "UIClick_Button Click Soft_SL_UI.wav")


def write_foley(folder: Path) -> None:
    from sounds import LIBRARY, write_library

    write_library(folder, [entry for entry in LIBRARY if entry[0] in FOLEY], subfolders=False)
    (folder / "Session Notes.wav").write_text("not a sound\n")  # shows up as skipped, with the reason


def start_engine(model: Path, root: Path, library_root: Path) -> tuple[subprocess.Popen, Path]:
    connection = root / "engine.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "soundloom.daemon", "serve", "--model", str(model), "--data-dir", str(root / "engine-data"),
         "--connection-file", str(connection), "--library-root", str(library_root), "--log-level", "WARNING"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ, SOUNDLOOM_RUNTIME_DIR=str(root)),
    )
    while not connection.exists():
        if process.poll() is not None:
            raise SystemExit(f"the engine exited with code {process.returncode}")
        time.sleep(0.05)
    return process, connection


def _size(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    return int(width), int(height)


def wait_until(app, condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        app.processEvents()
        time.sleep(0.01)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "desktop-finetune.png")
    parser.add_argument("--model", type=Path, default=REPO / "engine" / "weights" / "starter")
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--until", type=int, default=180, help="grab once the loss has reached this step")
    parser.add_argument("--size", default="1440x900", help="the main window's size")
    parser.add_argument("--dock-size", default="980x900", help="the fine-tuning view's size in the picture")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    with tempfile.TemporaryDirectory(prefix="soundloom-finetune-shot-") as scratch:
        root = Path(scratch)
        libraries = root / "home"  # stands for the home folder: libraries and the app's data live there
        os.environ["SOUNDLOOM_DATA_DIR"] = str(libraries / ".local" / "share" / "soundloom")
        os.environ["SOUNDLOOM_CACHE_DIR"] = str(root / "cache")
        foley = libraries / "Sounds" / "Foley"
        write_foley(foley)
        process, connection = start_engine(args.model.resolve(), root, libraries)
        try:
            return shoot(args, root, foley, connection)
        finally:
            process.terminate()
            process.wait(60)


def shoot(args, root: Path, foley: Path, connection: Path) -> int:
    from PyQt6.QtCore import QSettings
    from PyQt6.QtWidgets import QApplication

    from soundloom.desktop import theme
    from soundloom.desktop.engine_link import EngineLink
    from soundloom.desktop.output import open_output
    from soundloom.desktop.tasks import LibraryService
    from soundloom.desktop.window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    theme.apply(app)
    settings = QSettings(str(root / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("audition/auto_play", False)
    link = EngineLink(connection, start_engine=False)
    library = LibraryService(root / "library.sqlite3")
    window = MainWindow(library, open_output(None), settings, scan_on_start=False, link=link)
    window.resize(*_size(args.size))
    dock = window.finetune_dock
    window.show()
    link.start()
    window.add_library_folder(str(foley))
    wait_until(app, lambda: link.status.connected and window.last_scan is not None and window.settled(), 300,
               "the engine and the library scan")
    # The picture is of the fine-tuning view itself: floated off the window at a size where file
    # names and captions read in full (docked, it shares the window with the browser).
    dock.setFloating(True)
    dock.resize(*_size(args.dock_size))
    dock.show()
    dock.raise_()

    dock.refresh_sources()
    wait_until(app, lambda: dock.source_box.findText("Folder: Foley") >= 0, 60, "the library folders")
    row = dock.source_box.findText("Folder: Foley")
    dock.source_box.setCurrentIndex(row)
    dock.source_box.activated.emit(row)
    wait_until(app, lambda: bool(dock.dataset.clips), 120, "the preview")
    anvil = next(i for i, clip in enumerate(dock.dataset.clips) if clip.path.startswith("METLAnvl"))
    dock.dataset.set_caption(anvil, "anvil struck with a hammer, long metallic ring")
    dock.name_edit.setText("foley-hits")
    dock.steps_box.setValue(args.steps)
    dock.validate_box.setValue(50)
    dock.prompt_edit.setText("heavy wooden door slam")
    dock.train()
    started = time.monotonic()
    wait_until(app, lambda: (dock.plot.points and dock.plot.points[-1][0] >= args.until and dock.renders)
               or not dock.running, 3600, "training to reach the step")
    if not dock.running:
        raise SystemExit(f"training ended early: {dock.state_label.text()}")
    dock.renders_list.setCurrentRow(dock.renders_list.count() - 1)
    dock.table.clearSelection()  # the picture shows the table, not where the keyboard happens to be
    dock.table.setCurrentIndex(dock.dataset.index(-1, -1))
    app.processEvents()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if not dock.grab().save(str(args.out), "PNG"):
        raise SystemExit(f"cannot write {args.out}")
    print(f"{args.out}: step {dock.plot.points[-1][0]} of {args.steps} after {time.monotonic() - started:.0f} s, "
          f"{len(dock.renders)} validation renders")
    dock.cancel()
    wait_until(app, lambda: not dock.running, 300, "the cancel")
    window.close()
    link.stop()
    library.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
