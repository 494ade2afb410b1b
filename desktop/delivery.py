"""Getting the selected sound into a DAW: drag, export, and the fallbacks for where dragging fails
(Copy File, Copy Path, Reveal in Folder, Export to Folder…).

Every route hands over a file that exists: a drag renders before it starts (the DAW reads the file
the moment the drop lands); export and Copy File render on a worker thread and report when done.
"""

from __future__ import annotations

import os
from pathlib import Path

from PyQt6.QtCore import QObject, Qt, QUrl
from PyQt6.QtGui import QDesktopServices, QDrag
from PyQt6.QtWidgets import QApplication, QFileDialog

from soundloom.desktop.export import ExportError, ExportFormat, drag_file, render
from soundloom.desktop.mime import file_uri, mime_for_files
from soundloom.desktop.results import display
from soundloom.desktop.selection import Region


class Delivery(QObject):
    """Works on the main window's current sound and region; `export_format` applies to every route."""

    def __init__(self, window, exports: Path):
        super().__init__(window)
        self.window, self.exports = window, exports
        self.export_format = ExportFormat()
        self.last_export: Path | None = None  # the file the last export wrote
        self.format_group = None              # the Export Format menu's choices (see menus.py)

    def set_export_format(self, fmt: ExportFormat) -> None:
        self.export_format = fmt
        self.window.show_message(f"Export format: {fmt.label()}")

    def file_for(self, record, region: Region | None) -> Path:
        """The file a drag, a copy or an export of `record` (or its region) hands over; rendered if needed."""
        return drag_file(record.path, region, self.export_format, self.window.is_generated(record), self.exports,
                         settings_of(record))

    def mime_for_records(self, records: list):
        """Mime data for dragging rows out of the table: whole sounds, files ready."""
        try:
            return mime_for_files([self.file_for(record, None) for record in records])
        except ExportError as exc:
            self.window.show_error(str(exc))
            return None

    def drag_region(self, region: Region) -> None:
        """Drag the selected region out of the waveform (rendered first, so the file exists)."""
        record = self.window.current_record()
        if record is None:
            return
        try:
            path = self.file_for(record, region)
        except ExportError as exc:
            self.window.show_error(str(exc))
            return
        drag = QDrag(self.window.detail.waveform)
        drag.setMimeData(mime_for_files([path]))
        drag.exec(Qt.DropAction.CopyAction)

    def export(self, folder: Path | None = None) -> None:
        """Render the sound or its selected region into `folder` (default: the exports folder), off
        the UI thread: a long region takes a while. `last_export` holds the file when it is done."""
        window = self.window
        record = window.current_record()
        if record is None:
            return
        region, fmt, folder = window.timeline.selection, self.export_format, folder or self.exports
        window.show_message(f"Exporting {display(record.name)}…", 0)

        def done(path: Path) -> None:
            self.last_export = path
            window.show_message(f"Exported {display(path.name)} to {display(str(path.parent))}")

        window.workers.submit(lambda: render(record.path, region, fmt, folder, settings_of(record)), done,
                              window.show_error)

    def export_to_folder(self) -> None:
        if self.window.current_record() is None:
            return
        settings = self.window.settings
        folder = QFileDialog.getExistingDirectory(self.window, "Export to Folder", settings.value("export/folder", ""))
        if folder:
            settings.setValue("export/folder", folder)
            self.export(Path(folder))

    def copy_path(self) -> None:
        record = self.window.current_record()
        if record is not None:
            QApplication.clipboard().setText(display(record.path))
            self.window.show_message(f"Copied path of {display(record.name)}")

    def copy_file(self) -> None:
        """Put the file (or the rendered selection) on the clipboard, for pasting into a DAW or file
        manager; rendering runs off the UI thread and the clipboard is filled when it is done."""
        window = self.window
        record = window.current_record()
        if record is None:
            return
        region = window.timeline.selection

        def done(path: Path) -> None:
            QApplication.clipboard().setMimeData(mime_for_files([path]))
            window.show_message(f"Copied file {display(path.name)}")

        window.workers.submit(lambda: self.file_for(record, region), done, window.show_error)

    def reveal(self) -> None:
        record = self.window.current_record()
        if record is not None:
            QDesktopServices.openUrl(QUrl.fromEncoded(file_uri(os.path.dirname(record.path))))


def settings_of(record) -> dict | None:
    """Generation settings for an export's metadata from the index; None has the export read them
    from the file."""
    if record.prompt is None:
        return None
    return {key: value for key, value in (("prompt", record.prompt), ("seed", record.seed), ("model", record.model))
            if value is not None}
