"""`soundloom bridge listen`: a long-running listener that turns OSC and MIDI messages into takes and clips.

    soundloom bridge listen --osc 9000                       # OSC commands on UDP port 9000 (this machine only)
    soundloom bridge listen --midi nanoPAD --mapping pads.toml
    soundloom bridge listen --osc 9000 --osc-host 0.0.0.0 --midi soundloom

It keeps one connection to the engine (starting one when none runs) and runs one action at a
time, queueing the rest. The OSC commands and replies and the MIDI mapping format are described
in docs/osc-midi.md. Ctrl-C or SIGTERM stops it: ports are closed and an engine it started is
shut down.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Callable

from soundloom.bridge.errors import BridgeError, is_bad_input
from soundloom.bridge.listen_worker import ActionWorker
from soundloom.bridge.midi_listener import APIS, MidiListener
from soundloom.bridge.midi_handler import MidiHandler
from soundloom.bridge.midi_mapping import MidiMapping, default_mapping, load_mapping
from soundloom.bridge.osc_listener import OscListener
from soundloom.protocol.errors import ErrorCode, SoundloomError


def configure_parser(p: argparse.ArgumentParser) -> None:
    """The options of `soundloom bridge listen`."""
    p.description = ("Listen for OSC commands and MIDI notes/controllers and turn them into regenerated takes and "
                     "new clips. Give --osc, --midi or both. See docs/osc-midi.md.")
    p.add_argument("--osc", type=int, metavar="PORT",
                   help="UDP port for OSC commands (1-65535; 0 picks a free one and prints it)")
    p.add_argument("--osc-host", default="127.0.0.1", metavar="HOST",
                   help="address to receive OSC on (default 127.0.0.1, this machine only; 0.0.0.0 lets a tablet "
                        "on the network in: anyone who can reach the port can then start jobs)")
    p.add_argument("--osc-reply-port", type=int, metavar="PORT",
                   help="send OSC replies to this port of the sender's address instead of the port it sent from "
                        "(for tools that receive on a fixed port, e.g. Max's udpreceive or TouchOSC)")
    p.add_argument("--midi", metavar="NAME",
                   help="MIDI input port to open (its name or part of it); when none matches, a virtual input "
                        "port soundloom:NAME is created")
    p.add_argument("--midi-api", choices=sorted(APIS), help="MIDI system (default: the platform's usual one)")
    p.add_argument("--mapping", type=Path, metavar="FILE",
                   help="TOML file mapping notes and controllers to actions (default: note 36 again, note 37 next "
                        "variation, CC 1 adapter scale)")
    p.add_argument("--output-dir", type=Path, metavar="DIR",
                   help="folder for generated clips (default: the data folder's generated/, listed as Generated)")
    p.add_argument("--steps", type=int, metavar="N", help="denoising steps for new takes and clips (1-1000)")
    p.add_argument("--guidance", type=float, metavar="G",
                   help="classifier-free guidance for new takes and clips (0-30; <= 1 turns it off)")
    p.add_argument("--model", metavar="NAME",
                   help="model for new takes and clips, by the name the engine lists (soundloom status; default: "
                        "the engine's)")
    p.add_argument("--connection-file", type=Path, metavar="PATH",
                   help="the engine to talk to (default: the user's engine)")


class Listener:
    """The running parts: the worker with its engine connection, and the OSC server and/or MIDI port.

    `report(line)` receives one line per event (what it listens on, each action, each result).
    """

    def __init__(self, *, osc_port: int | None = None, osc_host: str = "127.0.0.1", osc_reply_port: int | None = None,
                 midi: str | None = None,
                 midi_api: str | None = None, mapping: MidiMapping | None = None, output_dir: Path | None = None,
                 steps: int | None = None, guidance: float | None = None, model: str | None = None,
                 connection_file: Path | None = None,
                 connect: Callable[[], object] | None = None, report: Callable[[str], None] = print):
        if osc_port is None and midi is None:
            raise BridgeError("nothing to listen on; give --osc PORT, --midi NAME or both", "listen")
        if osc_port is not None and not 0 <= osc_port <= 65535:
            raise BridgeError(f"{osc_port} is out of range; allowed: 1-65535 (0 picks a free port)", "osc",
                              ErrorCode.OUT_OF_RANGE)
        if osc_reply_port is not None and not 1 <= osc_reply_port <= 65535:
            raise BridgeError(f"{osc_reply_port} is out of range; allowed: 1-65535", "osc_reply_port",
                              ErrorCode.OUT_OF_RANGE)
        if osc_reply_port is not None and osc_port is None:
            raise BridgeError("a reply port is for OSC; give --osc PORT with it", "osc_reply_port")
        if steps is not None and not 1 <= steps <= 1000:
            raise BridgeError(f"{steps} is out of range; allowed: 1-1000", "steps", ErrorCode.OUT_OF_RANGE)
        if guidance is not None and not 0 <= guidance <= 30:
            raise BridgeError(f"{guidance:g} is out of range; allowed: 0-30", "guidance", ErrorCode.OUT_OF_RANGE)
        self.report = report
        if output_dir is None:
            from soundloom.library.paths import generated_folder

            output_dir = generated_folder()
        if connect is None:
            def connect():
                from soundloom.sdk import Client

                return Client.connect(connection_file)
        self.worker = ActionWorker(connect, output_dir=output_dir, steps=steps, guidance=guidance, model=model,
                                   report=report)
        self.osc: OscListener | None = None
        self.midi: MidiListener | None = None
        try:
            if osc_port is not None:
                try:
                    self.osc = OscListener(self.worker, osc_host, osc_port, report=report, reply_port=osc_reply_port)
                except OSError as exc:
                    raise BridgeError(f"cannot receive on {osc_host}:{osc_port} ({exc.strerror or exc}); "
                                      "choose another port (1-65535)", "osc") from None
            if midi is not None:
                self.midi = MidiListener(MidiHandler(mapping or default_mapping()), self.worker, report)
                self.midi_description = self.midi.open(midi, api=midi_api)
        except BaseException:
            self.close()
            raise

    def start(self) -> None:
        self.worker.start()
        if self.osc is not None:
            self.osc.start()
            host, port = self.osc.address
            replies = f"; replies to port {self.osc.reply_port}" if self.osc.reply_port else ""
            self.report(f"listening for OSC on udp://{host}:{port} (/soundloom/regen, /soundloom/again, "
                        f"/soundloom/next_variation, /soundloom/generate){replies}")
        if self.midi is not None:
            self.report(f"listening on {self.midi_description}")
        self.report(f"generated clips go to {self.worker.output_dir}")

    def close(self) -> None:
        """Close the ports first (nothing new arrives), then the worker and its engine connection."""
        if self.osc is not None:
            self.osc.close()
        if self.midi is not None:
            self.midi.close()
        self.worker.close()


def run(args: argparse.Namespace) -> int:
    """Listen until Ctrl-C or SIGTERM; exit code 0, 2 for bad options (one line on stderr), 1 for other failures."""
    try:
        mapping = load_mapping(args.mapping) if args.mapping is not None else None
        if mapping is not None and args.midi is None:
            raise BridgeError("a mapping is for MIDI; give --midi NAME with it", "mapping")
        listener = Listener(
            osc_port=args.osc, osc_host=args.osc_host, osc_reply_port=args.osc_reply_port, midi=args.midi,
            midi_api=args.midi_api, mapping=mapping, output_dir=args.output_dir, steps=args.steps,
            guidance=args.guidance, model=args.model, connection_file=args.connection_file, report=_print,
        )
    except SoundloomError as exc:
        print(f"soundloom bridge listen: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2 if is_bad_input(exc) else 1
    stop = threading.Event()
    restore = _on_stop_signals(stop.set)
    try:
        listener.start()
        _print("press Ctrl-C to stop")
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        _print("stopping")
        listener.close()
        restore()
    return 0


def _print(line: str) -> None:
    print(line, flush=True)


def _on_stop_signals(stop: Callable[[], None]) -> Callable[[], None]:
    """Route SIGTERM (and SIGINT, unless it is ignored, as in a background job) to `stop`; returns
    the function that puts the previous handlers back. Only the main thread may set handlers."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {}
    for number in (signal.SIGTERM, signal.SIGINT):
        if signal.getsignal(number) is signal.SIG_IGN:
            continue
        previous[number] = signal.signal(number, lambda *_: stop())

    def restore() -> None:
        for number, handler in previous.items():
            signal.signal(number, handler)

    return restore


def main(argv: list[str] | None = None) -> int:
    """`python -m soundloom.bridge.listen ...`: the same as `soundloom bridge listen ...`."""
    parser = argparse.ArgumentParser(prog="soundloom bridge listen")
    configure_parser(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
