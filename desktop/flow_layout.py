"""A row of controls that wraps onto further rows when the window is narrow.

At the usual width it is one row, like a QHBoxLayout, with any room to spare going to the items
given a stretch. Narrower, whole items move to the next row instead of being squeezed below their
minimum, so the window can be narrow (a laptop screen beside a DAW) without clipping anything.
Put the words and the field they name in one small widget, so a label never ends a row alone.
"""

from __future__ import annotations

from PyQt6.QtCore import QPoint, QRect, QSize, Qt
from PyQt6.QtWidgets import QLayout, QLayoutItem, QWidget


class FlowLayout(QLayout):
    def __init__(self, parent: QWidget | None = None, spacing: int = 6, row_spacing: int = 4):
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._stretch: list[int] = []
        self._spacing, self._row_spacing = spacing, row_spacing
        self.setContentsMargins(0, 0, 0, 0)

    def add(self, widget: QWidget, stretch: int = 0) -> None:
        """Add `widget`; a row's spare width goes to its items in proportion to their `stretch`."""
        self.addWidget(widget)
        self._stretch[-1] = stretch

    # ------------------------------------------------------------------ QLayout

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)
        self._stretch.append(0)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        if not 0 <= index < len(self._items):
            return None
        self._stretch.pop(index)
        return self._items.pop(index)

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation.Horizontal

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), place=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, place=True)

    def sizeHint(self) -> QSize:
        """Everything on one row."""
        shown = self._shown()
        width = sum(item.sizeHint().width() for item, _ in shown) + self._spacing * max(len(shown) - 1, 0)
        height = max((item.sizeHint().height() for item, _ in shown), default=0)
        return self._with_margins(QSize(width, height))

    def minimumSize(self) -> QSize:
        """As narrow as the widest single item; the height for a width comes from heightForWidth."""
        shown = self._shown()
        width = max((item.minimumSize().width() for item, _ in shown), default=0)
        height = max((item.minimumSize().height() for item, _ in shown), default=0)
        return self._with_margins(QSize(width, height))

    # ------------------------------------------------------------------ rows

    def _shown(self) -> list[tuple[QLayoutItem, int]]:
        return [(item, stretch) for item, stretch in zip(self._items, self._stretch)
                if not (item.widget() is not None and item.widget().isHidden())]

    def _with_margins(self, size: QSize) -> QSize:
        margins = self.contentsMargins()
        return QSize(size.width() + margins.left() + margins.right(), size.height() + margins.top() + margins.bottom())

    def _rows(self, width: int) -> list[list[tuple[QLayoutItem, int]]]:
        rows: list[list[tuple[QLayoutItem, int]]] = []
        used = 0
        for item, stretch in self._shown():
            hint = item.sizeHint().width()
            if rows and rows[-1] and used + self._spacing + hint <= width:
                rows[-1].append((item, stretch))
                used += self._spacing + hint
            else:
                rows.append([(item, stretch)])
                used = hint
        return rows

    def _arrange(self, rect: QRect, place: bool) -> int:
        """Lay the items out in `rect` (when `place`); returns the height they take."""
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        y = area.top()
        for row in self._rows(area.width()):
            height = max(item.sizeHint().height() for item, _ in row)
            if place:
                self._place_row(row, area.left(), y, area.width(), height)
            y += height + self._row_spacing
        return y - self._row_spacing - area.top() + margins.top() + margins.bottom() if y > area.top() else 0

    def _place_row(self, row, left: int, top: int, width: int, height: int) -> None:
        widths = [item.sizeHint().width() for item, _ in row]
        spare = width - sum(widths) - self._spacing * (len(row) - 1)
        stretch = sum(s for _, s in row)
        if spare > 0 and stretch:
            widths = [min(w + spare * s // stretch, item.maximumSize().width()) for w, (item, s) in zip(widths, row)]
        elif spare < 0:  # one item alone, wider than the row: down to its minimum, no further
            widths = [max(w + spare, item.minimumSize().width()) for w, (item, _) in zip(widths, row)]
        x = left
        for (item, _), w in zip(row, widths):
            h = min(item.sizeHint().height(), height)
            item.setGeometry(QRect(QPoint(x, top + (height - h) // 2), QSize(w, h)))
            x += w + self._spacing
