"""`soundloom desktop` / `soundloom-desktop`: the sound browser.

    soundloom desktop                                  open the window on your library index
    soundloom desktop --library ~/Sounds/Foley         also add a library folder
    soundloom desktop --screenshot out.png --library DIR [--select QUERY]
                                                       render the window offscreen with DIR indexed
                                                       (in a throwaway index) and write a PNG
    soundloom desktop --screenshot out.png --library DIR --scenario generating [--generate PROMPT …]
                                                       the same, mid-generation: the first prompt is
                                                       generated and shown, the others still running
    soundloom desktop --screenshot out.png --library DIR --scenario finetune [--steps N] [--prompt TEXT]
                                                       the fine-tuning view part-way through a run on
                                                       DIR, in an engine of its own that keeps nothing
    soundloom desktop --edit FILE                      the external sample editor for a DAW: regenerate
                                                       selections of FILE and save the chosen take back
                                                       over it (WAV, AIFF or FLAC; a backup first)
    soundloom desktop --edit FILE --screenshot out.png --region 0.5:1.2 --prompt TEXT
                                                       regenerate that region offscreen, compare the
                                                       first take, write a PNG

In a DAW, make `soundloom desktop --edit` its external sample editor (in its preferences); after
"Save Back" the DAW reloads the clip from the file.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

SCREENSHOT_SIZE = (1440, 900)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="soundloom desktop", description="Browse, audition and drag sounds into a DAW.")
    parser.add_argument("--library", type=Path, action="append", default=[], metavar="DIR",
                        help="add a library folder (repeatable)")
    parser.add_argument("--index", type=Path, metavar="FILE",
                        help="the library index database (default: the one the CLI uses)")
    parser.add_argument("--device", help="audio output device, by number or name (default: the system's)")
    parser.add_argument("--screenshot", type=Path, metavar="PNG",
                        help="render the window offscreen to this PNG and exit (with --library: a throwaway index)")
    parser.add_argument("--select", metavar="QUERY", help="with --screenshot: search for this and select the first result")
    parser.add_argument("--scenario", choices=("browse", "generating", "finetune"), default="browse",
                        help="with --screenshot: browse (default); generating (connects to the engine, "
                             "starting one if none runs, and generates the --generate prompts); finetune "
                             "(trains on the first --library folder in an engine of its own, whose data "
                             "is thrown away, and renders the fine-tuning view at its first test render)")
    parser.add_argument("--generate", action="append", default=[], metavar="PROMPT",
                        help="with --scenario generating: a prompt to generate (repeatable; the first is "
                             "finished before the screenshot, the others are running)")
    parser.add_argument("--engine-file", type=Path, metavar="JSON",
                        help="the engine's connection file (default: the user's engine)")
    parser.add_argument("--size", default=f"{SCREENSHOT_SIZE[0]}x{SCREENSHOT_SIZE[1]}", metavar="WxH",
                        help="with --screenshot: window size in pixels")
    parser.add_argument("--edit", type=Path, metavar="FILE",
                        help="open FILE in the external sample editor (what a DAW's \"open in external editor\" runs)")
    parser.add_argument("--region", metavar="S:E", help="with --edit --screenshot: the region to regenerate, in seconds")
    parser.add_argument("--prompt", help="with --edit --screenshot: what the region should become; with "
                        "--scenario finetune: the test prompt")
    parser.add_argument("--steps", type=int, default=0, help="with --edit --screenshot: denoising steps (0: the model's "
                        "default); with --scenario finetune: training steps (0: 300)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.screenshot is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.edit is not None:
        from soundloom.desktop.edit_app import run_editor

        return run_editor(args)
    from PyQt6.QtCore import QSettings
    from PyQt6.QtWidgets import QApplication

    from soundloom.desktop import theme
    from soundloom.desktop.output import open_output
    from soundloom.desktop.tasks import LibraryService
    from soundloom.desktop.window import APPLICATION, ORGANISATION, MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("soundloom")
    theme.apply(app)

    finetune = args.screenshot is not None and args.scenario == "finetune"
    if finetune and not args.library:
        print("soundloom desktop: --scenario finetune needs --library DIR (the folder to train on)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="soundloom-desktop-") as scratch:
        if finetune:
            from soundloom.desktop.screenshot_finetune import private_engine

            private_engine(Path(scratch))
        index_path = args.index
        if args.screenshot is not None:
            # A screenshot must not add folders to the user's own index or disturb their layout.
            if index_path is None and args.library:
                index_path = Path(scratch) / "library.sqlite3"
            settings = QSettings(str(Path(scratch) / "settings.ini"), QSettings.Format.IniFormat)
            settings.setValue("audition/auto_play", False)
        else:
            settings = QSettings(ORGANISATION, APPLICATION)
        device = args.device or settings.value("output/device") or None  # a number or (part of) a name
        device = int(device) if isinstance(device, str) and device.isdigit() else device
        library = LibraryService(index_path)
        from soundloom.desktop.engine_link import EngineLink

        # The fine-tuning picture's engine is its own (idle timeout 0): stop() below shuts it down.
        link = EngineLink(None, engine_args=("--idle-timeout", "0")) if finetune else EngineLink(args.engine_file)
        window = MainWindow(library, open_output(device), settings, scan_on_start=not args.library, link=link)
        for folder in args.library:
            window.add_library_folder(str(folder.expanduser().resolve()))
        if finetune:
            from soundloom.desktop.screenshot_finetune import screenshot_finetune

            code = screenshot_finetune(app, window, args.screenshot, args.library[0].expanduser().resolve(),
                                       _size(args.size), args.steps, args.prompt)
        elif args.screenshot is not None and args.scenario == "generating":
            code = screenshot_generating(app, window, args.screenshot, args.generate, _size(args.size))
        elif args.screenshot is not None:
            code = screenshot(app, window, args.screenshot, args.select, _size(args.size))
        else:
            window.start_engine()
            window.show()
            code = app.exec()
        window.close()
        link.stop()
        library.close()
    return code


def _size(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    return int(width), int(height)


def wait_until(app, condition, timeout: float) -> bool:
    """Run the event loop until `condition()` holds; False after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        app.processEvents()
        time.sleep(0.01)  # the work being waited for runs on other threads; don't spin a core
    return True


