"""A one-line label that gives way when room is short: it shows "…" in place of what does not
fit, and the whole text in its tooltip, instead of forcing the window to stay wide.

File names are shortened at the end, paths in the middle (both ends of a path say the most).
"""

from __future__ import annotations

from PyQt6.QtCore import QSize, Qt
from PyQt6.QtGui import QPainter
from PyQt6.QtWidgets import QLabel, QSizePolicy

MIN_CHARACTERS = 8  # the narrowest it gets: a few characters and the ellipsis


class ElidedLabel(QLabel):
    def __init__(self, text: str = "", mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight, parent=None):
        super().__init__(text, parent)
        self.mode = mode
        self._own_tooltip = ""
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def setToolTip(self, text: str) -> None:
        self._own_tooltip = text
        super().setToolTip(text)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        narrowest = self.fontMetrics().horizontalAdvance("x" * MIN_CHARACTERS + "…")
        return QSize(min(hint.width(), narrowest), hint.height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._update_tooltip()

    def setText(self, text: str) -> None:
        super().setText(text)
        self._update_tooltip()

    def _elided(self) -> str:
        room = self.contentsRect().width()
        return self.fontMetrics().elidedText(self.text(), self.mode, room)

    def _update_tooltip(self) -> None:
        # Cut short, the whole text is one hover away (after the label's own tooltip, if it has one).
        cut = self.text() and self._elided() != self.text()
        whole = "\n".join(t for t in (self.text() if cut else "", self._own_tooltip) if t)
        super().setToolTip(whole)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        self.style().drawItemText(painter, self.contentsRect(), self.alignment().value,
                                  self.palette(), self.isEnabled(), self._elided(), self.foregroundRole())
        painter.end()
