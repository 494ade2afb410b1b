"""What the waveform shows: the visible time span, the selected region and the playhead, in seconds.

Qt-free, so zoom, scroll and selection rules are tested without a window; the waveform and
spectrogram widgets both draw from one Timeline and stay aligned.
"""

from __future__ import annotations

from soundloom.desktop.events import Event
from soundloom.desktop.selection import Region

MIN_SPAN_FRAMES = 256  # the deepest zoom still shows a few hundred frames across the view


class Timeline:
    def __init__(self):
        self.duration = 0.0
        self.rate = 0
        self.start = 0.0
        self.span = 0.0
        self.selection: Region | None = None
        self.playhead: float | None = None
        self.view_changed = Event()
        self.selection_changed = Event()
        self.playhead_changed = Event()

    def reset(self, duration: float, rate: int) -> None:
        """A new clip of `duration` seconds at `rate` Hz: whole clip in view, nothing selected."""
        self.duration, self.rate = max(duration, 0.0), rate
        self.start, self.span = 0.0, self.duration
        self.selection, self.playhead = None, None
        self.view_changed.emit()
        self.selection_changed.emit()
        self.playhead_changed.emit()

    @property
    def min_span(self) -> float:
        return min(self.duration, MIN_SPAN_FRAMES / self.rate) if self.rate else self.duration

    @property
    def end(self) -> float:
        return self.start + self.span

    def set_view(self, start: float, span: float) -> None:
        span = min(max(span, self.min_span), self.duration)
        start = min(max(start, 0.0), self.duration - span)
        if (start, span) != (self.start, self.span):
            self.start, self.span = start, span
            self.view_changed.emit()

    def zoom(self, factor: float, anchor: float | None = None) -> None:
        """Zoom in (factor > 1) or out around `anchor` seconds, which stays where it is on screen."""
        if anchor is None:
            anchor = self.start + self.span / 2
        span = min(max(self.span / factor, self.min_span), self.duration)
        fraction = (anchor - self.start) / self.span if self.span else 0.5
        self.set_view(anchor - fraction * span, span)

    def scroll(self, seconds: float) -> None:
        self.set_view(self.start + seconds, self.span)

    def zoom_to_fit(self) -> None:
        self.set_view(0.0, self.duration)

    def zoom_to_selection(self) -> None:
        if self.selection is not None:
            margin = self.selection.length * 0.05
            self.set_view(self.selection.start - margin, self.selection.length + 2 * margin)

    def time_at(self, x: float, width: int) -> float:
        """Seconds under pixel column `x` of a view `width` pixels wide."""
        return self.start + (x / width) * self.span if width else self.start

    def x_at(self, seconds: float, width: int) -> float:
        return (seconds - self.start) / self.span * width if self.span else 0.0

    def select(self, a: float, b: float) -> None:
        """Select between two times in either order; an empty span clears the selection."""
        self._set_selection(Region.between(a, b, self.duration))

    def clear_selection(self) -> None:
        self._set_selection(None)

    def set_selection_start(self, seconds: float) -> None:
        end = self.selection.end if self.selection else self.duration
        self._set_selection(Region.between(seconds, end, self.duration))

    def set_selection_end(self, seconds: float) -> None:
        start = self.selection.start if self.selection else 0.0
        self._set_selection(Region.between(start, seconds, self.duration))

    def set_selection_length(self, seconds: float) -> None:
        start = self.selection.start if self.selection else 0.0
        self._set_selection(Region.between(start, start + seconds, self.duration))

    def _set_selection(self, region: Region | None) -> None:
        if region != self.selection:
            self.selection = region
            self.selection_changed.emit()

    def set_playhead(self, seconds: float | None) -> None:
        if seconds is not None:
            seconds = min(max(seconds, 0.0), self.duration)
        if seconds != self.playhead:
            self.playhead = seconds
            self.playhead_changed.emit()
