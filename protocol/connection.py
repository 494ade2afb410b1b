"""Connection files: the whole contract between an engine process and its clients.

The engine writes one JSON file (mode 0600, in the user's runtime directory) naming its
transport, address, the port of each channel, the signing key and its pid; a client reads it,
connects, and signs with the key. A file whose pid is no longer alive is stale.
"""

from __future__ import annotations

import json
import os
import secrets
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import platformdirs

from soundloom.protocol.atomic_files import write_text_atomically
from soundloom.protocol.codec import SIGNATURE_SCHEME
from soundloom.protocol.errors import ErrorCode, SoundloomError

RUNTIME_DIR_ENV = "SOUNDLOOM_RUNTIME_DIR"  # overrides the runtime directory (tests, sandboxes)
DEFAULT_NAME = "engine"  # the default engine's file is <runtime dir>/engine.json
TRANSPORTS = ("tcp", "ipc")
CHANNELS = ("shell", "iopub", "control", "hb")
_FIELD_TYPES = {
    "transport": str,
    "ip": str,
    "shell_port": int,
    "iopub_port": int,
    "control_port": int,
    "hb_port": int,
    "key": str,
    "signature_scheme": str,
    "pid": int,
}


_WILDCARD_TO_LOOPBACK = {"0.0.0.0": "127.0.0.1", "::": "::1", "*": "127.0.0.1"}


@dataclass(frozen=True)
class ConnectionInfo:
    """The contents of a connection file; validated on construction.

    For tcp, `ip` is the address the engine bound (a wildcard is connected to over loopback);
    for ipc it is a filesystem path prefix and each channel lives at `<ip>-<port>`. Ports are
    1..65535. `key` is the HMAC key as text (its UTF-8 bytes are the key; empty = unsigned).
    `pid` is the engine's process id.
    """

    transport: str
    ip: str
    shell_port: int
    iopub_port: int
    control_port: int
    hb_port: int
    key: str
    pid: int
    signature_scheme: str = SIGNATURE_SCHEME
    # Z85 public key of an engine bound beyond loopback, which then requires CURVE; "" otherwise.
    curve_server_key: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.curve_server_key, str):
            raise _bad("curve_server_key", f"must be a string, got {self.curve_server_key!r}")
        for name, kind in _FIELD_TYPES.items():
            value = getattr(self, name)
            # bool is an int to Python, but `true` is never a valid port or pid.
            if not isinstance(value, kind) or isinstance(value, bool):
                raise _bad(name, f"must be a {'string' if kind is str else 'integer'}, got {value!r}")
        if self.transport not in TRANSPORTS:
            raise _bad("transport", f"{self.transport!r} is not supported; allowed: tcp, ipc")
        if not self.ip:
            raise _bad("ip", "must not be empty")
        for channel in CHANNELS:
            port = getattr(self, f"{channel}_port")
            if not 1 <= port <= 65535:
                raise _bad(f"{channel}_port", f"{port} is out of range; allowed: 1 to 65535")
        if self.signature_scheme != SIGNATURE_SCHEME:
            scheme = self.signature_scheme
            raise _bad("signature_scheme", f"{scheme!r} is not supported; allowed: {SIGNATURE_SCHEME!r}")
        if self.pid < 1:
            raise _bad("pid", f"{self.pid} is not a process id")

    def endpoint(self, channel: str) -> str:
        """The ZeroMQ endpoint of `channel` (shell, iopub, control, hb): tcp://ip:port or ipc://ip-port."""
        if channel not in CHANNELS:
            allowed = ", ".join(CHANNELS)
            raise SoundloomError(
                ErrorCode.INVALID_ARGUMENT, f"{channel!r} is not one of {allowed}", "channel"
            )
        port = getattr(self, f"{channel}_port")
        if self.transport == "ipc":
            return f"ipc://{self.ip}-{port}"
        # An engine bound to every interface is reached over loopback on its own machine: connecting
        # to a wildcard address works on Linux only, and not in every network sandbox.
        ip = _WILDCARD_TO_LOOPBACK.get(self.ip, self.ip)
        host = f"[{ip}]" if ":" in ip else ip  # IPv6 literals need brackets in a URL
        return f"tcp://{host}:{port}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> "ConnectionInfo":
        """Validate a parsed connection file; unknown fields are ignored so newer engines stay readable."""
        if not isinstance(data, dict):
            raise SoundloomError(ErrorCode.BAD_CONNECTION_FILE, "connection file must hold a JSON object")
        for name in _FIELD_TYPES:
            if name not in data:
                raise _bad(name, "is missing")
        optional = {"curve_server_key": data["curve_server_key"]} if "curve_server_key" in data else {}
        return cls(**{name: data[name] for name in _FIELD_TYPES}, **optional)

    def is_stale(self) -> bool:
        """True when the engine process that wrote this file is gone."""
        return not pid_alive(self.pid)


