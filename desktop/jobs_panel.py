"""The jobs panel: each job with a progress bar, time left and a cancel button; a failed job says why.

Rows are painted by a delegate (no widget per row), so a hundred jobs streaming progress cost
one repaint of the visible rows each.
"""

from __future__ import annotations

from PyQt6.QtCore import QEvent, QRect, QSize, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QPainter
from PyQt6.QtWidgets import (QHBoxLayout, QLabel, QListView, QPushButton, QStackedLayout, QStyle,
                             QStyledItemDelegate, QVBoxLayout, QWidget)

from soundloom.desktop import theme
from soundloom.desktop.jobs_model import ACTIVE, CANCELLED, DONE, FAILED, JobsModel

ROW_HEIGHT = 40
CANCEL_WIDTH = 22
BAR_HEIGHT = 4
FAILED_TEXT = QColor("#e07a6a")
DONE_BAR = QColor("#4e8f5a")
EMPTY_HINT = ("No jobs yet.\n\nType what to generate in the prompt bar at the top (Ctrl+G) and press Enter, or "
              "regenerate a selection of a sound: each take is listed here as it renders, with its progress "
              "and time left.")


class JobDelegate(QStyledItemDelegate):
    cancel_clicked = pyqtSignal(str)

    def sizeHint(self, option, index) -> QSize:
        return QSize(200, ROW_HEIGHT)

    @staticmethod
    def cancel_rect(rect: QRect) -> QRect:
        return QRect(rect.right() - CANCEL_WIDTH - 4, rect.top() + 4, CANCEL_WIDTH, 16)

    def paint(self, painter: QPainter, option, index) -> None:
        row = index.data(JobsModel.JobRole)
        if row is None:
            return
        painter.save()
        rect = option.rect
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(rect, theme.HIGHLIGHT)
        elif index.row() % 2:
            painter.fillRect(rect, theme.ALTERNATE)
        metrics = option.fontMetrics
        active = row.state in ACTIVE
        # The title has the top line to itself (the dock is narrow): elided in the middle, so the
        # end of it, "take 1 of 4", stays. The status sits beside the bar below.
        right = rect.right() - (CANCEL_WIDTH + 10 if active else 6)
        text_top = QRect(rect.left() + 8, rect.top() + 3, right - rect.left() - 8, 18)
        painter.setPen(theme.TEXT if row.state != CANCELLED else theme.DIM_TEXT)
        painter.drawText(text_top, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         metrics.elidedText(row.title, Qt.TextElideMode.ElideMiddle, text_top.width()))
        status = row.status_text()
        status_width = metrics.horizontalAdvance(status) + 8
        lower = QRect(rect.left() + 8, rect.top() + 22, rect.right() - rect.left() - 14, 16)
        painter.setPen(FAILED_TEXT if row.state == FAILED else theme.DIM_TEXT)
        if row.state == FAILED:
            painter.drawText(lower, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             metrics.elidedText(f"{status}: {row.reason}", Qt.TextElideMode.ElideRight, lower.width()))
        else:
            painter.drawText(lower, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, status)
            if row.state != CANCELLED:
                bar = QRect(lower.left(), lower.center().y() - BAR_HEIGHT // 2, lower.width() - status_width, BAR_HEIGHT)
                painter.fillRect(bar, theme.WAVEFORM_BACKGROUND)
                done = QRect(bar.left(), bar.top(), int(bar.width() * row.fraction), BAR_HEIGHT)
                painter.fillRect(done, DONE_BAR if row.state == DONE else theme.WAVEFORM)
        if active:
            button = self.cancel_rect(rect)
            painter.setPen(theme.DIM_TEXT)
            painter.drawRoundedRect(button.adjusted(0, 0, -1, -1), 3, 3)
            painter.drawText(button, Qt.AlignmentFlag.AlignCenter, "✕")
        painter.restore()

    def editorEvent(self, event, model, option, index) -> bool:
        if event.type() == QEvent.Type.MouseButtonRelease and event.button() == Qt.MouseButton.LeftButton:
            row = index.data(JobsModel.JobRole)
            if row is not None and row.state in ACTIVE and self.cancel_rect(option.rect).contains(event.position().toPoint()):
                self.cancel_clicked.emit(row.id)
                return True
        return False


class JobsPanel(QWidget):
    """The jobs dock's contents; `cancel_requested(job_id)` when ✕ is clicked (or Delete pressed)."""

    cancel_requested = pyqtSignal(str)
    activated = pyqtSignal(str)  # a job was double-clicked (its takes are shown)

    def __init__(self, model: JobsModel, parent=None):
        super().__init__(parent)
        self.model = model
        self.view = QListView()
        self.view.setModel(model)
        self.delegate = JobDelegate(self.view)
        self.view.setItemDelegate(self.delegate)
        self.view.setUniformItemSizes(True)
        self.view.setMouseTracking(True)
        self.delegate.cancel_clicked.connect(self.cancel_requested)
        # Bound methods, not lambdas that hold the panel: a connection to a lambda keeps its
        # closure alive, which ties the panel into a cycle only the garbage collector can free,
        # and it frees it on whichever thread it happens to run, where destroying widgets crashes.
        self.view.doubleClicked.connect(self._job_double_clicked)
        # Before the first job the dock says how to start one, rather than standing empty.
        self.empty_hint = QLabel(EMPTY_HINT)
        self.empty_hint.setObjectName("dim")
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.empty_hint.setContentsMargins(10, 10, 10, 10)
        self.stack = QStackedLayout()
        self.stack.addWidget(self.empty_hint)
        self.stack.addWidget(self.view)
        self.summary = QLabel()
        self.summary.setObjectName("dim")
        self.clear_button = clear = QPushButton("Clear Finished")
        clear.setToolTip("Remove finished, failed and cancelled jobs from this list")
        clear.clicked.connect(model.clear_finished)
        footer = QHBoxLayout()
        footer.setContentsMargins(6, 2, 6, 4)
        footer.addWidget(self.summary, 1)
        footer.addWidget(clear)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(self.stack, 1)
        layout.addLayout(footer)
        for signal in (model.rowsInserted, model.dataChanged, model.modelReset):
            signal.connect(self._update_summary)
        model.rowsInserted.connect(self._show_newest)
        self._update_summary()

    def cancel_selected(self) -> None:
        index = self.view.currentIndex()
        row = index.data(JobsModel.JobRole) if index.isValid() else None
        if row is not None and row.state in ACTIVE:
            self.cancel_requested.emit(row.id)

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.cancel_selected()
            return
        super().keyPressEvent(event)

    def _job_double_clicked(self, index) -> None:
        row = index.data(JobsModel.JobRole)
        if row is not None:
            self.activated.emit(row.id)

    def _show_newest(self, _parent, _first, last: int) -> None:
        self.view.scrollTo(self.model.index(last))

    def _update_summary(self, *_args) -> None:
        rows = self.model.rows
        active = sum(1 for r in rows if r.state in ACTIVE)
        failed = sum(1 for r in rows if r.state == FAILED)
        done = sum(1 for r in rows if r.state == DONE)
        parts = [f"{active} running or waiting" if active else "Nothing running"]
        if done:
            parts.append(f"{done} done")
        if failed:
            parts.append(f"{failed} failed")
        self.summary.setText(" · ".join(parts))
        self.stack.setCurrentWidget(self.view if rows else self.empty_hint)
        self.clear_button.setEnabled(active < len(rows))  # something finished to clear
