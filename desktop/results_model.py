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
# data() and flags() run for every visible cell on every repaint: plain ints and a prebuilt flag
# value keep them cheap (comparing and or-ing PyQt enums costs microseconds each).
_DISPLAY = Qt.ItemDataRole.DisplayRole.value
_ALIGN = Qt.ItemDataRole.TextAlignmentRole.value
_TOOLTIP = Qt.ItemDataRole.ToolTipRole.value
_RECORD = Qt.ItemDataRole.UserRole.value + 1
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled


class ResultsTableModel(QAbstractTableModel):
    RecordRole = _RECORD

    def __init__(self, make_mime: Callable[[list], object] | None = None, parent=None):
        super().__init__(parent)
        self.records: list = []
        self._texts: dict[int, list[str]] = {}  # row → its cells' text, formatted once
        self.make_mime = make_mime
        self.sort_column, self.sort_order = -1, Qt.SortOrder.AscendingOrder

    def set_records(self, records: list) -> None:
        """Show `records` (search rank order), re-applying the user's sort column if there is one."""
        self.beginResetModel()
        self._texts = {}
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
            self._texts.pop(row, None)
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.records)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.records):
            return None
        role = int(role)
        row = index.row()
        record, column = self.records[row], COLUMNS[index.column()]
        if role == _DISPLAY:
            texts = self._texts.get(row)
            if texts is None:
                texts = self._texts[row] = [c.text(record) for c in COLUMNS]
                if record.favourite:
                    texts[0] = "♥ " + texts[0]
            return texts[index.column()]
        if role == _ALIGN:
            return _RIGHT if column.numeric else _LEFT
        if role == _TOOLTIP:
            caption = display(record.caption)
            return f"{display(record.path)}\n{caption}" if caption else display(record.path)
        if role == _RECORD:
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
        self._texts = {}
        rows = {r.path: i for i, r in enumerate(self.records)}
        self.changePersistentIndexList(before, [self.index(rows[p], i.column()) for p, i in zip(paths, before)])
        self.layoutChanged.emit()

    def flags(self, index: QModelIndex):
        return _FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

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