# The exit status of an engine that refuses to start because another already serves its connection
# file (EX_TEMPFAIL): a launcher that raced another one waits for that engine instead of failing.
ENGINE_RUNNING_EXIT = 75

def new_key() -> str:
    """A fresh signing key: 64 hex characters (256 random bits)."""
    return secrets.token_hex(32)


def runtime_dir() -> Path:
    """The directory for connection files, created 0700 if missing.

    $SOUNDLOOM_RUNTIME_DIR when set, else platformdirs' user runtime dir for "soundloom".
    Refuses a directory that another user owns or can write to, since they could swap the file.
    """
    override = os.environ.get(RUNTIME_DIR_ENV)
    if override:
        path = Path(override)
    else:
        with warnings.catch_warnings():
            # platformdirs warns when it falls back from $XDG_RUNTIME_DIR; the checks below cover that case.
            warnings.simplefilter("ignore")
            path = Path(platformdirs.user_runtime_dir("soundloom"))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix":
        info = path.stat()
        if info.st_uid != os.getuid() or info.st_mode & 0o022:
            raise SoundloomError(
                ErrorCode.BAD_CONNECTION_FILE,
                f"runtime directory {path} is owned or writable by another user; set {RUNTIME_DIR_ENV}",
            )
    return path


def connection_path(name: str = DEFAULT_NAME) -> Path:
    """Where the connection file of engine `name` lives: <runtime dir>/<name>.json."""
    return runtime_dir() / f"{name}.json"


def write_connection_file(info: ConnectionInfo, path: str | os.PathLike[str] | None = None) -> Path:
    """Write `info` atomically with mode 0600 (default path: `connection_path()`); return the path.

    The file is created 0600 from the start and renamed into place, so no reader ever sees a
    partial file and the key is never readable by others, not even for an instant.
    """
    target = Path(path) if path is not None else connection_path()
    write_text_atomically(target, json.dumps(info.to_dict(), indent=2) + "\n", mode=0o600)
    return target


def read_connection_file(path: str | os.PathLike[str] | None = None) -> ConnectionInfo:
    """Read and validate a connection file (default path: `connection_path()`).

    Raises SoundloomError: file_not_found, or bad_connection_file naming the bad field.
    """
    source = Path(path) if path is not None else connection_path()
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SoundloomError(
            ErrorCode.FILE_NOT_FOUND, f"no connection file at {source}; is the engine running?"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SoundloomError(ErrorCode.BAD_CONNECTION_FILE, f"cannot read {source}: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SoundloomError(ErrorCode.BAD_CONNECTION_FILE, f"{source} is not valid JSON: {exc}") from exc
    return ConnectionInfo.from_dict(data)


def remove_connection_file(path: str | os.PathLike[str] | None = None) -> None:
    """Delete a connection file (default path: `connection_path()`); a missing file is fine."""
    Path(path if path is not None else connection_path()).unlink(missing_ok=True)


def pid_alive(pid: int) -> bool:
    """True when a process with this id exists (possibly owned by another user)."""
    if pid < 1:
        return False
    if os.name == "nt":
        return _windows_pid_alive(pid)
    try:
        os.kill(pid, 0)  # signal 0: existence and permission check only, nothing is delivered
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _windows_pid_alive(pid: int) -> bool:
    # os.kill on Windows terminates the process, so ask the kernel instead.
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    process_query_limited_information, still_active, access_denied = 0x1000, 259, 5
    handle = kernel32.OpenProcess(process_query_limited_information, False, pid)
    if not handle:
        return kernel32.GetLastError() == access_denied
    try:
        code = ctypes.c_ulong()
        ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        return bool(ok) and code.value == still_active
    finally:
        kernel32.CloseHandle(handle)


def _bad(field: str, message: str) -> SoundloomError:
    return SoundloomError(ErrorCode.BAD_CONNECTION_FILE, message, field)
