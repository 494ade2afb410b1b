"""MIDI messages → listener actions, by a mapping; no ports here, so it runs on `mido.Message`s alone.

- note-on (velocity > 0) of a mapped note: its action.
- control change of an `adapter_scale` controller: 0–127 sets the adapter scale 0–2 that every
  action after it carries (turn the knob, then press "again" to hear the same seed at the new
  strength). A controller mapped to another action fires when its value rises to 64 or more, the
  way a button sends 127 when pressed and 0 when released.
- `clock`, `start`, `continue`, `stop`: the tempo (BPM) that turns a preset's `bars` into
  seconds; without clock, the mapping's `bpm`.
"""

from __future__ import annotations

import threading
import time

import mido

from soundloom.bridge.errors import BridgeError
from soundloom.bridge.listen_actions import ADAPTER_SCALE_RANGE, SECONDS_RANGE, Action, Again, Generate, NextVariation
from soundloom.bridge.midi_clock import MidiClock
from soundloom.bridge.midi_mapping import Binding, MidiMapping
from soundloom.bridge.regions import bars_to_seconds
from soundloom.protocol.errors import ErrorCode

PRESSED = 64  # a controller value at or above it counts as a pressed button


class MidiHandler:
    """Turns one MIDI message at a time into an Action (or None); keeps the tempo and adapter scale.

    `handle` may be called from a MIDI port's callback thread while `bpm`/`adapter_scale` are read
    elsewhere; a lock keeps the two consistent.
    """

    def __init__(self, mapping: MidiMapping, clock: MidiClock | None = None):
        self.mapping = mapping
        self.clock = clock or MidiClock()
        self.adapter_scale: float | None = None
        self._pressed: set[tuple[int, int]] = set()  # controllers now at or above PRESSED
        self._lock = threading.Lock()

    @property
    def bpm(self) -> float | None:
        """The tempo in BPM (quarter notes per minute): MIDI clock's when it runs, else the mapping's."""
        return self.clock.bpm if self.clock.bpm is not None else self.mapping.bpm

    def handle(self, message: mido.Message, now: float | None = None) -> Action | None:
        """The action `message` asks for, or None. `now`: when it arrived (monotonic seconds; default: now).

        Raises BridgeError for a preset that cannot be made now (bars without a tempo, or a length
        outside 0.5–60 s at this tempo)."""
        with self._lock:
            kind = message.type
            if kind == "clock":
                self.clock.pulse(time.monotonic() if now is None else now)
            elif kind in ("start", "continue"):
                self.clock.start()
            elif kind == "stop":
                self.clock.stop()
            elif kind == "note_on" and message.velocity > 0:
                binding = self.mapping.for_note(message.channel, message.note)
                return self._action(binding) if binding else None
            elif kind == "control_change":
                return self._control(message.channel, message.control, message.value)
            return None

    def _control(self, channel: int, control: int, value: int) -> Action | None:
        binding = self.mapping.for_control(channel, control)
        if binding is None:
            return None
        if binding.action == "adapter_scale":
            low, high = ADAPTER_SCALE_RANGE
            self.adapter_scale = round(low + (high - low) * value / 127, 4)
            return None
        key = (channel, control)
        if value < PRESSED:
            self._pressed.discard(key)
            return None
        if key in self._pressed:  # still held: the same press
            return None
        self._pressed.add(key)
        return self._action(binding)

    def _action(self, binding: Binding) -> Action:
        if binding.action == "again":
            return Again(None, self.adapter_scale)
        if binding.action == "next_variation":
            return NextVariation(None, self.adapter_scale)
        return Generate(binding.prompt, self._seconds(binding), binding.loop, binding.seed, self.adapter_scale)

    def _seconds(self, binding: Binding) -> float:
        if binding.seconds is not None:
            return binding.seconds
        bpm = self.bpm
        if bpm is None:
            raise BridgeError(f"a preset of {binding.bars:g} bars needs a tempo; send MIDI clock or set bpm (20–999) "
                              "in the mapping", "bars")
        seconds = bars_to_seconds(binding.bars, bpm, self.mapping.time_signature)
        low, high = SECONDS_RANGE
        if not low <= seconds <= high:
            raise BridgeError(f"{binding.bars:g} bars at {bpm:g} BPM last {seconds:.2f} s; "
                              f"allowed: {low:g}–{high:g} s",
                              "bars", ErrorCode.OUT_OF_RANGE)
        return seconds
