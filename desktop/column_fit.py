"""The results table's columns size to what they hold, so the name gets the room.

The name column stretches over whatever the others leave; every other column is as wide as its
widest cell or its title, whichever is wider (an empty Category shrinks to its title). Only the
column the results are sorted by keeps room for the sort arrow. A column the user has dragged to a
width keeps that width, between runs too, until Fit Columns to Contents.
"""

from __future__ import annotations

from PyQt6.QtCore import QObject
from PyQt6.QtWidgets import QStyleOptionViewItem

from soundloom.desktop.results import COLUMNS, column_index

WIDEST = 260  # px: no cell of a column other than the name is worth more than this
ROUNDING = 2  # px: text laid out for painting can be a pixel wider than its measured advance


class ColumnFitter(QObject):
    """Fits the columns of `view` (a QTableView over a ResultsTableModel) after every change of
    its rows, leaving the name column (stretched) and the columns in `user_sized` alone."""

    def __init__(self, view):
        super().__init__(view)  # a child of the view, which it reaches as its parent (see `view`)
        self.name = column_index("name")
        self.user_sized: set[str] = set()  # keys of the columns whose width the user chose
        self._fitting = False
        self._arrow = None  # px a title needs for the sort arrow, measured once
        header = view.horizontalHeader()
        header.sectionResized.connect(self._resized)
        # Bound methods, not lambdas: a lambda holding the fitter would hold its view alive too.
        header.sortIndicatorChanged.connect(self.fit)
        model = view.model()
        model.modelReset.connect(self.fit)
        model.dataChanged.connect(self.fit)  # a rating given, a favourite marked

    @property
    def view(self):
        # The parent, not an attribute: the view holds its children, and an attribute holding the
        # view back would tie the two into a cycle only the garbage collector frees.
        return self.parent()

    def quietly(self, change) -> None:
        """Run `change` (restoring a saved header, say) without taking its resizes for the user's."""
        was, self._fitting = self._fitting, True  # fits run inside it (a restored sort column refits)
        try:
            change()
        finally:
            self._fitting = was

    def keep_user_widths(self, keys) -> None:
        """The columns named by `keys` (from the settings) keep their width; unknown keys are ignored."""
        known = {column.key for column in COLUMNS}
        self.user_sized.update(key for key in keys if key in known)

    def reset(self) -> None:
        """Forget the widths the user chose: every column fits its contents again."""
        self.user_sized.clear()
        self.fit()

    def widths(self) -> dict[int, int]:
        """The width, in pixels, each column except the name and the user's wants for the rows shown."""
        view, model = self.view, self.view.model()
        header = view.horizontalHeader()
        metrics = view.fontMetrics()
        padding = self._cell_padding()
        # Each distinct text is measured once: a column of 500 rows holds a few dozen different ones.
        texts: list[set[str]] = [set() for _ in COLUMNS]
        for record in model.records:
            for column, seen in enumerate(texts):
                if column != self.name:
                    seen.add(COLUMNS[column].text(record))
        wanted = {}
        for column, column_def in enumerate(COLUMNS):
            if column == self.name or column_def.key in self.user_sized:
                continue
            cells = max((metrics.horizontalAdvance(text) for text in texts[column] if text), default=0)
            cell_width = cells + padding + ROUNDING if cells else 0
            wanted[column] = min(max(self._title_width(column), cell_width), WIDEST)
        return wanted

    def _cell_padding(self) -> int:
        """Pixels a cell needs beyond its text (the style's margins and the theme's padding), as
        the view's own delegate measures the first cell."""
        view, model = self.view, self.view.model()
        if not model.rowCount():
            return 0
        index = model.index(0, column_index("duration"))
        option = QStyleOptionViewItem()
        view.initViewItemOption(option)
        text = model.data(index)
        return view.itemDelegate().sizeHint(option, index).width() - view.fontMetrics().horizontalAdvance(text)

    def _title_width(self, column: int) -> int:
        header = self.view.horizontalHeader()
        if self._arrow is None:
            # Qt makes room for the sort arrow in every title; only the sorted column shows one.
            shown = header.isSortIndicatorShown()
            header.setSortIndicatorShown(False)
            without = header.sectionSizeHint(column)
            header.setSortIndicatorShown(True)
            self._arrow = max(0, header.sectionSizeHint(column) - without)
            header.setSortIndicatorShown(shown)
        hint = header.sectionSizeHint(column)
        return hint if column == header.sortIndicatorSection() else hint - self._arrow

    def fit(self, *_changed) -> None:
        def apply() -> None:
            for column, width in self.widths().items():
                if self.view.columnWidth(column) != width:
                    self.view.setColumnWidth(column, width)

        self.quietly(apply)

    def _resized(self, column: int, _old: int, _new: int) -> None:
        # The name column stretches with the window; only a drag on another column is the user's.
        if not self._fitting and column != self.name:
            self.user_sized.add(COLUMNS[column].key)
