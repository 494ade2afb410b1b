"""Tempo from MIDI clock: 24 `clock` pulses per quarter note, smoothed so jitter does not show.

The tempo is the least-squares slope of the last few beats of pulse times, which averages out
the timing noise of USB, drivers and busy machines far better than any one pulse interval; it is
rounded to 0.1 BPM. A pause in the pulses (the sender stopped its clock) starts a new
measurement, keeping the last tempo until a beat of new pulses has arrived.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from soundloom.bridge.regions import BPM_RANGE

PULSES_PER_QUARTER = 24
# Tempos outside the bridge's range are taken for a broken clock and ignored.
CLOCK_BPM_RANGE = BPM_RANGE


class MidiClock:
    """Follows MIDI clock pulses; `bpm` is None until a beat of pulses has arrived. Times in seconds."""

    def __init__(self, window_beats: float = 4, min_beats: float = 1):
        self._times: deque[float] = deque(maxlen=int(window_beats * PULSES_PER_QUARTER) + 1)
        self._min_pulses = int(min_beats * PULSES_PER_QUARTER) + 1
        self.bpm: float | None = None
        self.running = False

    def pulse(self, now: float) -> None:
        """One `clock` message received at `now` (a monotonic time in seconds)."""
        if self._times and self._is_pause(now - self._times[-1]):
            self._times.clear()
        self._times.append(now)
        if len(self._times) >= self._min_pulses:
            seconds_per_pulse = self._slope()
            if seconds_per_pulse > 0:
                bpm = 60.0 / (seconds_per_pulse * PULSES_PER_QUARTER)
                if CLOCK_BPM_RANGE[0] <= bpm <= CLOCK_BPM_RANGE[1]:
                    self.bpm = round(bpm, 1)

    def start(self) -> None:
        """`start` or `continue`: the sender's transport runs; measure afresh."""
        self.running = True
        self._times.clear()

    def stop(self) -> None:
        """`stop`: keep the tempo; pulses that follow start a new measurement."""
        self.running = False
        self._times.clear()

    def _is_pause(self, gap: float) -> bool:
        slowest = 60.0 / (CLOCK_BPM_RANGE[0] * PULSES_PER_QUARTER)
        if gap > 2 * slowest:
            return True
        # Much longer than the pulses measured so far: the clock paused and came back.
        if len(self._times) < 3:
            return False
        return gap > 4 * float(np.median(np.diff(np.fromiter(self._times, dtype=np.float64))))

    def _slope(self) -> float:
        times = np.fromiter(self._times, dtype=np.float64)
        index = np.arange(len(times), dtype=np.float64)
        index -= index.mean()
        return float(np.dot(index, times - times.mean()) / np.dot(index, index))
