"""A/B: one key switches playback between the original (A) and the selected take (B).

A take has the original's rate and length, so a switch while playing carries on from the same
position in the other file: the ear compares the same moment, not a restart.
"""

from __future__ import annotations

from PyQt6.QtCore import QObject, pyqtSignal

from soundloom.desktop.audition import Audition

A, B = "A", "B"


class ABToggle(QObject):
    side_changed = pyqtSignal(str)  # "A" (the original) or "B" (the selected take)

    def __init__(self, audition: Audition, parent=None):
        super().__init__(parent)
        self.audition = audition
        self.side = A
        self.original: str | None = None
        self.take: str | None = None
        self._playing_it = False
        # Playback the window starts itself (Space, a click on the waveform) plays the sound shown:
        # the A side, whatever was compared last.
        audition.state_changed.connect(self._playback_changed)

    def set_original(self, path: str | None) -> None:
        self.original = path
        if path is None:
            self._set_side(A)

    def set_take(self, path: str | None) -> None:
        """The B side; with none, A is what plays."""
        self.take = path
        if path is None:
            self._set_side(A)

    def path(self, side: str | None = None) -> str | None:
        return self.take if (side or self.side) == B else self.original

    def toggle(self) -> bool:
        """Switch sides; while playing, the other side carries on from the same position.
        False (nothing changes) when there is no take to compare with."""
        if self.take is None or self.original is None:
            return False
        other = A if self.side == B else B
        if self.audition.playing:
            self.play(other, self.audition.output.position)
        else:
            self._set_side(other)
        return True

    def play(self, side: str, start: float | None = None) -> bool:
        """Play one side from `start` seconds (None: the audition's cue point)."""
        path = self.path(side)
        if path is None:
            return False
        self._set_side(side)
        cue = self.audition.cue
        self._playing_it = True
        try:
            if start is not None:
                # The audition starts from its cue; the user's cue (where they clicked) is theirs to keep.
                self.audition.cue = start
            return self.audition.play(path)
        finally:
            self.audition.cue = cue
            self._playing_it = False

    def _playback_changed(self, playing: bool) -> None:
        if playing and not self._playing_it:
            self._set_side(A)

    def _set_side(self, side: str) -> None:
        if side != self.side:
            self.side = side
            self.side_changed.emit(side)
