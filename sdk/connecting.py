"""From a connection file to an engine that answers: find it or launch it, then wait for its first ping.

`AsyncClient.connect()` (and so `Client.connect()`) goes through here; the sockets themselves are
the Transport's, the engine subprocess the launcher's.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any, Callable, Sequence

from soundloom.protocol.connection import connection_path, pid_alive
from soundloom.protocol.errors import SoundloomError
from soundloom.protocol.messages import Action, Channel, Status
from soundloom.sdk.errors import EngineDiedError, EngineNotFoundError, EngineStartError, error_for_reply
from soundloom.sdk.launcher import EngineFile, EngineProcess, read_engine_file
from soundloom.sdk.transport import Transport

PING_RETRY_S = 1.0  # while connecting, an unanswered ping is sent again this often (seconds)


async def find_engine(
    path: Path, *, start: bool, deadline: float, engine_args: Sequence[str]
) -> tuple[EngineFile, EngineProcess | None]:
    """The engine file at `path` and, when none was running and `start` allows, the engine launched for it.

    Raises EngineNotFoundError (no engine and not `start`), EngineStartError (the launch failed
    before `deadline`, a time.monotonic() value).
    """
    engine_file = read_engine_file(path)
    if engine_file is not None and not engine_file.stale:
        return engine_file, None
    if not start:
        raise EngineNotFoundError(no_engine_message(path, engine_file))
    engine = EngineProcess.start(path, engine_args)
    try:
        engine_file = await engine.wait_ready(deadline)
    except BaseException:
        await asyncio.to_thread(engine.stop, 0.0)
        raise
    if engine_file.info.pid != engine.pid:
        # Another client launched an engine at the same moment and its file won: use that one.
        await asyncio.to_thread(engine.stop, 0.0)
        return engine_file, None
    return engine_file, engine


async def wait_for_answer(transport: Transport, engine: EngineProcess | None, deadline: float, timeout: float) -> None:
    """Ping on control until the engine answers, by `deadline` (time.monotonic()); `timeout` is for the message."""
    # A starting engine may bind after our ping left; resending the same msg_id is harmless.
    msg = transport.session.msg(Action.PING.request)
    pending = await transport.send(Channel.CONTROL, msg)
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _not_answering(transport.engine_file, engine, timeout)
            await asyncio.wait({pending.future}, timeout=min(PING_RETRY_S, left))
            if pending.future.done():
                content = pending.future.result()["content"]
                if content.get("status") != Status.OK.value:
                    raise error_for_reply(content)
                return
            if engine is not None and not engine.running():
                engine.ready_file()  # raises EngineStartError with the log's last lines
            await transport.resend(pending)
    finally:
        transport.forget(msg["msg_id"])


def alive_check(engine_file: EngineFile, engine: EngineProcess | None) -> Callable[[], bool] | None:
    """What tells the heartbeat that the engine's process still runs, where this machine can see it."""
    if engine is not None:
        return engine.running  # our own child: a pid check would still see it as a zombie
    if engine_file.local:
        pid = engine_file.info.pid
        return lambda: pid_alive(pid)
    return None  # a remote engine's pid means nothing here


def no_engine_message(path: Path, engine_file: EngineFile | None) -> str:
    """One line that tells whoever meets it what to do, at a command line or in Python."""
    if engine_file is None:
        state = f"{path} does not exist"
    else:
        state = f"{path} is stale: pid {engine_file.info.pid} has exited"
    return (
        f"no engine is running ({state}); start one with `soundloom serve` at the command line, "
        "or from Python with `Client.connect(start=True)`"
    )


def _not_answering(engine_file: EngineFile, engine: EngineProcess | None, timeout: float) -> SoundloomError:
    if engine is not None:
        return EngineStartError(f"the engine did not answer a ping within {timeout:g} s; its log is {engine.log_path}")
    info = engine_file.info
    return EngineDiedError(f"the engine of {engine_file.path} (pid {info.pid}) did not answer a ping within {timeout:g} s")


class Connecting:
    """What `AsyncClient.connect()` returns: await it for a client, or use it in `async with`."""

    def __init__(self, connecting: Any):
        self._connecting = connecting
        self._client: Any = None

    def __await__(self):
        return self._connecting.__await__()

    async def __aenter__(self) -> Any:
        self._client = await self._connecting
        return self._client

    async def __aexit__(self, *exc_info: Any) -> None:
        await self._client.close()


def connection_file_path(connection_file: str | os.PathLike[str] | None) -> Path:
    """`connection_file` as a Path; None means the user's default engine."""
    return Path(connection_file) if connection_file is not None else connection_path()
