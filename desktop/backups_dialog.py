"""The list of backups made by saving back, each with a Restore button."""

from __future__ import annotations

import os

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QListWidget, QListWidgetItem, QPushButton,
                             QVBoxLayout)

from soundloom.desktop.backups import Backup, BackupStore
from soundloom.desktop.results import display


class BackupsDialog(QDialog):
    """Backups of one file (or of every file); Restore puts one back, backing up the current file first."""

    restored = pyqtSignal(object, object)  # Backup restored, Backup of what was there before (or None)

    def __init__(self, store: BackupStore, original=None, restore=None, parent=None):
        super().__init__(parent)
        self.store, self.original = store, original
        self._restore = restore or store.restore  # the editor restores through its session, to reload too
        self.setWindowTitle("Backups")
        self.resize(560, 320)
        where = QLabel(f"Kept in {display(os.fspath(store.root))}. Restoring backs up the current file first, "
                       "so nothing is lost.")
        where.setObjectName("dim")
        where.setWordWrap(True)
        self.list = QListWidget()
        # Bound methods, not lambdas that hold the dialog: those would keep a closed dialog alive
        # until the garbage collector frees it, on whichever thread it runs.
        self.list.currentRowChanged.connect(self._update)
        self.list.itemActivated.connect(self.restore_selected)
        self.restore_button = QPushButton("Restore")
        self.restore_button.clicked.connect(self.restore_selected)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(where)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.refresh()

    def refresh(self) -> None:
        self.backups: list[Backup] = self.store.list(self.original)
        self.list.clear()
        for backup in self.backups:
            text = backup.label() if self.original is not None else \
                f"{display(backup.original.name)} · {backup.label()}"
            item = QListWidgetItem(text)
            item.setToolTip(f"{display(os.fspath(backup.file))}\nof {display(os.fspath(backup.original))}")
            self.list.addItem(item)
        if not self.backups:
            self.list.addItem(QListWidgetItem("No backups yet: saving back makes one each time"))
            self.list.item(0).setFlags(Qt.ItemFlag.NoItemFlags)
        else:
            self.list.setCurrentRow(0)
        self._update()

    def _update(self, *_args) -> None:
        self.restore_button.setEnabled(0 <= self.list.currentRow() < len(self.backups))

    def restore_selected(self, *_args) -> None:
        row = self.list.currentRow()
        if not 0 <= row < len(self.backups):
            return
        backup = self.backups[row]
        before = self._restore(backup)
        self.refresh()
        self.restored.emit(backup, before)
