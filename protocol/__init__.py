"""The wire format shared by the engine and its clients (stdlib, pyzmq, msgpack and numpy only)."""

from soundloom.protocol.codec import (
    DELIMITER,
    PROTOCOL_VERSION,
    Session,
    attach_audio,
    extract_audio,
    reply_type,
)
from soundloom.protocol.connection import (
    ConnectionInfo,
    connection_path,
    new_key,
    read_connection_file,
    remove_connection_file,
    runtime_dir,
    write_connection_file,
)
from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.protocol.messages import (
    Action,
    Channel,
    Event,
    ExecutionState,
    JobState,
    Status,
    error_content,
    error_from_content,
)

__all__ = [
    "Action",
    "Channel",
    "ConnectionInfo",
    "DELIMITER",
    "ErrorCode",
    "Event",
    "ExecutionState",
    "JobState",
    "PROTOCOL_VERSION",
    "Session",
    "SoundloomError",
    "Status",
    "attach_audio",
    "connection_path",
    "error_content",
    "error_from_content",
    "extract_audio",
    "new_key",
    "read_connection_file",
    "remove_connection_file",
    "reply_type",
    "runtime_dir",
    "write_connection_file",
]
