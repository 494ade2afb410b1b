"""OSC over UDP: `/soundloom/...` messages in, `/soundloom/done` or `/soundloom/error` back to the sender.

Commands (arguments in order; numbers may be OSC int, float or double):

    /soundloom/regen PATH START END PROMPT   regenerate START–END (seconds) of the file at PATH as a new take
    /soundloom/again [PATH]                  the last take again (same prompt, regions and seed)
    /soundloom/next_variation [PATH]         the last take's regions with the next seed
                                             (instead of PATH, a button's value: 1 acts, 0 is ignored)
    /soundloom/generate PROMPT SECONDS [LOOP] a new clip of 0.5–60 s in the output folder; LOOP 1/true
                                             makes it loop seamlessly
    /soundloom/ping                          answered with /soundloom/pong (is the listener there?)

Replies go to the address and port the command came from (or, with a reply port, to that port of
the sender's address), from the listener's own port:
`/soundloom/done PATH` (the file written), `/soundloom/error MESSAGE` (one line naming the argument
and its allowed range), and `/soundloom/progress FRACTION` (0–1) while a job runs. Arguments are
checked as they arrive, so a bad command is answered at once even while another job runs;
good ones queue for the one worker and are never dropped.
"""

from __future__ import annotations

import logging
import math
import threading
from pathlib import Path
from typing import Callable

from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.osc_server import BlockingOSCUDPServer

from soundloom.bridge.clip import read_format
from soundloom.bridge.listen_actions import SECONDS_RANGE, Again, Generate, NextVariation, Regen, describe
from soundloom.bridge.listen_worker import ActionWorker, Outcome
from soundloom.bridge.regions import MIN_REGION_SECONDS
from soundloom.protocol.errors import SoundloomError

log = logging.getLogger(__name__)

PREFIX = "/soundloom/"
COMMANDS = ("regen", "again", "next_variation", "generate", "ping")
USAGE = {
    "regen": "PATH START END PROMPT",
    "again": "[PATH]",
    "next_variation": "[PATH]",
    "generate": "PROMPT SECONDS [LOOP]",
    "ping": "",
}


class BadArgument(Exception):
    """A command's argument that cannot be used; str() names it and its allowed values."""

    def __init__(self, argument: str, message: str):
        super().__init__(f"{argument}: {message}")


class OscListener:
    """A UDP OSC server on its own thread that checks `/soundloom/...` commands and queues them on `worker`.

    `port` 0 picks a free port; `address` is the (host, port) actually bound.
    """

    def __init__(self, worker: ActionWorker, host: str = "127.0.0.1", port: int = 0,
                 report: Callable[[str], None] = log.info, reply_port: int | None = None):
        self.worker = worker
        self.report = report
        self.reply_port = reply_port
        dispatcher = Dispatcher()
        for command in COMMANDS:
            dispatcher.map(PREFIX + command, self._receive, command, needs_reply_address=True)
        dispatcher.set_default_handler(self._unknown, needs_reply_address=True)
        self._server = BlockingOSCUDPServer((host, port), dispatcher)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="soundloom-osc", daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return host, port

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()

    # ------------------------------------------------------------------ receiving (the server's thread)

    def _receive(self, sender: tuple, address: str, bound: list, *args) -> None:
        sender = self._reply_to(sender)
        command = bound[0]
        if command == "ping":
            self.send(sender, "/soundloom/pong")
            return
        try:
            action = _parse(command, args)
            if action is None:  # a button released
                return
        except (BadArgument, SoundloomError) as exc:
            self._refuse(sender, address, _one_line(exc))
            return
        except Exception as exc:  # a failure of this listener: answer, and keep serving
            log.exception("%s", address)
            self._refuse(sender, address, f"internal error: {_one_line(exc)}")
            return
        ahead = self.worker.pending()
        queued = f" (queued, {ahead} ahead)" if ahead else ""
        self.report(f"OSC {describe(action)} from {sender[0]}:{sender[1]}{queued}")
        self.worker.submit(action, lambda outcome: self._reply(sender, address, outcome),
                           lambda fraction: self.send(sender, "/soundloom/progress", fraction))

    def _reply_to(self, sender: tuple) -> tuple:
        """Where replies go: the sender's address and port, or its address and the fixed reply port
        (for tools that send from a random port and receive on a fixed one, as Max's udpsend/udpreceive)."""
        return (sender[0], self.reply_port) if self.reply_port else sender

    def _unknown(self, sender: tuple, address: str, *args) -> None:
        sender = self._reply_to(sender)
        if address.startswith(PREFIX):  # someone else's messages are not ours to answer
            self._refuse(sender, address, f"unknown command; allowed: {', '.join(PREFIX + c for c in COMMANDS)}")

    def _refuse(self, sender: tuple, address: str, message: str) -> None:
        self.report(f"OSC {address} from {sender[0]}:{sender[1]} refused: {message}")
        self.send(sender, "/soundloom/error", f"{address} {message}")

    def _reply(self, sender: tuple, address: str, outcome: Outcome) -> None:
        if outcome.error is not None:
            self.report(f"error: {describe(outcome.action)}: {outcome.error}")
            self.send(sender, "/soundloom/error", f"{address} {outcome.error}")
        else:
            self.report("done: " + " ".join(str(path) for path in outcome.paths))
            self.send(sender, "/soundloom/done", *(str(path) for path in outcome.paths))

    def send(self, to: tuple, address: str, *args) -> None:
        """Send one OSC message from the listener's own socket (so replies reach a sender that only
        listens on the port it sends from)."""
        builder = OscMessageBuilder(address)
        for arg in args:
            builder.add_arg(arg)
        try:
            self._server.socket.sendto(builder.build().dgram, to)
        except OSError as exc:  # the sender is gone or the socket closed: nothing to tell
            log.debug("reply %s to %s failed: %s", address, to, exc)


