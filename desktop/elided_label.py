"""A one-line label that gives way when room is short: it shows "…" in place of what does not
fit, and the whole text in its tooltip, instead of forcing the window to stay wide.

File names are shortened at the end, paths in the middle (both ends of a path say the most).
Made selectable (`setTextInteractionFlags`), it selects and copies the whole text: a selection that
takes in the "…" takes in what it stands for.
"""

from __future__ import annotations

from PyQt6.QtCore import QEvent, QSize, Qt
from PyQt6.QtGui import QClipboard, QGuiApplication, QKeySequence
from PyQt6.QtWidgets import QLabel, QMenu, QSizePolicy

MIN_CHARACTERS = 8  # the narrowest it gets: a few characters and the ellipsis
ELLIPSIS = "…"


def shown_to_whole(whole: str, shown: str):
    """A function from positions between characters of `shown` (the text cut short) to positions in
    `whole`: either side of the ellipsis maps to either end of the part it hides."""
    if shown == whole:
        return lambda position: position
    cut = next((i for i, c in enumerate(shown)
                if c == ELLIPSIS and whole.startswith(shown[:i]) and whole.endswith(shown[i + 1:])), None)
    if cut is None:  # not a shortening of `whole` (nothing is): the shown text is all there is
        return lambda position: min(position, len(whole))
    tail = len(shown) - cut - 1

    def to_whole(position: int) -> int:
        if position <= cut:
            return position
        return len(whole) - (len(shown) - position) if position > cut + 1 else len(whole) - tail
    return to_whole


class ElidedLabel(QLabel):
    def __init__(self, text: str = "", mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight, parent=None):
        super().__init__(parent)
        self.mode = mode
        self._whole = ""
        self._own_tooltip = ""
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setText(text)

    # ------------------------------------------------------------------ the whole text, shown cut

    def text(self) -> str:
        return self._whole

    def setText(self, text: str) -> None:
        self._whole = text or ""
        self._show()

    def setToolTip(self, text: str) -> None:
        self._own_tooltip = text
        self._update_tooltip()

    def _shown(self) -> str:
        return super().text()

    def _show(self) -> None:
        # The label itself holds the shortened text, so that what it draws, selects and hit-tests is
        # what is on screen; the whole text is kept here.
        shown = self.fontMetrics().elidedText(self._whole, self.mode, self.contentsRect().width())
        if shown != self._shown():
            super().setText(shown)
        self._update_tooltip()

    def _update_tooltip(self) -> None:
        # Cut short, the whole text is one hover away (after the label's own tooltip, if it has one).
        cut = self._whole and self._shown() != self._whole
        super().setToolTip("\n".join(t for t in (self._whole if cut else "", self._own_tooltip) if t))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._show()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._show()  # another font fits another number of characters

    def sizeHint(self) -> QSize:
        # What the whole text would ask for, not the shortened one: else the label could never widen again.
        hint = super().sizeHint()
        return QSize(hint.width() + self._hidden_width(), hint.height())

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        narrowest = self.fontMetrics().horizontalAdvance("x" * MIN_CHARACTERS + ELLIPSIS)
        return QSize(min(hint.width() + self._hidden_width(), narrowest), hint.height())

    def _hidden_width(self) -> int:
        metrics = self.fontMetrics()
        return max(0, metrics.horizontalAdvance(self._whole) - metrics.horizontalAdvance(self._shown()))

    # ------------------------------------------------------------------ selecting the whole text

    def selectedText(self) -> str:
        """The part of the whole text that the selection on screen covers."""
        if not self.hasSelectedText():
            return ""
        start = self.selectionStart()
        to_whole = shown_to_whole(self._whole, self._shown())
        return self._whole[to_whole(start):to_whole(start + len(super().selectedText()))]

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.selectedText())

    def keyPressEvent(self, event) -> None:
        if event.matches(QKeySequence.StandardKey.Copy) and self.hasSelectedText():
            self.copy()
            event.accept()
            return
        super().keyPressEvent(event)

    def mousePressEvent(self, event) -> None:
        # A press always starts a new selection: pressing on the old one would drag it away as the
        # shortened text, which no other place could use.
        extends = event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        if self.hasSelectedText() and event.button() == Qt.MouseButton.LeftButton and not extends:
            self.setSelection(0, 0)
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)
        clipboard = QGuiApplication.clipboard()
        if self.hasSelectedText() and clipboard.supportsSelection():  # the middle-click paste of X11
            clipboard.setText(self.selectedText(), QClipboard.Mode.Selection)

    def contextMenuEvent(self, event) -> None:
        if not self.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse:
            super().contextMenuEvent(event)
            return
        menu = QMenu(self)
        copy = menu.addAction("Copy", self.copy)
        copy.setEnabled(self.hasSelectedText())
        menu.addAction("Select All", self.select_all)
        menu.exec(event.globalPos())
        menu.deleteLater()

    def select_all(self) -> None:
        self.setSelection(0, len(self._shown()))
