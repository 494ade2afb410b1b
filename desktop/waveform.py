"""The waveform view: one vertical min/max line per pixel column, drawn from a peak pyramid.

Click sets the playhead, click-drag selects a region, dragging a region's edge moves it, and
dragging from inside the region hands it to another application (a DAW) as a file. The wheel
zooms around the pointer; Shift+wheel scrolls.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QLineF, QPointF, QRectF, Qt, pyqtSignal
from PyQt6.QtGui import QPainter, QPen, QPolygonF
from PyQt6.QtWidgets import QApplication, QSizePolicy, QWidget

from soundloom.desktop import theme
from soundloom.desktop.peaks import PeakPyramid
from soundloom.desktop.ruler import RULER_HEIGHT, paint_ruler
from soundloom.desktop.timeline import Timeline

EDGE_GRAB = 4  # pixels either side of a region edge that grab the edge


def paint_overlays(painter: QPainter, timeline: Timeline, rect: QRectF) -> None:
    """The selected region and the playhead, on any view sharing the timeline."""
    width = rect.width()
    if timeline.selection is not None:
        left = timeline.x_at(timeline.selection.start, width)
        right = timeline.x_at(timeline.selection.end, width)
        painter.fillRect(QRectF(left, rect.top(), right - left, rect.height()), theme.SELECTION_FILL)
        painter.setPen(QPen(theme.SELECTION_EDGE, 1))
        painter.drawLine(QLineF(left, rect.top(), left, rect.bottom()))
        painter.drawLine(QLineF(right, rect.top(), right, rect.bottom()))
    if timeline.playhead is not None:
        x = timeline.x_at(timeline.playhead, width)
        painter.setPen(QPen(theme.PLAYHEAD, 1.5))
        painter.drawLine(QLineF(x, rect.top(), x, rect.bottom()))


class WaveformView(QWidget):
    drag_requested = pyqtSignal(object)  # Region: the user dragged the selection out of the window
    clicked = pyqtSignal(float)          # seconds: a plain click, which moves the playhead

    def __init__(self, timeline: Timeline, parent=None):
        super().__init__(parent)
        self.timeline = timeline
        self.pyramid: PeakPyramid | None = None
        self.message = ""
        self._press: tuple[float, float] | None = None  # (x, seconds) where the mouse went down
        self._mode = None                               # "select", "start", "end", "drag"
        self._polygon: QPolygonF | None = None
        self._buffer: np.ndarray | None = None
        self.setMinimumHeight(90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        for event in (timeline.view_changed, timeline.selection_changed, timeline.playhead_changed):
            event.connect(self.update)

    def set_pyramid(self, pyramid: PeakPyramid | None, message: str = "") -> None:
        self.pyramid, self.message = pyramid, message
        self.update()

    def set_message(self, message: str) -> None:
        self.pyramid, self.message = None, message
        self.update()

    # painting

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        width, height = self.width(), self.height()
        paint_ruler(painter, self.timeline, width)
        area = QRectF(0, RULER_HEIGHT, width, height - RULER_HEIGHT)
        painter.fillRect(area, theme.WAVEFORM_BACKGROUND)
        mid, half = area.center().y(), area.height() / 2 - 2
        painter.setPen(theme.CENTRE_LINE)
        painter.drawLine(QLineF(0, mid, width, mid))
        if self.pyramid is not None and self.timeline.span > 0:
            self._paint_peaks(painter, width, mid, half)
        elif self.message:
            painter.setPen(theme.DIM_TEXT)
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, self.message)
        paint_overlays(painter, self.timeline, area)
        painter.end()

    def _paint_peaks(self, painter: QPainter, width: int, mid: float, half: float) -> None:
        mins, maxs = self.pyramid.columns(self.timeline.start, self.timeline.end, width)
        present = np.flatnonzero(~np.isnan(mins))
        if not len(present):
            return
        top = mid - np.clip(maxs[present], -1, 1) * half
        bottom = np.maximum(mid - np.clip(mins[present], -1, 1) * half, top + 1)  # silence still shows as a hairline
        # The line end points go straight from numpy into a QPolygonF's memory: no Python object
        # per column, so painting neither costs per-point overhead nor feeds the garbage collector.
        points = self._points(2 * len(present))
        points[0::2, 0] = points[1::2, 0] = present + 0.5
        points[0::2, 1], points[1::2, 1] = top, bottom
        painter.setPen(QPen(theme.WAVEFORM, 0))  # cosmetic: exactly one pixel wide
        painter.drawLines(self._polygon)

    def _points(self, count: int) -> np.ndarray:
        """A (count, 2) float64 view of a QPolygonF of `count` points, reused between paints."""
        if self._polygon is None or self._polygon.size() != count:
            self._polygon = QPolygonF()
            self._polygon.fill(QPointF(), count)
            buffer = self._polygon.data()
            buffer.setsize(count * 16)
            self._buffer = np.frombuffer(buffer, dtype=np.float64).reshape(count, 2)
        return self._buffer

    # mouse

    def _edge_at(self, x: float) -> str | None:
        region = self.timeline.selection
        if region is None:
            return None
        width = self.width()
        if abs(x - self.timeline.x_at(region.start, width)) <= EDGE_GRAB:
            return "start"
        if abs(x - self.timeline.x_at(region.end, width)) <= EDGE_GRAB:
            return "end"
        return None

    def _inside(self, x: float) -> bool:
        region = self.timeline.selection
        if region is None:
            return False
        width = self.width()
        return self.timeline.x_at(region.start, width) < x < self.timeline.x_at(region.end, width)

    def mousePressEvent(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.timeline.duration <= 0:
            return super().mousePressEvent(event)
        x = event.position().x()
        self._press = (x, self.timeline.time_at(x, self.width()))
        edge = self._edge_at(x)
        self._mode = edge or ("drag" if self._inside(x) else "select")

    def mouseMoveEvent(self, event) -> None:
        x = event.position().x()
        if self._press is None:
            edge = self._edge_at(x)
            cursor = Qt.CursorShape.SizeHorCursor if edge else (
                Qt.CursorShape.OpenHandCursor if self._inside(x) else Qt.CursorShape.IBeamCursor)
            self.setCursor(cursor)
            return
        t = self.timeline.time_at(min(max(x, 0), self.width()), self.width())
        moved = abs(x - self._press[0]) >= QApplication.startDragDistance()
        if self._mode == "start":
            self.timeline.set_selection_start(t)
        elif self._mode == "end":
            self.timeline.set_selection_end(t)
        elif self._mode == "drag" and moved:
            region, self._press, self._mode = self.timeline.selection, None, None
            self.drag_requested.emit(region)
        elif self._mode == "select" and moved:
            self.timeline.select(self._press[1], t)

    def mouseReleaseEvent(self, event) -> None:
        if self._press is None:
            return super().mouseReleaseEvent(event)
        x = event.position().x()
        if abs(x - self._press[0]) < QApplication.startDragDistance() and self._mode in ("select", "drag"):
            self.timeline.clear_selection()
            self.clicked.emit(self._press[1])
        self._press, self._mode = None, None

    def wheelEvent(self, event) -> None:
        if self.timeline.duration <= 0:
            return
        delta = event.angleDelta()
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier or abs(delta.x()) > abs(delta.y()):
            steps = (delta.x() or delta.y()) / 120
            self.timeline.scroll(-steps * self.timeline.span * 0.1)
        else:
            anchor = self.timeline.time_at(event.position().x(), self.width())
            self.timeline.zoom(1.25 ** (delta.y() / 120), anchor)
        event.accept()
