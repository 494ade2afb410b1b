"""Finding a running engine through its connection file, or starting one as a subprocess.

An engine started here writes its stdout and stderr to a log file next to its connection file
(`engine.json` → `engine.log`), so the reason for a failed start can be shown to the user.

An engine started for a command or a client stays warm for the next one: it gets
`--idle-timeout` from the idle_timeout setting (600 s unless changed) and is started through
soundloom.daemon.detach, so it belongs to no client and outlives the one that asked for it. With
idle_timeout 0 (or `--idle-timeout 0` among the engine arguments) the engine is the client's own
child, which shuts it down when it closes.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from soundloom.protocol.connection import (
    ENGINE_RUNNING_EXIT, ConnectionInfo, read_connection_file, remove_connection_file,
)
from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.sdk.errors import EngineStartError

_POLL_S = 0.05  # how often a starting engine's connection file is looked for (seconds)
_LOG_TAIL_LINES = 15


@dataclass(frozen=True)
class EngineFile:
    """A connection file that was read: where it is and what it says."""

    path: Path
    info: ConnectionInfo

    @property
    def curve_server_key(self) -> str | None:
        """The engine's CURVE public key (Z85) when it listens beyond loopback and so encrypts, else None."""
        return self.info.curve_server_key or None

    @property
    def stale(self) -> bool:
        """True when the process that wrote the file is gone."""
        return self.info.is_stale()

    @property
    def local(self) -> bool:
        """True when the engine runs on this machine, so its pid can be watched."""
        if self.info.transport == "ipc" or self.info.ip == "localhost":
            return True
        import ipaddress  # only needed here, after start-up

        try:
            return ipaddress.ip_address(self.info.ip).is_loopback
        except ValueError:  # a host name: cannot tell, so do not trust the pid
            return False


def read_engine_file(path: str | os.PathLike[str]) -> EngineFile | None:
    """The connection file at `path`, or None when there is none.

    Raises SoundloomError(bad_connection_file) naming the field, for a file that exists but is invalid.
    """
    try:
        return EngineFile(Path(path), read_connection_file(path))
    except SoundloomError as exc:
        if exc.code is ErrorCode.FILE_NOT_FOUND:
            return None
        raise


def engine_command(connection_file: str | os.PathLike[str], engine_args: Sequence[str] = ()) -> list[str]:
    """The command line that starts an engine writing its connection file to `connection_file`."""
    return [sys.executable, "-m", "soundloom.daemon", "serve", "--connection-file", str(connection_file), *engine_args]


IDLE_TIMEOUT_OPTION = "--idle-timeout"


def _given_idle_timeout(engine_args: Sequence[str]) -> float | None:
    """The value of `--idle-timeout` among `engine_args`, or None when it is not there."""
    for i, arg in enumerate(engine_args):
        text = None
        if arg == IDLE_TIMEOUT_OPTION and i + 1 < len(engine_args):
            text = engine_args[i + 1]
        elif arg.startswith(IDLE_TIMEOUT_OPTION + "="):
            text = arg.split("=", 1)[1]
        if text is not None:
            try:
                return float(text)
            except ValueError:
                raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{text!r} is not a number of seconds",
                                     "idle_timeout") from None
    return None


def launch_idle_timeout(engine_args: Sequence[str] = ()) -> float:
    """Seconds an engine launched with `engine_args` stays up with no work: `--idle-timeout` when
    given, else the idle_timeout setting; 0 means it exits with the client that started it."""
    given = _given_idle_timeout(engine_args)
    if given is not None:
        return given
    from soundloom.settings.store import load

    return float(load()["idle_timeout"])


