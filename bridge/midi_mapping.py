"""The MIDI mapping file: which notes and controllers trigger which listener action.

A TOML file (the format is documented with an example in docs/osc-midi.md and
examples/midi-mapping.toml):

    channel = 10                 # optional, 1–16: listen on this channel only (default: all)
    bpm = 120                    # optional, 20–999 quarter notes a minute: tempo for `bars` until
                                 # MIDI clock sets one
    time_signature = "4/4"       # optional, for `bars`: "6/8" is six eighth notes a bar

    [[note]]                     # a pad or key: fires on note-on
    note = 36                    # 0–127 (60 is middle C)
    action = "next_variation"    # again | next_variation | generate

    [[note]]
    note = 38
    action = "generate"
    prompt = "a tight snare hit"
    seconds = 1.5                # 0.5–60, or bars = N (needs a tempo), not both
    loop = false                 # optional: crossfade the end into the start

    [[cc]]                       # a knob, fader or button sending control changes
    cc = 1                       # 0–127
    action = "adapter_scale"     # 0–127 sets the adapter scale 0–2 for the actions that follow
                                 # other actions fire when the value rises to 64 or more (a button press)

Every entry may also carry its own `channel`. Errors name the file, the entry and the allowed
values, in one line.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from soundloom.bridge.errors import BridgeError
from soundloom.bridge.listen_actions import SECONDS_RANGE
from soundloom.bridge.regions import BPM_RANGE, TimeSignature
from soundloom.protocol.errors import ErrorCode

TRIGGERS = ("again", "next_variation", "generate")
ACTIONS = (*TRIGGERS, "adapter_scale")
MAX_BARS = 256
MAX_PROMPT = 2000  # the engine's prompt limit, in characters
TOP_KEYS = ("channel", "bpm", "time_signature", "note", "cc")
ENTRY_KEYS = {
    "again": ("action", "channel"),
    "next_variation": ("action", "channel"),
    "generate": ("action", "channel", "prompt", "seconds", "bars", "loop", "seed"),
    "adapter_scale": ("action", "channel"),
}


@dataclass(frozen=True)
class Binding:
    """What one note or controller does. `seconds` or `bars` (never both) for `generate`."""

    action: str
    prompt: str = ""
    seconds: float | None = None
    bars: float | None = None
    loop: bool = False
    seed: int | None = None


@dataclass(frozen=True)
class MidiMapping:
    """Bindings keyed by (channel 0–15 as mido counts, or None for any channel, note or controller number)."""

    notes: dict[tuple[int | None, int], Binding] = field(default_factory=dict)
    controls: dict[tuple[int | None, int], Binding] = field(default_factory=dict)
    bpm: float | None = None
    time_signature: str = "4/4"  # for `bars`; see soundloom.bridge.regions

    def for_note(self, channel: int, note: int) -> Binding | None:
        return self.notes.get((channel, note)) or self.notes.get((None, note))

    def for_control(self, channel: int, control: int) -> Binding | None:
        return self.controls.get((channel, control)) or self.controls.get((None, control))


class _Reader:
    """Checks one parsed file, naming the file and the entry in every error."""

    def __init__(self, path: Path):
        self.path = path

    def error(self, where: str, message: str, code: ErrorCode = ErrorCode.INVALID_ARGUMENT) -> BridgeError:
        return BridgeError(f"{message} (in {self.path})", f"mapping {where}", code)

    def integer(self, where: str, value, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(where, f"{value!r} is not a whole number; allowed: {low}–{high}")
        if not low <= value <= high:
            raise self.error(where, f"{value} is out of range; allowed: {low}–{high}", ErrorCode.OUT_OF_RANGE)
        return value

    def number(self, where: str, value, low: float, high: float, what: str = "") -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self.error(where, f"{value!r} is not a number; allowed: {low:g}–{high:g}{what}")
        if not low <= value <= high:
            raise self.error(where, f"{value:g} is out of range; allowed: {low:g}–{high:g}{what}",
                             ErrorCode.OUT_OF_RANGE)
        return float(value)

    def channel(self, where: str, value) -> int:
        return self.integer(where, value, 1, 16) - 1

    def time_signature(self, value) -> str:
        try:
            return str(TimeSignature.parse(value if isinstance(value, str) else repr(value)))
        except BridgeError as exc:
            raise self.error("time_signature", f"{exc.message}", exc.code) from None

    def binding(self, where: str, entry: dict, default_channel: int | None, number_key: str) -> tuple:
        if not isinstance(entry, dict):
            raise self.error(where, "must be a table ([[note]] or [[cc]] with keys)")
        action = entry.get("action")
        allowed = ACTIONS if number_key == "cc" else TRIGGERS
        if action not in allowed:
            shown = "missing" if action is None else f"{action!r} is not an action"
            hint = " (adapter_scale is for [[cc]])" if number_key == "note" and action == "adapter_scale" else ""
            raise self.error(f"{where} action", f"{shown}; allowed: {', '.join(allowed)}{hint}")
        known = (number_key, *ENTRY_KEYS[action])
        for key in entry:
            if key not in known:
                raise self.error(f"{where} {key}",
                                 f"is not a setting of a {action!r} entry; allowed: {', '.join(known)}")
        if number_key not in entry:
            raise self.error(f"{where} {number_key}", "missing; allowed: 0–127")
        number = self.integer(f"{where} {number_key}", entry[number_key], 0, 127)
        channel = self.channel(f"{where} channel", entry["channel"]) if "channel" in entry else default_channel
        binding = self.generate(where, entry) if action == "generate" else Binding(action)
        return (channel, number), binding

    def generate(self, where: str, entry: dict) -> Binding:
        prompt = entry.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise self.error(f"{where} prompt", "missing or empty; allowed: a text of 1–2000 characters")
        if len(prompt) > MAX_PROMPT:
            raise self.error(f"{where} prompt", f"is {len(prompt)} characters long; allowed: 1–{MAX_PROMPT}",
                             ErrorCode.OUT_OF_RANGE)
        if ("seconds" in entry) == ("bars" in entry):
            raise self.error(f"{where} seconds", "give either seconds (0.5–60) or bars (a tempo sets their length), "
                             "exactly one of them")
        seconds = bars = None
        if "seconds" in entry:
            seconds = self.number(f"{where} seconds", entry["seconds"], *SECONDS_RANGE, " seconds")
        else:
            bars = self.number(f"{where} bars", entry["bars"], 0, MAX_BARS, " bars")
            if bars == 0:
                raise self.error(f"{where} bars", f"0 is out of range; allowed: more than 0, up to {MAX_BARS} bars",
                                 ErrorCode.OUT_OF_RANGE)
        loop = entry.get("loop", False)
        if not isinstance(loop, bool):
            raise self.error(f"{where} loop", f"{loop!r} is not true or false")
        seed = self.integer(f"{where} seed", entry["seed"], 0, 2**32 - 1) if "seed" in entry else None
        return Binding("generate", prompt.strip(), seconds, bars, loop, seed)

    def mapping(self, data: dict) -> MidiMapping:
        for key in data:
            if key not in TOP_KEYS:
                raise self.error(key, f"is not a setting; allowed: {', '.join(TOP_KEYS)}")
        channel = self.channel("channel", data["channel"]) if "channel" in data else None
        bpm = self.number("bpm", data["bpm"], *BPM_RANGE, " BPM") if "bpm" in data else None
        signature = self.time_signature(data["time_signature"]) if "time_signature" in data else "4/4"
        tables = {}
        for number_key in ("note", "cc"):
            entries = data.get(number_key, [])
            if not isinstance(entries, list):
                raise self.error(number_key, f"must be a list of tables, written [[{number_key}]]")
            table = tables[number_key] = {}
            for index, entry in enumerate(entries, 1):
                where = f"[[{number_key}]] #{index}"
                key, binding = self.binding(where, entry, channel, number_key)
                if key in table:
                    on = "any channel" if key[0] is None else f"channel {key[0] + 1}"
                    raise self.error(f"{where} {number_key}", f"{number_key} {key[1]} on {on} is mapped twice")
                table[key] = binding
        if not tables["note"] and not tables["cc"]:
            raise self.error("note", "the mapping has no [[note]] or [[cc]] entry, so no MIDI message would do "
                             "anything")
        return MidiMapping(tables["note"], tables["cc"], bpm, signature)


def load_mapping(path: str | os.PathLike) -> MidiMapping:
    """Read and check a mapping file; BridgeError names the file, the entry and the allowed values."""
    path = Path(path)
    reader = _Reader(path)
    try:
        with open(path, "rb") as file:
            data = tomllib.load(file)
    except FileNotFoundError:
        raise BridgeError(f"no mapping file at {path}", "mapping", ErrorCode.FILE_NOT_FOUND) from None
    except IsADirectoryError:
        raise BridgeError(f"{path} is a folder, not a mapping file", "mapping") from None
    except tomllib.TOMLDecodeError as exc:
        raise BridgeError(f"{path} is not valid TOML: {exc}", "mapping") from None
    except UnicodeDecodeError:
        raise BridgeError(f"{path} is not UTF-8 text", "mapping") from None
    return reader.mapping(data)


def default_mapping() -> MidiMapping:
    """Without a mapping file: General MIDI drum-pad notes 36 (again) and 37 (next variation), CC 1
    (the mod wheel) for the adapter scale."""
    return MidiMapping(
        notes={(None, 36): Binding("again"), (None, 37): Binding("next_variation")},
        controls={(None, 1): Binding("adapter_scale")},
    )
