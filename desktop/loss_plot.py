"""The training loss as a line over optimiser steps, drawn with QPainter.

The x axis spans the whole run (0 to the total steps), so the line grows from left to right and the
user sees how far training has come; the y axis fits the losses seen so far with a little headroom.
Marks on the line show the steps where a validation render was made.
"""

from __future__ import annotations

import math

from PyQt6.QtCore import QPointF, QRectF, QSize, Qt
from PyQt6.QtGui import QFontMetrics, QPainter, QPainterPath, QPen
from PyQt6.QtWidgets import QSizePolicy, QWidget

from soundloom.desktop import theme

LEFT, RIGHT, TOP, BOTTOM = 44, 12, 22, 22  # pixels around the plot area: axis labels and the title line
LINE = theme.WAVEFORM
GRID = theme.CENTRE_LINE


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """About `count` round values (1-2-5 steps) covering low..high."""
    if not math.isfinite(low) or not math.isfinite(high) or high <= low:
        return [low] if math.isfinite(low) else []
    raw = (high - low) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9) * step
    return [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]


def tick_label(value: float, ticks: list[float]) -> str:
    """A tick's text with as many decimals as the spacing between ticks needs."""
    spacing = abs(ticks[1] - ticks[0]) if len(ticks) > 1 else abs(value) or 1.0
    decimals = max(0, -math.floor(math.log10(spacing))) if spacing < 1 else 0
    return f"{value:.{decimals}f}"


class LossPlot(QWidget):
    """Step/loss pairs of one training run; `add_point` appends, `reset` starts a new run."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.points: list[tuple[int, float]] = []
        self.validation_steps: list[int] = []
        self.total = 0
        self.first_step = 0  # a resumed run starts where the last one stopped
        self.setMinimumHeight(140)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(360, 180)

    def reset(self, total: int, first_step: int = 0) -> None:
        self.points, self.validation_steps = [], []
        self.total, self.first_step = max(int(total), 1), max(int(first_step), 0)
        self.update()

    def add_point(self, step: int, loss: float) -> None:
        """Record the loss at `step`; a non-finite loss (a diverged run) is kept out of the line."""
        if not math.isfinite(loss):
            return
        last = self.points[-1][0] if self.points else None
        if last is not None and step < last:  # a late, out-of-order report: the line already went past it
            return
        if step == last:
            self.points[-1] = (int(step), float(loss))
        else:
            self.points.append((int(step), float(loss)))
        self.total = max(self.total, int(step))
        self.update()

    def mark_validation(self, step: int) -> None:
        if step not in self.validation_steps:
            self.validation_steps.append(int(step))
            self.update()

    # ------------------------------------------------------------------ painting

    def _ranges(self) -> tuple[float, float, float, float]:
        x0 = float(self.first_step)
        x1 = float(max(self.total, x0 + 1))
        losses = [loss for _, loss in self.points]
        low, high = (min(losses), max(losses)) if losses else (0.0, 1.0)
        pad = (high - low) * 0.1 or abs(high) * 0.1 or 0.1
        return x0, x1, max(0.0, low - pad) if low >= 0 else low - pad, high + pad

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), theme.WAVEFORM_BACKGROUND)
        area = QRectF(LEFT, TOP, max(self.width() - LEFT - RIGHT, 1), max(self.height() - TOP - BOTTOM, 1))
        x0, x1, y0, y1 = self._ranges()

        def at(step: float, loss: float) -> QPointF:
            return QPointF(area.left() + (step - x0) / (x1 - x0) * area.width(),
                           area.bottom() - (loss - y0) / (y1 - y0) * area.height())

        metrics = QFontMetrics(self.font())
        # Grid and labels: loss on the left, steps along the bottom.
        y_ticks = nice_ticks(y0, y1, max(2, int(area.height() // 36)))
        for value in y_ticks:
            y = at(x0, value).y()
            painter.setPen(QPen(GRID, 1))
            painter.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
            painter.setPen(theme.RULER)
            text = tick_label(value, y_ticks)
            painter.drawText(QRectF(0, y - 8, LEFT - 6, 16), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             text)
        x_ticks = [t for t in nice_ticks(x0, x1, max(2, int(area.width() // 70))) if t == int(t)]
        for value in x_ticks:
            x = at(value, y0).x()
            painter.setPen(QPen(GRID, 1))
            painter.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()))
            painter.setPen(theme.RULER)
            painter.drawText(QRectF(x - 30, area.bottom() + 3, 60, BOTTOM - 4), Qt.AlignmentFlag.AlignHCenter, f"{value:g}")
        painter.setPen(QPen(theme.RULER, 1))
        painter.drawLine(area.bottomLeft(), area.bottomRight())
        painter.drawLine(area.bottomLeft(), area.topLeft())

        # Validation marks: a dashed amber line where a render was made.
        for step in self.validation_steps:
            x = at(step, y0).x()
            painter.setPen(QPen(theme.ACCENT, 1, Qt.PenStyle.DashLine))
            painter.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()))

        if self.points:
            path = QPainterPath(at(*self.points[0]))
            for step, loss in self.points[1:]:
                path.lineTo(at(step, loss))
            painter.setPen(QPen(LINE, 1.6))
            painter.drawPath(path)
            painter.setBrush(LINE)
            painter.setPen(Qt.PenStyle.NoPen)
            if len(self.points) <= 60:  # dots only while they stay apart
                for point in self.points:
                    painter.drawEllipse(at(*point), 2.2, 2.2)
            else:
                painter.drawEllipse(at(*self.points[-1]), 2.6, 2.6)
            step, loss = self.points[-1]
            title = f"loss {loss:.4g} at step {step:,} of {self.total:,}"
        else:
            title = "loss: waiting for the first step" if self.total > 1 or self.first_step else "loss"
        painter.setPen(theme.DIM_TEXT)
        painter.drawText(QRectF(area.left(), 2, area.width(), TOP - 4),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         metrics.elidedText(title, Qt.TextElideMode.ElideRight, int(area.width())))
        painter.end()