def launch_command(connection_file: str | os.PathLike[str], engine_args: Sequence[str] = ()) -> tuple[list[str], bool]:
    """The command that launches an engine for a client, and whether that engine outlives the client."""
    idle = launch_idle_timeout(engine_args)
    if idle <= 0:
        return engine_command(connection_file, engine_args), False
    if _given_idle_timeout(engine_args) is None:
        engine_args = [*engine_args, IDLE_TIMEOUT_OPTION, f"{idle:g}"]
    detached = engine_command(connection_file, engine_args)
    return [sys.executable, "-m", "soundloom.daemon.detach", str(connection_file), "--", *detached], True


class EngineProcess:
    """An engine subprocess started by this client, with its connection file and log file."""

    def __init__(self, process: subprocess.Popen, connection_file: Path, log_path: Path, warm: bool = False):
        self.process = process
        self.connection_file = connection_file
        self.log_path = log_path
        # A warm engine was launched through soundloom.daemon.detach: `process` is that launcher, it
        # ends once the engine is ready, and the engine (another pid) outlives this client.
        self.warm = warm

    @classmethod
    def start(cls, connection_file: str | os.PathLike[str], engine_args: Sequence[str] = ()) -> "EngineProcess":
        """Launch an engine writing `connection_file` (see `launch_command`); a stale file there is deleted first."""
        connection_file = Path(connection_file)
        connection_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        existing = read_engine_file(connection_file)
        if existing is not None and existing.stale:
            remove_connection_file(connection_file)
        log_path = connection_file.with_suffix(".log")
        command, warm = launch_command(connection_file, engine_args)
        # A session of its own: Ctrl-C in the user's terminal must not kill the engine mid-shutdown.
        detach = {"start_new_session": True} if os.name == "posix" else {
            "creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
        }
        # 0600 like the connection file: the log is the user's business alone.
        with open(log_path, "wb", opener=lambda name, flags: os.open(name, flags, 0o600)) as log_file:
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT, **detach
            )
        return cls(process, connection_file, log_path, warm)

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        """True while the process has not exited (a pid check would still see an unreaped child)."""
        return self.process.poll() is None

    def ready_file(self) -> EngineFile | None:
        """The connection file once an engine has written it, else None; raises if the engine exited.

        The file may name another engine: when two launchers race, the second engine finds the
        first one holding the connection file's lock and exits with ENGINE_RUNNING_EXIT, and the
        first engine's file is the one to use.
        """
        running = self.running()  # first, so an exited child is reaped and its pid reads as stale
        engine_file = read_engine_file(self.connection_file)
        if engine_file is not None and not engine_file.stale:
            return engine_file
        if not running and self.process.returncode != ENGINE_RUNNING_EXIT:
            raise EngineStartError(
                f"the engine exited with code {self.process.returncode} before it was ready{self._log_excerpt()}"
            )
        return None

    async def wait_ready(self, deadline: float) -> EngineFile:
        """Wait until the engine has written its connection file; `deadline` is in time.monotonic() seconds."""
        while True:
            engine_file = self.ready_file()
            if engine_file is not None:
                return engine_file
            if time.monotonic() >= deadline:
                raise EngineStartError(f"the engine wrote no connection file in time{self._log_excerpt()}")
            await asyncio.sleep(_POLL_S)

    def stop(self, grace: float = 5.0) -> int:
        """Wait `grace` seconds for the process to exit (after a shutdown request), then terminate, then kill.

        Returns the exit code; deletes the connection file if the engine left it behind.
        """
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            try:
                self.process.wait(timeout=3.0)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        engine_file = _read_quietly(self.connection_file)
        if engine_file is not None and engine_file.info.pid == self.pid:
            remove_connection_file(self.connection_file)
        return self.process.returncode

    def log_tail(self, lines: int = _LOG_TAIL_LINES) -> str:
        """The last `lines` lines the engine wrote to its log."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.rstrip().splitlines()[-lines:])

    def _log_excerpt(self) -> str:
        tail = self.log_tail()
        where = f"; its log is {self.log_path}"
        return f"{where}, ending:\n{tail}" if tail else where


def _read_quietly(path: Path) -> EngineFile | None:
    try:
        return read_engine_file(path)
    except SoundloomError:
        return None

