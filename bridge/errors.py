"""Errors of the DAW bridge: values that name the bad field and the allowed range in one line.

`BridgeError` is a `SoundloomError`, so `except SoundloomError` catches everything a bridge call
raises. `bad_input` tells the two kinds apart: True for something the caller can fix (a region
outside the clip, a format that cannot be written back, a folder without write permission;
the CLI exits with 2), False for a failure of the machinery itself (a take that did not match its
source; exit 1).
"""

from __future__ import annotations

from soundloom.protocol.errors import ErrorCode, SoundloomError

# Engine and SDK error codes that mean "the request was wrong", as opposed to "something broke".
BAD_INPUT_CODES = frozenset({
    ErrorCode.INVALID_ARGUMENT, ErrorCode.OUT_OF_RANGE, ErrorCode.FILE_NOT_FOUND, ErrorCode.UNREADABLE_AUDIO,
    ErrorCode.INVALID_AUDIO, ErrorCode.MODEL_NOT_FOUND, ErrorCode.MODEL_INCOMPLETE,
    ErrorCode.UNKNOWN_MODEL_FAMILY, ErrorCode.ADAPTER_NOT_FOUND, ErrorCode.PATH_NOT_ALLOWED,
    ErrorCode.BAD_CONNECTION_FILE,
})


class BridgeError(SoundloomError):
    """A bridge operation that cannot go ahead; `field` names what to change, `str(e)` is one line."""

    def __init__(self, message: str, field: str | None = None, code: ErrorCode | str = ErrorCode.INVALID_ARGUMENT,
                 *, bad_input: bool = True):
        super().__init__(code, " ".join(str(message).split()), field)
        self.bad_input = bad_input


class TakeMismatchError(BridgeError):
    """A take whose samples outside the regions are not exactly the source's; it is never kept."""

    def __init__(self, message: str, frame: int | None = None, channel: int | None = None):
        super().__init__(message, "take", ErrorCode.INTERNAL, bad_input=False)
        self.frame = frame
        self.channel = channel


def is_bad_input(error: BaseException) -> bool:
    """True when `error` is the caller's to fix (exit code 2), False for a failure (exit code 1)."""
    from soundloom.sdk.errors import EngineDiedError, EngineNotFoundError, EngineStartError

    if isinstance(error, BridgeError):
        return error.bad_input
    if isinstance(error, (EngineDiedError, EngineNotFoundError, EngineStartError)):
        return False  # no engine to ask: nothing about the request was wrong
    return isinstance(error, SoundloomError) and error.code in BAD_INPUT_CODES
