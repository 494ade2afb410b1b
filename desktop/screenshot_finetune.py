"""`soundloom desktop --screenshot PNG --library DIR --scenario finetune`: the fine-tuning view part-way
through a real run on the first library folder, offscreen.

The run happens in an engine of the screenshot's own, with its data folder in the screenshot's
scratch folder (see `private_engine`): no adapter, training set or test render is left in the
user's engine or data folder, and the engine shuts down with the window.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DEFAULT_STEPS = 300        # a run long enough that the plot's first sixth shows a falling loss
RENDER_EVERY = 50          # a test render early, so the picture lists one
STEPS_PAST_RENDER = 10     # grab a little after the render, so the loss line runs past its marker
DEFAULT_PROMPT = "heavy wooden door slam"


def private_engine(scratch: Path) -> None:
    """Point this process (and the engine it starts) at data and runtime folders inside `scratch`."""
    from soundloom.protocol.connection import RUNTIME_DIR_ENV
    from soundloom.settings.paths import DATA_DIR_ENV

    runtime = scratch / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ[RUNTIME_DIR_ENV] = str(runtime)
    os.environ[DATA_DIR_ENV] = str(scratch / "data")


def screenshot_finetune(app, window, path: Path, folder: Path, size: tuple[int, int], steps: int = 0,
                        prompt: str | None = None, timeout: float = 1800) -> int:
    """Preview `folder` in the fine-tuning dock, train, and write a PNG of the dock once a test
    render is listed; then cancel the run."""
    from soundloom.desktop.app import wait_until

    def fail(message: str) -> int:
        print(f"soundloom desktop: {message}", file=sys.stderr)
        return 1

    window.resize(1440, 900)
    window.show()
    window.start_engine()
    if not wait_until(app, lambda: window.link.status.connected and bool(window.link.models)
                      and window.last_scan is not None and window.settled(), timeout):
        return fail(f"no engine: {window.link.status.message}")
    # The picture is of the fine-tuning view itself, floated off the window at `size`.
    dock = window.finetune_dock
    dock.setFloating(True)
    dock.resize(*size)
    dock.show()
    dock.refresh_sources()
    label = f"Folder: {folder.name}"
    if not wait_until(app, lambda: dock.source_box.findText(label) >= 0, 60):
        return fail(f"{label!r} is not among the fine-tuning sources")
    row = dock.source_box.findText(label)
    dock.source_box.setCurrentIndex(row)
    dock.source_box.activated.emit(row)
    if not wait_until(app, lambda: bool(dock.dataset.clips) or bool(dock.dataset.skipped), timeout) \
            or not dock.dataset.clips:
        return fail(f"nothing to train on in {folder}")
    steps = steps or DEFAULT_STEPS
    dock.steps_box.setValue(steps)
    dock.validate_box.setValue(min(RENDER_EVERY, steps))
    dock.prompt_edit.setText(prompt or DEFAULT_PROMPT)
    errors = []
    window.show_error = errors.append  # a refused start (e.g. the name exists) is reported, not shown
    dock.train()
    if not dock.running:
        return fail(errors[-1] if errors else dock.state_label.text())
    grab_at = min(steps, dock.validate_box.value() + STEPS_PAST_RENDER)
    wait_until(app, lambda: (dock.renders and dock.plot.points and dock.plot.points[-1][0] >= grab_at)
               or not dock.running, timeout)
    if not dock.renders:
        dock.cancel()
        return fail(f"no test render: {dock.state_label.text()}")
    dock.renders_list.setCurrentRow(dock.renders_list.count() - 1)
    dock.table.clearSelection()  # the picture shows the table, not where the keyboard happens to be
    dock.table.setCurrentIndex(dock.dataset.index(-1, -1))
    app.processEvents()
    path.parent.mkdir(parents=True, exist_ok=True)
    ok = dock.grab().save(str(path), "PNG")
    if dock.running:
        dock.cancel()
        wait_until(app, lambda: not dock.running, 300)
    if not ok:
        return fail(f"cannot write {path}")
    print(path)
    return 0