def screenshot(app, window, path: Path, select: str | None, size: tuple[int, int], timeout: float = 300) -> int:
    """Index, search, select the first result, let its waveform and spectrogram draw, write a PNG."""
    window.resize(*size)
    window.show()
    wait_until(app, lambda: window.last_scan is not None and window.settled(), timeout)
    if select:
        window.search_bar.text.blockSignals(True)
        window.search_bar.text.setText(select)
        window.search_bar.text.blockSignals(False)
        window.query = window.query.with_(text=select)
        window.run_search()
        wait_until(app, window.settled, timeout)
    window.select_first()
    window.table.setFocus()
    wait_until(app, window.settled, timeout)
    app.processEvents()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(path), "PNG"):
        print(f"soundloom desktop: cannot write {path}", file=sys.stderr)
        return 1
    print(path)
    return 0


def screenshot_generating(app, window, path: Path, prompts: list[str], size: tuple[int, int],
                          timeout: float = 600) -> int:
    """Generate the first prompt and show its takes, start the others, and write a PNG while they run."""
    prompts = prompts or ["heavy wooden door slams shut", "rain on a tin roof", "distant thunder rumble"]
    window.resize(*size)
    window.show()
    window.start_engine()
    if not wait_until(app, lambda: window.link.status.connected and window.last_scan is not None
                      and window.settled(), timeout):
        print(f"soundloom desktop: no engine: {window.link.status.message}", file=sys.stderr)
        return 1
    bar = window.prompt_bar
    bar.length.setValue(2.0)
    bar.variations.setValue(2)
    bar.prompt.setText(prompts[0])
    bar.generate()
    wait_until(app, lambda: sum(r.prompt == prompts[0] for r in window.results.records) >= 2
               and not window.jobs_model.active() and window.settled(), timeout)
    bar.variations.setValue(4)
    bar.length.setValue(4.0)
    for prompt in prompts[1:]:
        bar.prompt.setText(prompt)
        bar.generate()
    # A third of a job's steps done: its total is known (0 until the engine reports) and its bar visible.
    wait_until(app, lambda: any(row.total and row.step >= row.total // 3 for row in window.jobs_model.active()),
               timeout)
    window.table.setFocus()
    wait_until(app, window.settled, timeout)
    app.processEvents()
    path.parent.mkdir(parents=True, exist_ok=True)
    ok = window.grab().save(str(path), "PNG")
    for row in window.jobs_model.active():  # not left running in an engine the user keeps
        window.link.cancel(row.id)
    if not ok:
        print(f"soundloom desktop: cannot write {path}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
