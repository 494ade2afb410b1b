"""A MIDI input port feeding `MidiHandler`: the port I/O around the pure message → action mapping.

`--midi NAME` opens the input port whose name is NAME or contains it (a controller's ports are
named like "nanoKONTROL2:nanoKONTROL2 MIDI 1 20:0"); when none matches, it creates a virtual input
port "soundloom:NAME" that a DAW or controller can be connected to, on systems that have them
(Linux ALSA or JACK, macOS CoreMIDI; not Windows). The MIDI system is rtmidi's default for the
platform unless `api` names one (alsa, jack, coremidi, windows), or mido's MIDO_BACKEND says otherwise.
"""

from __future__ import annotations

import logging
import time
from typing import Callable

import mido

from soundloom.bridge.errors import BridgeError
from soundloom.bridge.listen_actions import describe
from soundloom.bridge.listen_worker import ActionWorker, Outcome
from soundloom.bridge.midi_handler import MidiHandler
from soundloom.protocol.errors import ErrorCode, SoundloomError

log = logging.getLogger(__name__)

CLIENT_NAME = "soundloom"  # how the virtual port's owner appears in the MIDI system
APIS = {"alsa": "LINUX_ALSA", "jack": "UNIX_JACK", "coremidi": "MACOSX_CORE", "windows": "WINDOWS_MM"}


def _backend(api: str | None):
    if api is None:
        return mido  # the default backend, which honours MIDO_BACKEND
    if api not in APIS:
        raise BridgeError(f"{api!r} is not a MIDI system; allowed: {', '.join(APIS)}", "midi_api")
    return mido.Backend("mido.backends.rtmidi", api=APIS[api])


def _reason(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def open_midi_input(name: str, callback: Callable[[mido.Message], None], *, api: str | None = None):
    """Open the input port matching `name`, else create a virtual one; returns (port, one line saying which).

    `callback(message)` runs on the MIDI system's thread for every message. BridgeError when the
    machine has no MIDI system, several ports match, or none matches and no virtual port can be made.
    """
    if not name.strip():
        raise BridgeError("an empty name; allowed: (part of) an input port's name, or a name for a virtual port",
                          "midi")
    backend = _backend(api)
    try:
        inputs = backend.get_input_names()
    except Exception as exc:  # rtmidi raises its own error types when, e.g., there is no ALSA sequencer
        raise BridgeError(f"cannot reach the MIDI system, so no port can be opened ({_reason(exc)})", "midi",
                          ErrorCode.INTERNAL,
                          bad_input=False) from None
    matches = [n for n in inputs if n == name] or [n for n in inputs if name.lower() in n.lower()]
    if len(matches) > 1:
        raise BridgeError(f"{name!r} matches {len(matches)} inputs ({'; '.join(matches)}); give more of the name",
                          "midi")
    if matches:
        try:
            port = backend.open_input(matches[0], callback=callback)
        except Exception as exc:
            raise BridgeError(f"cannot open the MIDI input {matches[0]!r} ({_reason(exc)})", "midi",
                              ErrorCode.INTERNAL, bad_input=False) from None
        return port, f"MIDI input {port.name!r}"
    try:
        port = backend.open_input(name, virtual=True, client_name=CLIENT_NAME, callback=callback)
    except Exception as exc:  # Windows' MIDI system has no virtual ports
        shown = "; ".join(inputs) or "none"
        raise BridgeError(f"no MIDI input matches {name!r} (inputs: {shown}) and no virtual port can be made here "
                          f"({_reason(exc)})", "midi", ErrorCode.FILE_NOT_FOUND) from None
    return port, f"virtual MIDI input {CLIENT_NAME}:{name} (connect a controller or a DAW's MIDI output to it)"


class MidiListener:
    """Feeds a port's messages through `handler` and queues the resulting actions on `worker`.

    `report(line)` is told what each action did (the file written, or the error).
    """

    def __init__(self, handler: MidiHandler, worker: ActionWorker, report: Callable[[str], None]):
        self.handler = handler
        self.worker = worker
        self.report = report
        self.port = None

    def open(self, name: str, *, api: str | None = None) -> str:
        """Open the port (see `open_midi_input`); returns one line saying what it listens on."""
        self.port, description = open_midi_input(name, self.receive, api=api)
        return description

    def receive(self, message: mido.Message) -> None:
        """One incoming message (on the MIDI system's thread, or called directly)."""
        try:
            action = self.handler.handle(message, time.monotonic())
        except SoundloomError as exc:
            self.report(f"MIDI {message.type}: {_reason(exc)}")
            return
        if action is None:
            return
        ahead = self.worker.pending()
        self.report(f"MIDI {describe(action)}" + (f" (queued, {ahead} ahead)" if ahead else ""))
        self.worker.submit(action, self._done)

    def _done(self, outcome: Outcome) -> None:
        if outcome.error is not None:
            self.report(f"error: {describe(outcome.action)}: {outcome.error}")
        else:
            self.report("done: " + " ".join(str(path) for path in outcome.paths))

    def close(self) -> None:
        if self.port is not None:
            self.port.close()
            self.port = None
