"""Auditioning: what to play (the clip or its selected region, from the cue point, looped or not)
and a playhead that follows the output."""

from __future__ import annotations

import os

import soundfile as sf
from PyQt6.QtCore import QObject, QTimer, pyqtSignal

from soundloom.desktop.output import AudioOutput, FileSource
from soundloom.desktop.timeline import Timeline

PLAYHEAD_MS = 30  # how often the playhead follows playback: smooth enough, cheap enough


class Audition(QObject):
    state_changed = pyqtSignal(bool)  # playing or not
    message = pyqtSignal(str)         # why something could not be played

    def __init__(self, output: AudioOutput, timeline: Timeline, parent=None):
        super().__init__(parent)
        self.output, self.timeline = output, timeline
        self.loop = False
        self.selection_only = False
        self.cue = 0.0  # seconds: where playback starts, set by clicking the waveform
        self._source: FileSource | None = None
        self._playing = False
        self._timer = QTimer(self, interval=PLAYHEAD_MS)
        self._timer.timeout.connect(self._follow)

    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def volume(self) -> float:
        return self.output.volume

    @volume.setter
    def volume(self, value: float) -> None:
        self.output.volume = value

    def set_cue(self, seconds: float) -> None:
        self.cue = seconds
        if not self._playing:
            self.timeline.set_playhead(seconds)

    def play(self, path: str) -> bool:
        """Play `path` from the cue point, or its selected region when selection-only is on (or when
        the cue lies inside the selection). False, with a message, when it cannot be played."""
        self.stop()
        if not self.output.available:
            self.message.emit(self.output.description)
            return False
        try:
            source = FileSource(path)
        except (sf.LibsndfileError, RuntimeError, OSError) as exc:
            self.message.emit(f"cannot play {os.fsdecode(os.path.basename(path))}: {_reason(path, exc)}")
            return False
        region = self.timeline.selection
        bounds = (region.start, region.end) if region is not None and self.selection_only else None
        start = self.cue
        if bounds is not None and not bounds[0] <= start < bounds[1]:
            start = bounds[0]
        if start >= source.frames / source.rate:
            start = 0.0
        if not self.output.play(source, source.rate, start=start, loop=self.loop, region=bounds):
            source.close()
            self.message.emit(self.output.description)
            return False
        self._source, self._playing = source, True
        self._timer.start()
        self.state_changed.emit(True)
        return True

    def stop(self) -> None:
        self.output.stop()
        self._timer.stop()
        if self._source is not None:
            self._source.close()
            self._source = None
        if self._playing:
            self._playing = False
            self.timeline.set_playhead(self.cue if self.timeline.duration else None)
            self.state_changed.emit(False)

    def toggle(self, path: str | None) -> None:
        if self._playing:
            self.stop()
        elif path is not None:
            self.play(path)

    def _follow(self) -> None:
        position = self.output.position
        if position is None:  # reached the end
            self.stop()
            return
        self.timeline.set_playhead(position)


def _reason(path: str, error: Exception) -> str:
    """Why a file cannot be played. libsndfile says only "System error." for a file that is gone or
    unreadable; the operating system's own reason ("No such file or directory") tells the user more."""
    try:
        open(path, "rb").close()
    except OSError as exc:
        return exc.strerror or str(exc)
    return getattr(error, "error_string", None) or str(error)
