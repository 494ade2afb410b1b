"""Exceptions the SDK raises besides the engine's own error replies.

Every one is a `SoundloomError`, so `except SoundloomError` catches all failures of a call and
`code`/`field`/`message` are always there; the subclasses let a caller tell them apart:

- `JobCancelledError` (code `cancelled`): the job was cancelled before it finished.
- `EngineDiedError` (code `internal`): the engine stopped answering its heartbeat or its process
  exited; every pending call and job of the client raises it, and so does every later call.
- `EngineNotFoundError` (code `file_not_found`): no running engine, and the client was told not
  to start one.
- `EngineStartError` (code `internal`): an engine this client launched exited or did not become
  ready in time; the message names its log file.
- `ClientClosedError` (code `invalid_argument`): the client was closed before or during the call.

A timeout the caller asked for raises the built-in `TimeoutError`. The `warnings` of a result
are issued as `EngineWarning`s (Python's warnings module).
"""

from __future__ import annotations

from typing import Any

from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.protocol.messages import error_from_content


class JobCancelledError(SoundloomError):
    """The job was cancelled (by `Job.cancel()`, another client, or an engine shutdown)."""

    def __init__(self, message: str = "the job was cancelled", field: str | None = None):
        super().__init__(ErrorCode.CANCELLED, message, field)


class EngineDiedError(SoundloomError):
    """The engine is gone: no heartbeat echo for too long, or its process exited."""

    def __init__(self, message: str):
        super().__init__(ErrorCode.INTERNAL, message)


class EngineNotFoundError(SoundloomError):
    """No engine is running at the connection file, and starting one was not allowed."""

    def __init__(self, message: str):
        super().__init__(ErrorCode.FILE_NOT_FOUND, message, "connection_file")


class EngineStartError(SoundloomError):
    """An engine launched by this client exited early or did not answer in time."""

    def __init__(self, message: str):
        super().__init__(ErrorCode.INTERNAL, message)


class ClientClosedError(SoundloomError):
    """The client was closed, so the call cannot be sent or answered."""

    def __init__(self, message: str = "the client is closed"):
        super().__init__(ErrorCode.INVALID_ARGUMENT, message)


class EngineWarning(UserWarning):
    """A non-fatal note from the engine about a result (e.g. a prompt truncated to the text encoder)."""


def error_for_reply(content: dict[str, Any]) -> SoundloomError:
    """The exception an error reply's content describes; code `cancelled` becomes JobCancelledError."""
    error = error_from_content(content)
    if error.code is ErrorCode.CANCELLED:
        return JobCancelledError(error.message, error.field)
    return error

