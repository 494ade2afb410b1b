"""A text field for prompts and captions: long text wraps instead of running off the right edge.

It starts one line high, like the line fields beside it, and grows with its text up to
`max_lines`, then scrolls. Enter submits, as in every other field of the app (`returnPressed`);
Shift+Enter starts a new line, for laying out a long prompt (whitespace is one space to the
engine). It speaks QLineEdit's words (`text`, `setText`, `returnPressed`, `editingFinished`,
`setClearButtonEnabled`), so it takes a line field's place without changing the code around it.
"""

from __future__ import annotations

from PyQt6.QtCore import QEvent, QSize, Qt, pyqtSignal
from PyQt6.QtGui import QTextCursor, QTextOption
from PyQt6.QtWidgets import QFrame, QPlainTextEdit, QSizePolicy, QStyle, QStyleOptionFrame

from soundloom.desktop.clear_button import ClearButton

DEFAULT_MAX_LINES = 4


class PromptEdit(QPlainTextEdit):
    returnPressed = pyqtSignal()    # Enter (without Shift)
    editingFinished = pyqtSignal()  # Enter, or the focus left after a change

    def __init__(self, placeholderText: str = "", max_lines: int = DEFAULT_MAX_LINES, parent=None):
        super().__init__(parent)
        self.max_lines = max_lines
        self._placeholder = ""
        self.clear_button: ClearButton | None = None
        self.setPlaceholderText(placeholderText)
        self.setTabChangesFocus(True)  # Tab moves on, as from any field; a prompt has no use for tabs
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.document().setDocumentMargin(1)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.textChanged.connect(self._fit_height)
        self.textChanged.connect(self._show_clear_button)
        self._fit_height()

    # ------------------------------------------------------------------ QLineEdit's words

    def text(self) -> str:
        return self.toPlainText()

    def setText(self, text: str) -> None:
        self.setPlainText(text or "")
        self.document().setModified(False)

    def setPlaceholderText(self, text: str) -> None:
        # The hint stays on the one line an empty field has, shortened with "…" when narrow.
        self._placeholder = text or ""
        self._fit_placeholder()

    def placeholderText(self) -> str:
        return self._placeholder

    def _fit_placeholder(self) -> None:
        room = self.viewport().width() - 2 * int(self.document().documentMargin()) - 2
        shown = self.fontMetrics().elidedText(self._placeholder, Qt.TextElideMode.ElideRight, max(room, 0))
        super().setPlaceholderText(shown if room > 0 else self._placeholder)

    def setClearButtonEnabled(self, enabled: bool) -> None:
        """A ✕ at the right of the first line that empties the field, shown while there is text."""
        if enabled == self.isClearButtonEnabled():
            return
        if enabled:
            self.clear_button = ClearButton(self)
            self.clear_button.clicked.connect(self._clear_clicked)
            # Its room is kept whether it shows or not, so the first letter typed does not re-wrap the text.
            self.setViewportMargins(0, 0, self.clear_button.width(), 0)
        else:
            self.clear_button.hide()
            self.clear_button.deleteLater()
            self.clear_button = None
            self.setViewportMargins(0, 0, 0, 0)
        self._place_clear_button()
        self._show_clear_button()
        self._fit_placeholder()
        self.updateGeometry()

    def isClearButtonEnabled(self) -> bool:
        return self.clear_button is not None

    def setReadOnly(self, read_only: bool) -> None:
        super().setReadOnly(read_only)
        self._show_clear_button()

    def _clear_clicked(self) -> None:
        # Removed as an edit, not reset: Ctrl+Z brings a long prompt back after a slip of the mouse.
        cursor = self.textCursor()
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.removeSelectedText()
        self.setTextCursor(cursor)
        self.setFocus(Qt.FocusReason.MouseFocusReason)

    def _show_clear_button(self) -> None:
        if self.clear_button is not None:
            self.clear_button.setVisible(bool(self.toPlainText()) and not self.isReadOnly())

    def _place_clear_button(self) -> None:
        if self.clear_button is None:
            return
        # In the margin right of the text, centred on the first line (where a line field has it).
        text = self.viewport().geometry()
        first_line = int(self.document().documentMargin()) * 2 + self.fontMetrics().lineSpacing()
        self.clear_button.move(text.right() + 1, text.top() + (first_line - self.clear_button.height()) // 2)

    def setCursorPosition(self, position: int) -> None:
        cursor = self.textCursor()
        cursor.setPosition(min(max(position, 0), len(self.toPlainText())))
        self.setTextCursor(cursor)

    # ------------------------------------------------------------------ keys and focus

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.textCursor().insertText("\n")
            else:
                self._finish()
                self.returnPressed.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        if self.document().isModified():
            self._finish()

    def _finish(self) -> None:
        self.document().setModified(False)
        self.editingFinished.emit()

    # ------------------------------------------------------------------ height follows the text

    def lines(self) -> int:
        """Lines the text takes at the current width, wrapped lines counted."""
        block, count = self.document().firstBlock(), 0
        while block.isValid():
            count += max(1, block.layout().lineCount() if block.layout() is not None else 1)
            block = block.next()
        return max(1, count)

    def _height_for(self, lines: int) -> int:
        margins = self.contentsMargins()
        frame = margins.top() + margins.bottom() + 2 * int(self.document().documentMargin())
        spacing = self.fontMetrics().lineSpacing()
        # One line is as high as a line field in the same style, so it sits level with them; each
        # further line adds a line's height, and two pixels to spare, without which the view
        # counts its last line as cut off and scrolls.
        one = max(spacing + frame, self._line_field_height())
        return one if lines <= 1 else one + (lines - 1) * spacing + 2

    def _line_field_height(self) -> int:
        option = QStyleOptionFrame()
        option.initFrom(self)
        option.lineWidth = self.style().pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth, option, self)
        contents = QSize(100, self.fontMetrics().height() + 2)  # a line field's text and its 1-pixel margins
        return self.style().sizeFromContents(QStyle.ContentsType.CT_LineEdit, option, contents, self).height()

    def _fit_height(self) -> None:
        lines = self.lines()
        # A scroll bar only past the last line shown: one that came and went while the field grows
        # would narrow the text for a moment and wrap it differently.
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded if lines > self.max_lines
                                        else Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        height = self._height_for(min(lines, self.max_lines))
        if height != self.height() or self.minimumHeight() != height:
            self.setFixedHeight(height)

    def event(self, event) -> bool:
        handled = super().event(event)
        if event.type() in (QEvent.Type.Polish, QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._fit_height()  # the style or font sets the frame and the line height
            self._place_clear_button()
        return handled

    def viewportEvent(self, event) -> bool:
        # The text area narrows when a scroll bar comes; one that came while the field was hidden
        # moved it with no resize to tell, hence Show as well.
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self._place_clear_button()
        return super().viewportEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_clear_button()
        if event.oldSize().width() != event.size().width():  # the text wraps anew
            self._fit_height()
            self._fit_placeholder()

    def sizeHint(self) -> QSize:
        # As wide as a line field would ask for; the layout gives it whatever room there is.
        width = self.fontMetrics().horizontalAdvance("x") * 17 + self.contentsMargins().left() * 2 + 8
        width += self.viewportMargins().right()  # the clear button's room
        return QSize(width, self._height_for(min(self.lines(), self.max_lines)))

    def minimumSizeHint(self) -> QSize:
        return QSize(60, self._height_for(1))
