"""One file opened by a DAW's "external sample editor" command: what it was when opened, and
saving a take back over it. Qt-free.

Saving back keeps the file's own rate, channels, length and sample format (the take was made in
them) and replaces it atomically, so the DAW reloads a whole file, never a half-written one.
The file as it was is backed up first, one backup per save. A file that something else changed
since it was opened is not written over unless the caller says so (after asking the user).
"""

from __future__ import annotations

from pathlib import Path

from soundloom.desktop.backups import Backup, BackupStore
from soundloom.desktop.file_state import FileState, change_since


class EditError(ValueError):
    """One line for the user about why the file cannot be edited or saved back."""


class FileChangedError(EditError):
    """The file on disk is no longer the one that was opened."""


def open_format(path: Path):
    """The file's ClipFormat; EditError (one line) for a file the editor cannot write back exactly."""
    from soundloom.bridge.clip import read_format
    from soundloom.bridge.errors import BridgeError

    try:
        return read_format(path)
    except BridgeError as exc:
        raise EditError(f"--edit {Path(path).name}: {exc.message}") from exc


class EditSession:
    def __init__(self, path: Path, backups: BackupStore | None = None):
        self.path = Path(path).absolute()
        self.backups = backups or BackupStore()
        self.format = open_format(self.path)
        self.opened = FileState.of(self.path)
        self.saves = 0

    def change(self) -> str:
        """Why the file on disk is not what was opened ("" when it is)."""
        return change_since(self.path, self.opened)

    def reload(self) -> None:
        """Take the file as it is now as the one being edited."""
        self.format = open_format(self.path)
        self.opened = FileState.of(self.path)

    def save_back(self, take: Path, regions=(), *, overwrite_changed: bool = False) -> Backup:
        """Back the file up, then replace it by `take`'s content. `regions`: where the take may
        differ from the file (checked again first, so a damaged take, or one made from an earlier
        version of the file, is refused). FileChangedError when the file changed since it was
        opened, unless `overwrite_changed`: then the user chose to replace the changed version,
        which is backed up, and the take is not compared with it."""
        from soundloom.bridge.errors import BridgeError
        from soundloom.bridge.takes import replace_in_place, verify_untouched

        reason = self.change()
        if reason and not overwrite_changed:
            raise FileChangedError(reason)
        try:
            if regions and not reason:
                verify_untouched(self.path, take, list(regions))
        except BridgeError as exc:
            raise EditError(f"{Path(take).name} was not saved back: {exc.message}") from exc
        folder = self.backups.new_folder(self.path)
        try:
            copy = replace_in_place(self.path, take, backup_dir=folder)
        except BridgeError as exc:
            self._keep_partial_backup(folder)
            raise EditError(f"{Path(take).name} was not saved back: {exc.message}") from exc
        except OSError:
            self._keep_partial_backup(folder)
            raise
        backup = self.backups.record(folder, self.path, copy, f"before saving {Path(take).name} back")
        self.opened = FileState.of(self.path)
        self.saves += 1
        return backup

    def restore(self, backup: Backup) -> Backup | None:
        """Put a backup's bytes back (what is there now is backed up first); the restored file is
        then the one being edited."""
        before = self.backups.restore(backup)
        self.reload()
        return before

    def _keep_partial_backup(self, folder: Path) -> None:
        """A save that failed after the backup was copied still lists that backup; an empty folder goes."""
        files = [p for p in folder.iterdir() if not p.name.startswith(".")] if folder.is_dir() else []
        if files:
            self.backups.record(folder, self.path, files[0], "before a save back that failed")
        else:
            self.backups.forget_empty(folder)
