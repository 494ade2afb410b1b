"""Error values the user can act on: a stable code, the offending field, and a one-line message.

The same codes appear in the CLI's messages, in SDK exceptions and in error replies on the wire,
so a client in any language can branch on `code` without parsing text.
"""

from __future__ import annotations

from enum import Enum
from typing import Any


class ErrorCode(str, Enum):
    INVALID_ARGUMENT = "invalid_argument"  # wrong type or malformed value
    OUT_OF_RANGE = "out_of_range"  # a number outside its allowed range
    FILE_NOT_FOUND = "file_not_found"
    UNREADABLE_AUDIO = "unreadable_audio"  # corrupt or unsupported file
    INVALID_AUDIO = "invalid_audio"  # decodes, but unusable (NaN/inf samples, empty)
    MODEL_NOT_FOUND = "model_not_found"
    MODEL_INCOMPLETE = "model_incomplete"  # a model folder lacks a component
    UNKNOWN_MODEL_FAMILY = "unknown_model_family"
    CANCELLED = "cancelled"
    INTERNAL = "internal"
    # Request handling: the message was understood, but cannot be served.
    UNKNOWN_MESSAGE_TYPE = "unknown_message_type"  # no handler for this msg_type on this channel
    QUEUE_FULL = "queue_full"  # the job queue is at its limit; retry later
    CLUSTER_UNAVAILABLE = "cluster_unavailable"  # cluster mode: the Ray cluster is lost; retry once it is back
    JOB_NOT_FOUND = "job_not_found"  # no job with this job_id (never existed, or forgotten)
    # Fine-tuning and adapters.
    PATH_NOT_ALLOWED = "path_not_allowed"  # a folder outside the engine's library roots
    EMPTY_LIBRARY = "empty_library"  # a library with no usable clip
    LIBRARY_CHANGED = "library_changed"  # the library vanished or became unreadable mid-training
    ADAPTER_EXISTS = "adapter_exists"
    ADAPTER_NOT_FOUND = "adapter_not_found"
    ADAPTER_BUSY = "adapter_busy"  # being trained now
    DISK_FULL = "disk_full"
    # Local setup, raised by client libraries and never sent on the wire.
    BAD_CONNECTION_FILE = "bad_connection_file"  # unreadable or invalid connection file
    ENGINE_RUNNING = "engine_running"  # another engine already serves this connection file
    # The envelope: a message that is not a valid soundloom message at all.
    BAD_FRAMING = "bad_framing"  # no <IDS|MSG> delimiter, or fewer than 5 frames after it
    BAD_SIGNATURE = "bad_signature"  # missing or wrong HMAC signature
    REPLAYED_MESSAGE = "replayed_message"  # a signature this receiver has already seen
    UNDECODABLE_FRAME = "undecodable_frame"  # a dict frame that is not valid msgpack of plain values
    FRAME_NOT_A_MAP = "frame_not_a_map"  # a dict frame that decodes to something other than a map
    BAD_HEADER = "bad_header"  # a header field missing or of the wrong type, or version not 5.x
    BUFFER_DIGEST_MISMATCH = "buffer_digest_mismatch"  # buffer_sha256 missing, miscounted or wrong
    MESSAGE_TOO_LARGE = "message_too_large"  # all frames together exceed the receiver's limit


class SoundloomError(Exception):
    """An error with a stable `code`, the request `field` it concerns (if any) and a readable message."""

    def __init__(self, code: ErrorCode | str, message: str, field: str | None = None):
        self.code = ErrorCode(code)
        self.field = field
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        prefix = f"{self.field}: " if self.field else ""
        return f"{prefix}{self.message} [{self.code.value}]"

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code.value, "field": self.field, "message": self.message}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SoundloomError":
        return cls(data.get("code", ErrorCode.INTERNAL), data.get("message", ""), data.get("field"))


def out_of_range(field: str, value: Any, allowed: str) -> SoundloomError:
    """The error for a number outside its range; `allowed` reads like "0.5 to 60 seconds"."""
    return SoundloomError(ErrorCode.OUT_OF_RANGE, f"{value!r} is out of range; allowed: {allowed}", field)
