"""Backups made before the editor writes over a file: one folder per save under `<data dir>/backups/`.

Each backup folder holds the file as it was, byte for byte, and `backup.json` saying where it came
from, when, and why. Restoring puts those bytes back, after backing up what is there now, so no
version is ever lost by saving or restoring. Backups are only ever added; the user deletes them.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from soundloom.desktop.paths import data_dir
from soundloom.protocol.atomic_files import atomic_writer, write_bytes_atomically

MANIFEST = "backup.json"


def backups_dir() -> Path:
    return data_dir() / "backups"


@dataclass(frozen=True)
class Backup:
    """`file` holds the bytes `original` had at `made` (UTC); `reason` says which action made it."""

    folder: Path
    file: Path
    original: Path
    made: datetime.datetime
    reason: str

    def label(self) -> str:
        local = self.made.astimezone()
        return f"{local:%Y-%m-%d %H:%M:%S} · {self.reason}"


class BackupStore:
    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root is not None else backups_dir()

    # ------------------------------------------------------------------ making

    def new_folder(self, original: Path) -> Path:
        """A fresh, empty folder for one backup of `original` (named by time, then the file's stem)."""
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d-%H%M%S-%f")
        base = f"{stamp}-{Path(original).stem}"[:120]
        for attempt in range(1000):
            folder = self.root / (base if attempt == 0 else f"{base}-{attempt}")
            try:
                folder.mkdir(mode=0o700)
                return folder
            except FileExistsError:
                continue
        raise OSError(f"cannot make a backup folder in {self.root}")

    def record(self, folder: Path, original: Path, file: Path, reason: str) -> Backup:
        """Describe the backup `file` (already in `folder`) of `original`; written atomically."""
        made = datetime.datetime.now(datetime.timezone.utc)
        entry = {"original": os.fsdecode(Path(original).absolute()), "file": Path(file).name,
                 "made": made.isoformat(), "reason": reason}
        write_bytes_atomically(folder / MANIFEST, json.dumps(entry, indent=1).encode())
        return Backup(folder, folder / Path(file).name, Path(original).absolute(), made, reason)

    def copy_of(self, original: Path, reason: str) -> Backup:
        """Back up `original` by copying its bytes (the file itself is only read)."""
        original = Path(original)
        folder = self.new_folder(original)
        target = folder / original.name
        try:
            _copy_atomically(original, target)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return self.record(folder, original, target, reason)

    def forget_empty(self, folder: Path) -> None:
        """Remove a backup folder that ended up holding nothing (the save failed before copying)."""
        try:
            folder.rmdir()
        except OSError:
            pass

    # ------------------------------------------------------------------ reading

    def list(self, original: Path | None = None) -> list[Backup]:
        """Every backup, newest first; only those of `original` when given."""
        if not self.root.is_dir():
            return []
        wanted = Path(original).absolute() if original is not None else None
        found = []
        for folder in self.root.iterdir():
            backup = _read(folder)
            if backup is not None and (wanted is None or backup.original == wanted):
                found.append(backup)
        return sorted(found, key=lambda b: b.made, reverse=True)

    # ------------------------------------------------------------------ restoring

    def restore(self, backup: Backup) -> Backup | None:
        """Put `backup`'s bytes back at its original path, atomically. What is there now is backed
        up first (returned; None when the original no longer exists)."""
        if not backup.file.is_file():
            raise FileNotFoundError(f"backup file missing: {backup.file}")
        before = None
        if backup.original.exists():
            before = self.copy_of(backup.original, f"before restoring the backup of {backup.label()}")
        _copy_atomically(backup.file, backup.original)
        return before


def _read(folder: Path) -> Backup | None:
    try:
        entry = json.loads((folder / MANIFEST).read_text())
        return Backup(folder, folder / entry["file"], Path(entry["original"]),
                      datetime.datetime.fromisoformat(entry["made"]), entry.get("reason", ""))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # not a backup folder, or one still being written


def _copy_atomically(source: Path, target: Path) -> None:
    """`target` gets `source`'s bytes whole or not at all; an existing target keeps its permissions."""
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except OSError:
        mode = stat.S_IMODE(source.stat().st_mode)
    with atomic_writer(target, mode=mode) as out, open(source, "rb") as src:
        shutil.copyfileobj(src, out, 1 << 20)
