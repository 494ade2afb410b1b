"""`soundloom desktop --edit FILE`: start the external sample editor on one file (or render it
offscreen for a screenshot, regenerating a region first)."""

from __future__ import annotations

import sys
from pathlib import Path

SCREENSHOT_TAKES = 3


def run_editor(args) -> int:
    from PyQt6.QtCore import QSettings
    from PyQt6.QtWidgets import QApplication, QMessageBox

    from soundloom.desktop import theme
    from soundloom.desktop.app import wait_until
    from soundloom.desktop.edit_session import EditError
    from soundloom.desktop.editor_window import EditorWindow
    from soundloom.desktop.engine_link import EngineLink
    from soundloom.desktop.output import NoOutput, open_output
    from soundloom.desktop.window import APPLICATION, ORGANISATION

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("soundloom editor")
    theme.apply(app)
    path = args.edit.expanduser().absolute()
    if args.screenshot is not None:
        output = NoOutput("rendering a screenshot")
    else:
        device = args.device or QSettings(ORGANISATION, APPLICATION).value("output/device") or None
        output = open_output(int(device) if isinstance(device, str) and device.isdigit() else device)
    link = EngineLink(args.engine_file)  # None: the user's engine, started when none runs
    try:
        window = EditorWindow(path, output, link)
    except (EditError, OSError) as exc:
        message = str(exc) if isinstance(exc, EditError) else f"--edit {path.name}: {exc.strerror or exc}"
        print(f"soundloom desktop: {message}", file=sys.stderr)
        if args.screenshot is None:  # a DAW started us: stderr goes nowhere the user looks
            QMessageBox.critical(None, "Cannot Edit This File", message)
        return 2
    link.start()
    try:
        if args.screenshot is not None:
            return screenshot(app, window, args, wait_until)
        window.show()
        return app.exec()
    finally:
        window.close()
        link.stop()


def screenshot(app, window, args, wait_until, timeout: float = 900) -> int:
    """Regenerate `--region` after `--prompt` into a few takes, select the second, write a PNG."""
    from soundloom.desktop.app import _size

    window.resize(*_size(args.size))
    window.show()
    wait_until(app, window.settled, timeout)
    if args.region and args.prompt:
        start, _, end = args.region.partition(":")
        window.timeline.select(float(start), float(end))
        panel = window.panel
        panel.prompt.setText(args.prompt)
        panel.steps.setValue(args.steps)
        panel.count.setValue(SCREENSHOT_TAKES)
        panel.seed.setText("7")
        if not wait_until(app, lambda: window.link.status.connected, timeout):
            print(f"soundloom desktop: {window.link.status.message}", file=sys.stderr)
            return 1
        if panel.regenerate() is None:
            print(f"soundloom desktop: {panel.last_error}", file=sys.stderr)
            return 1
        if not wait_until(app, lambda: len(panel.takes.takes) == SCREENSHOT_TAKES or panel.last_error, timeout):
            print("soundloom desktop: no takes within the time allowed", file=sys.stderr)
            return 1
        if panel.last_error:
            print(f"soundloom desktop: {panel.last_error}", file=sys.stderr)
            return 1
        panel.takes.select(panel.takes.takes[1].path)
        panel.ab._set_side("B")
        selection = window.timeline.selection
        window.timeline.set_playhead(selection.start + selection.length * 0.4)
        window.show_message(f"{panel.takes.takes[1].label()} — ` or B switches A/B at the same position")
        wait_until(app, lambda: not panel.writer.pending and window.settled(), timeout)
    app.processEvents()
    Path(args.screenshot).parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(args.screenshot), "PNG"):
        print(f"soundloom desktop: cannot write {args.screenshot}", file=sys.stderr)
        return 1
    print(args.screenshot)
    return 0
