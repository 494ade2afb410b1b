"""The spectrogram view: the waveform's time span, frequency up a log axis (labelled in Hz and
kHz), level as colour.

Spectrograms are computed on a worker thread for what is in view; while a new one is computed
after a zoom or scroll, the last one stays up, stretched to where it now belongs.
"""

from __future__ import annotations

from PyQt6.QtCore import QPointF, QRectF, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QImage, QPainter
from PyQt6.QtWidgets import QSizePolicy, QWidget

from soundloom.desktop import theme
from soundloom.desktop.frequency_axis import axis_ticks
from soundloom.desktop.spectrum import Spectrogram, to_rgb32
from soundloom.desktop.timeline import Timeline
from soundloom.desktop.waveform import paint_overlays

# Behind each frequency label, so it reads over the brightest part of the picture.
LABEL_BACKING = QColor(theme.WAVEFORM_BACKGROUND.red(), theme.WAVEFORM_BACKGROUND.green(),
                       theme.WAVEFORM_BACKGROUND.blue(), 150)


class SpectrogramView(QWidget):
    clicked = pyqtSignal(float)  # seconds

    def __init__(self, timeline: Timeline, parent=None):
        super().__init__(parent)
        self.timeline = timeline
        self.spectrogram: Spectrogram | None = None
        self._image: QImage | None = None
        self.message = ""
        self.setMinimumHeight(70)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        for event in (timeline.view_changed, timeline.selection_changed, timeline.playhead_changed):
            event.connect(self.update)

    def set_spectrogram(self, spectrogram: Spectrogram | None, message: str = "", pixels=None) -> None:
        """Show `spectrogram`; `pixels` (from `to_rgb32`, made on a worker thread) saves doing it here."""
        self.spectrogram, self.message = spectrogram, message
        if spectrogram is not None:
            pixels = to_rgb32(spectrogram) if pixels is None else pixels
            rows, columns = pixels.shape
            self._image = QImage(pixels.tobytes(), columns, rows, columns * 4, QImage.Format.Format_RGB32)
        else:
            self._image = None
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        rect = QRectF(self.rect())
        painter.fillRect(rect, theme.WAVEFORM_BACKGROUND)
        if self._image is not None and self.spectrogram.end > self.spectrogram.start:
            left = self.timeline.x_at(self.spectrogram.start, rect.width())
            right = self.timeline.x_at(self.spectrogram.end, rect.width())
            # Computed at the view's own size: smoothing only matters while a zoom is being recomputed.
            target = QRectF(left, 0, right - left, rect.height())
            if abs(target.width() - self._image.width()) > 1 or abs(target.height() - self._image.height()) > 1:
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(QRectF(left, 0, right - left, rect.height()), self._image)
            self._paint_axis(painter, rect)
        elif self.message:
            painter.setPen(theme.DIM_TEXT)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.message)
        paint_overlays(painter, self.timeline, rect)
        painter.end()

    def _paint_axis(self, painter: QPainter, rect: QRectF) -> None:
        spectrogram = self.spectrogram
        font = painter.font()
        font.setPointSizeF(max(font.pointSizeF() - 1.5, 6.5))
        painter.setFont(font)
        metrics = painter.fontMetrics()
        painter.setPen(theme.TEXT)
        for y, label in axis_ticks(spectrogram.fmin, spectrogram.fmax, rect.height(), metrics.height()):
            painter.fillRect(QRectF(0, y, 5, 1), theme.TEXT)
            # The tick points at the middle of its label, which is kept inside the view.
            baseline = min(max(y + metrics.capHeight() / 2, metrics.ascent()), rect.height() - metrics.descent())
            width = metrics.horizontalAdvance(label)
            painter.fillRect(QRectF(6, baseline - metrics.ascent(), width + 3, metrics.height()), LABEL_BACKING)
            painter.drawText(QPointF(7, baseline), label)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.timeline.duration > 0:
            self.clicked.emit(self.timeline.time_at(event.position().x(), self.width()))
