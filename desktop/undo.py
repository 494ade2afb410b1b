"""Undoable edits of the window (Edit ▸ Undo / Redo): forgetting sounds, renaming a file, and any
other change a part of the app describes as a pair of functions (`Command`).

Nothing here deletes a file: forgetting keeps it on disk, renaming refuses to replace another file.
Index work runs on the library thread, in order, so an undo always follows the edit it undoes.
"""

from __future__ import annotations

import os
from typing import Callable

from PyQt6.QtGui import QUndoCommand

from soundloom.desktop.library_edits import check_new_name, rename_file
from soundloom.desktop.results import display


class Command(QUndoCommand):
    """A change given as `do()` and `undo()` callables (run on the GUI thread), e.g. keeping or
    discarding a take: `window.undo_stack.push(Command("Keep take 3", keep, unkeep))`. Pushing
    runs `do()`. An exception in either is shown in the status bar, not raised through Qt."""

    def __init__(self, text: str, do: Callable[[], object], undo: Callable[[], object],
                 on_error: Callable[[str], object] | None = None):
        super().__init__(text)
        self._do, self._undo, self._on_error = do, undo, on_error

    def _run(self, fn) -> None:
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 — an edit that cannot be made is reported, the app carries on
            if self._on_error is None:
                raise
            self._on_error(f"{self.text()}: {exc}")

    def redo(self) -> None:
        self._run(self._do)

    def undo(self) -> None:
        self._run(self._undo)


class ForgetCommand(QUndoCommand):
    """Forget sounds (leave them out of the library's results); the files stay on disk."""

    def __init__(self, window, paths: list[str]):
        names = ", ".join(display(os.path.basename(p)) for p in paths[:3]) + ("…" if len(paths) > 3 else "")
        super().__init__(f"Forget {names}")
        self.window, self.paths = window, list(paths)

    def redo(self) -> None:
        self.window.forgotten.add(self.paths)
        self.window.refresh()
        self.window.show_message(f"{self.text()} (the file{'s stay' if len(self.paths) > 1 else ' stays'} on disk; "
                                 "Edit ▸ Undo brings it back)")

    def undo(self) -> None:
        self.window.forgotten.discard(self.paths)
        self.window.run_search(keep=self.paths[0])
        self.window.show_message(f"Undo: {self.text()}")


class RenameCommand(QUndoCommand):
    """Rename a sound's file in its folder and in the index; undo renames it back."""

    def __init__(self, window, old: str, new: str):
        super().__init__(f"Rename {display(os.path.basename(old))} to {display(os.path.basename(new))}")
        self.window, self.old, self.new = window, old, new

    @classmethod
    def checked(cls, window, old: str, name: str) -> "RenameCommand":
        """The command renaming `old` to `name`; raises LibraryError (bad name, name taken) first."""
        return cls(window, old, check_new_name(old, name))

    def redo(self) -> None:
        self._rename(self.old, self.new)

    def undo(self) -> None:
        self._rename(self.new, self.old)

    def _rename(self, source: str, target: str) -> None:
        window = self.window

        def done(record) -> None:
            window.forgotten.rename(source, target)
            window.renamed(source, record)

        window.library.call(lambda index: rename_file(index, source, target), done, window.show_error)