# ---------------------------------------------------------------------- checking arguments

def _parse(command: str, args: tuple):
    if command == "regen":
        _count(command, args, 4, 4)
        path = _path(args[0])
        start, end = _number("START", args[1]), _number("END", args[2])
        prompt = _text("PROMPT", args[3])
        clip = _clip(path)
        if not 0 <= start < clip.seconds:
            raise BadArgument("START", f"{start:g} is out of range; allowed: 0 to below {clip.seconds:.3f} s "
                                       f"(the length of {path.name})")
        if not start + MIN_REGION_SECONDS <= end <= clip.seconds:
            raise BadArgument("END", f"{end:g} is out of range; allowed: START + {MIN_REGION_SECONDS:g} "
                                     f"({start + MIN_REGION_SECONDS:g}) to {clip.seconds:.3f} s "
                                     f"(the length of {path.name})")
        return Regen(path, start, end, prompt)
    if command in ("again", "next_variation"):
        _count(command, args, 0, 1)
        if args and _is_button(args[0]):  # a controller button's value: press (non-zero) acts, release does not
            if not args[0]:
                return None
            args = ()
        path = _path(args[0]) if args else None
        if path is not None:
            _clip(path)
        return (Again if command == "again" else NextVariation)(path)
    if command == "generate":
        _count(command, args, 2, 3)
        prompt = _text("PROMPT", args[0])
        seconds = _number("SECONDS", args[1])
        low, high = SECONDS_RANGE
        if not low <= seconds <= high:
            raise BadArgument("SECONDS", f"{seconds:g} is out of range; allowed: {low:g} to {high:g}")
        loop = _flag("LOOP", args[2]) if len(args) > 2 else False
        return Generate(prompt, seconds, loop)
    raise BadArgument("command", f"unknown; allowed: {', '.join(COMMANDS)}")


def _is_button(value) -> bool:
    return isinstance(value, (bool, int, float))


def _count(command: str, args: tuple, least: int, most: int) -> None:
    if not least <= len(args) <= most:
        wanted = str(least) if least == most else f"{least} to {most}"
        raise BadArgument("arguments", f"got {len(args)}, expected {wanted}: {PREFIX}{command} {USAGE[command]}")


def _number(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise BadArgument(name, f"{value!r} is not a number of seconds (send an OSC int or float)")
    return float(value)


def _text(name: str, value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadArgument(name, f"{value!r} is not a text; allowed: a non-empty OSC string")
    return value.strip()


def _path(value) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise BadArgument("PATH", f"{value!r} is not a file path; allowed: an absolute path as an OSC string")
    path = Path(value).expanduser()
    if not path.is_absolute():
        raise BadArgument("PATH", f"{value!r} is relative; allowed: an absolute path (the listener's folder is "
                                  "not the sender's)")
    return path


def _clip(path: Path):
    try:
        return read_format(path)
    except SoundloomError as exc:
        raise BadArgument("PATH", exc.message) from None


def _flag(name: str, value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    raise BadArgument(name, f"{value!r} is not a switch; allowed: 0, 1, true or false")


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())
