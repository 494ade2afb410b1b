"""The wire format shared by the engine and its clients (stdlib, pyzmq, msgpack and numpy only)."""

from soundloom.protocol.errors import ErrorCode, SoundloomError

__all__ = ["ErrorCode", "SoundloomError"]
