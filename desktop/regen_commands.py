"""Keeping and discarding takes as undoable steps on the host's undo stack.

Discarding only takes a take off the list: its file stays on disk, so undo brings it back. Undoing
a keep removes the kept file, whose bytes the take file still holds.
"""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtGui import QUndoCommand

from soundloom.desktop import take_files
from soundloom.desktop.takes_model import CANDIDATE, DISCARDED, KEPT


class KeepTake(QUndoCommand):
    """`kept` was already made (and checked) by the panel; the first redo only records it."""

    def __init__(self, panel, take_path: Path, kept: Path):
        take = panel.takes.get(take_path)
        super().__init__(f"Keep {take.label() if take else take_path.name}")
        self.panel, self.take_path, self.kept = panel, take_path, kept
        self._done = True

    def redo(self) -> None:
        if not self._done:
            take = self.panel.takes.get(self.take_path)
            try:
                self.kept = take_files.keep(take)
            except Exception as exc:  # noqa: BLE001 — the take changed on disk since: say why, change nothing
                self.panel.report_error(f"cannot keep {self.take_path.name} again: {exc}")
                return
        self._done = False
        self.panel.takes.set_state(self.take_path, KEPT, self.kept)
        self.panel.announce_kept(self.panel.takes.get(self.take_path))

    def undo(self) -> None:
        take = self.panel.takes.get(self.take_path)
        try:
            take_files.unkeep(take)
        except (OSError, ValueError) as exc:
            self.panel.report_error(str(exc))
            return
        self.panel.takes.set_state(self.take_path, CANDIDATE)
        self.panel.announce_unkept(take)


class DiscardTake(QUndoCommand):
    def __init__(self, panel, take_path: Path):
        take = panel.takes.get(take_path)
        super().__init__(f"Discard {take.label() if take else take_path.name}")
        self.panel, self.take_path = panel, take_path

    def redo(self) -> None:
        self.panel.takes.set_state(self.take_path, DISCARDED)

    def undo(self) -> None:
        self.panel.takes.set_state(self.take_path, CANDIDATE)
        self.panel.takes.select(self.take_path)
