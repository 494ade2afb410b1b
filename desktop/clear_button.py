"""The small ✕ inside a text field that empties it, drawn as a line field draws its own (the style's
clear icon, no frame), so the prompt fields and the search field look alike."""

from __future__ import annotations

from PyQt6.QtCore import QSize, Qt
from PyQt6.QtGui import QIcon, QPainter
from PyQt6.QtWidgets import QAbstractButton, QStyle

ICON_SIZE = 16  # pixels, as a line field's clear button
WIDTH, HEIGHT = ICON_SIZE + ICON_SIZE // 4, ICON_SIZE + 2


class ClearButton(QAbstractButton):
    def __init__(self, parent=None):
        super().__init__(parent)
        # A click empties the field it sits in; the field takes the focus (as from a line field's
        # button), so typing the next text follows at once.
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setCursor(Qt.CursorShape.ArrowCursor)
        self.setToolTip("Clear")
        self.setAccessibleName("Clear text")
        self.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_LineEditClearButton, None, self))
        self.setFixedSize(WIDTH, HEIGHT)

    def sizeHint(self) -> QSize:
        return QSize(WIDTH, HEIGHT)

    def paintEvent(self, event) -> None:
        mode = (QIcon.Mode.Disabled if not self.isEnabled()
                else QIcon.Mode.Active if self.isDown() else QIcon.Mode.Normal)
        pixmap = self.icon().pixmap(QSize(ICON_SIZE, ICON_SIZE), self.devicePixelRatioF(), mode)
        size = pixmap.deviceIndependentSize()
        painter = QPainter(self)
        painter.drawPixmap(int((self.width() - size.width()) / 2), int((self.height() - size.height()) / 2), pixmap)
        painter.end()
