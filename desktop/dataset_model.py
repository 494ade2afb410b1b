"""The fine-tuning dataset as the engine previews it: clips with editable captions, then the files it
would skip with the reason, as one table.

Edits stay in the model (nothing is written anywhere until training starts); `captions()` gives
every clip's caption as the table shows it, edited or not.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from PyQt6.QtCore import QAbstractTableModel, QModelIndex, Qt, pyqtSignal
from PyQt6.QtGui import QFont

from soundloom.desktop import theme

COLUMNS = ("File", "Length", "Caption")
FILE, LENGTH, CAPTION = range(3)
MAX_CAPTION = 2000  # the engine reads no more of a caption than a prompt
CAPTION_SOURCES = {"sidecar": "from a caption file beside the sound",
                   "ucs": "from the file's UCS name: what it is, then its category",
                   "names": "from the file and folder names"}


@dataclass(frozen=True)
class Clip:
    path: str            # relative to the previewed folder, as the engine names it
    caption: str
    caption_source: str  # "sidecar", "ucs" or "names"
    seconds: float
    sample_rate: int
    channels: int


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


def clean_caption(text: str) -> str:
    """One line, single spaces, at most MAX_CAPTION characters."""
    return " ".join(str(text).split())[:MAX_CAPTION]


def _short_reason(reason: str, root: str, path: str) -> str:
    """The reason without the folder's full path, which the File column already implies:
    "unreadable (Error opening 'kick.wav': …)" reads at a glance, a long absolute path does not."""
    return reason.replace(os.path.join(root, path), os.path.basename(path)) if root and path else reason


class DatasetModel(QAbstractTableModel):
    """Rows: the preview's clips (caption editable), then its skipped files (dimmed, with the reason)."""

    captions_edited = pyqtSignal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.root = ""
        self.clips: list[Clip] = []
        self.skipped: list[Skipped] = []
        self.total_seconds = 0.0
        self.edited: dict[str, str] = {}   # clip path → the user's caption
        self.origins: dict[str, str] = {}  # clip path → the file it stands for (a collection's training folder links to them)
        self._italic = QFont()
        self._italic.setItalic(True)

    # ------------------------------------------------------------------ contents

    def set_preview(self, preview: dict, origins: dict[str, str] | None = None) -> None:
        """Show a `library_preview` reply; edits of the previous preview are dropped."""
        self.beginResetModel()
        self.root = str(preview.get("root", ""))
        self.clips = [Clip(str(c["path"]), str(c.get("caption", "")), str(c.get("caption_source", "names")),
                           float(c.get("seconds", 0.0)), int(c.get("sample_rate", 0)), int(c.get("channels", 0)))
                      for c in preview.get("clips", [])]
        self.skipped = [Skipped(str(s.get("path", "")), _short_reason(str(s.get("reason", "")), self.root, str(s.get("path", ""))))
                        for s in preview.get("skipped", [])]
        self.total_seconds = float(preview.get("total_seconds", sum(c.seconds for c in self.clips)))
        self.edited = {}
        self.origins = dict(origins or {})
        self.endResetModel()

    def clear(self) -> None:
        self.set_preview({})

    def caption(self, clip: Clip) -> str:
        return self.edited.get(clip.path, clip.caption)

    def captions(self) -> dict[str, str]:
        """Every clip's caption as shown (the user's where edited), by clip path."""
        return {clip.path: self.caption(clip) for clip in self.clips}

    def source_path(self, clip: Clip) -> str:
        """The file on disk a clip stands for."""
        return self.origins.get(clip.path) or os.path.join(self.root, clip.path)

    def set_caption(self, row: int, text: str) -> bool:
        if not 0 <= row < len(self.clips):
            return False
        return self.setData(self.index(row, CAPTION), text, Qt.ItemDataRole.EditRole)

    def summary(self) -> str:
        """One line: how much would train, how much is skipped."""
        if not self.clips and not self.skipped:
            return "No sounds previewed"
        text = f"{len(self.clips)} clip{'s' * (len(self.clips) != 1)}, {self.total_seconds:.1f} s in all"
        if self.skipped:
            text += f"; {len(self.skipped)} skipped"
        if self.edited:
            text += f"; {len(self.edited)} caption{'s' * (len(self.edited) != 1)} edited"
        return text

    # ------------------------------------------------------------------ Qt model

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.clips) + len(self.skipped)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.TextAlignmentRole:
            # Each title sits over its column's text: lengths to the right, names and captions to the left.
            side = Qt.AlignmentFlag.AlignRight if section == LENGTH else Qt.AlignmentFlag.AlignLeft
            return side | Qt.AlignmentFlag.AlignVCenter
        return None

    def flags(self, index: QModelIndex):
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == CAPTION and index.row() < len(self.clips):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if row < len(self.clips):
            return self._clip_data(self.clips[row], column, role)
        return self._skipped_data(self.skipped[row - len(self.clips)], column, role)

    def _clip_data(self, clip: Clip, column: int, role):
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if column == FILE:
                return clip.path
            if column == LENGTH:
                return f"{clip.seconds:.2f} s"
            return self.caption(clip)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == CAPTION:
                source = "edited here" if clip.path in self.edited else CAPTION_SOURCES.get(
                    clip.caption_source, "from the file and folder names")
                return f"{self.caption(clip)}\n({source}; double-click to edit)"
            return f"{self.source_path(clip)}\n{clip.seconds:.2f} s, {clip.sample_rate} Hz, {clip.channels} ch"
        if role == Qt.ItemDataRole.ForegroundRole and column == CAPTION and clip.path in self.edited:
            return theme.ACCENT
        if role == Qt.ItemDataRole.TextAlignmentRole and column == LENGTH:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None

    def _skipped_data(self, skipped: Skipped, column: int, role):
        if role == Qt.ItemDataRole.DisplayRole:
            if column == FILE:
                return skipped.path
            if column == LENGTH:
                return "—"
            return f"skipped: {skipped.reason}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{skipped.path}\nnot used for training: {skipped.reason}"
        if role == Qt.ItemDataRole.ForegroundRole:
            return theme.DIM_TEXT
        if role == Qt.ItemDataRole.FontRole and column == CAPTION:
            return self._italic
        if role == Qt.ItemDataRole.TextAlignmentRole and column == LENGTH:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None

    def setData(self, index: QModelIndex, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or index.column() != CAPTION or not 0 <= index.row() < len(self.clips):
            return False
        clip = self.clips[index.row()]
        text = clean_caption(value)
        # An emptied caption goes back to the one the engine found: training needs some text.
        if not text or text == clip.caption:
            changed = self.edited.pop(clip.path, None) is not None
        else:
            changed = self.edited.get(clip.path) != text
            self.edited[clip.path] = text
        if changed:
            self.dataChanged.emit(index, index)
            self.captions_edited.emit()
        return True
