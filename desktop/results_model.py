"""The results table model: search results as rows, the columns of `results.COLUMNS`, sortable.

Dragging rows asks `make_mime` for the mime data, which renders whatever needs rendering first, so
the files exist when the drag starts.
"""

from __future__ import annotations

from typing import Callable

from PyQt6.QtCore import QAbstractTableModel, QModelIndex, Qt

from soundloom.desktop.results import COLUMNS, display, sorted_records

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


class ResultsTableModel(QAbstractTableModel):
    RecordRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, make_mime: Callable[[list], object] | None = None, parent=None):
        super().__init__(parent)
        self.records: list = []
        self.make_mime = make_mime
        self.sort_column, self.sort_order = -1, Qt.SortOrder.AscendingOrder

    def set_records(self, records: list) -> None:
        """Show `records` (search rank order), re-applying the user's sort column if there is one."""
        self.beginResetModel()
        self.records = list(records)
        if self.sort_column >= 0:
            self.records = sorted_records(self.records, self.sort_column,
                                          self.sort_order == Qt.SortOrder.DescendingOrder)
        self.endResetModel()

    def record(self, row: int):
        return self.records[row] if 0 <= row < len(self.records) else None

    def row_of(self, path: str) -> int:
        return next((i for i, r in enumerate(self.records) if r.path == path), -1)

    def update_record(self, record) -> None:
        """Replace the row for `record.path` (after a rating, favourite or caption change)."""
        row = self.row_of(record.path)
        if row >= 0:
            self.records[row] = record
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.records)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.records):
            return None
        record, column = self.records[index.row()], COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            text = column.text(record)
            if column.key == "name" and record.favourite:
                text = "♥ " + text
            return text
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if column.numeric else _LEFT
        if role == Qt.ItemDataRole.ToolTipRole:
            caption = display(record.caption)
            return f"{display(record.path)}\n{caption}" if caption else display(record.path)
        if role == self.RecordRole:
            return record
        return None

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section].title
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return _RIGHT if COLUMNS[section].numeric else _LEFT
        return None

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        self.sort_column, self.sort_order = column, order
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        paths = [self.records[i.row()].path for i in before]
        self.records = sorted_records(self.records, column, order == Qt.SortOrder.DescendingOrder)
        rows = {r.path: i for i, r in enumerate(self.records)}
        self.changePersistentIndexList(before, [self.index(rows[p], i.column()) for p, i in zip(paths, before)])
        self.layoutChanged.emit()

    def flags(self, index: QModelIndex):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled

    def mimeTypes(self) -> list[str]:
        return ["text/uri-list", "text/plain"]

    def supportedDragActions(self):
        return Qt.DropAction.CopyAction

    def mimeData(self, indexes):
        records, seen = [], set()
        for index in indexes:
            record = self.record(index.row())
            if record is not None and record.path not in seen:
                seen.add(record.path)
                records.append(record)
        if not records or self.make_mime is None:
            return None
        return self.make_mime(records)
