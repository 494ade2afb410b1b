"""An audio output driven by a clock the test advances: the frames a sound card would have pulled."""

from __future__ import annotations

import numpy as np

from soundloom.desktop.output import AudioOutput


class FakeOutput(AudioOutput):
    available = True
    description = "test output"

    def __init__(self):
        super().__init__()
        self.rate = 0
        self.starts = 0
        self.running = False
        self.rendered: list[np.ndarray] = []

    def _start(self, transport, rate: int) -> bool:
        self.rate, self.running = rate, True
        self.starts += 1
        self.rendered = []
        return True

    def _stop(self) -> None:
        self.running = False

    def advance(self, seconds: float) -> np.ndarray | None:
        """Let `seconds` of playback pass: pull those frames as a device callback would."""
        if not self.running:
            return None
        block = self._pull(int(round(seconds * self.rate)))
        if block is not None:
            self.rendered.append(block)
        return block

    def audio(self) -> np.ndarray:
        """Everything played since the last start, (frames, channels)."""
        return np.concatenate(self.rendered) if self.rendered else np.zeros((0, 1), np.float32)
