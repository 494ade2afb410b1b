"""The codec: the one place that packs, signs, verifies and unpacks soundloom messages.

A message on the wire is the Jupyter messaging protocol v5 envelope with its four dicts packed
with msgpack instead of JSON:

    [identities..., b"<IDS|MSG>", signature, header, parent_header, metadata, content, *buffers]

In memory a message is a plain dict (`header`, `parent_header`, `metadata`, `content`, `buffers`,
plus `msg_id`/`msg_type` copied from the header and, after receipt, `identities`); everything
outside this module handles only those dicts. protocol/PROTOCOL.md is the full specification.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import uuid
from collections import OrderedDict
from datetime import datetime, timezone
from typing import Any, Iterable, Sequence

import blake3
import msgpack
import numpy as np
import zmq

from soundloom.protocol.errors import ErrorCode, SoundloomError

DELIMITER = b"<IDS|MSG>"
ERROR_REPLY = "error_reply"  # answers a message whose type does not end in "_request"
PROTOCOL_VERSION = "5.4"  # 5.4: buffers digested with BLAKE3 (SHA-256 still accepted)
SIGNATURE_SCHEME = "hmac-sha256"
HEADER_FIELDS = ("msg_id", "msg_type", "username", "session", "date", "version")
DICT_FRAMES = ("header", "parent_header", "metadata", "content")
MAX_HEADER_FIELD_CHARS = 1024
AUDIO_DTYPE = "<f4"  # little-endian IEEE float32, whatever the host's byte order

# Buffer digests, by name: the metadata key that lists them and the hex digest of one buffer.
# BLAKE3 is the default (about ten times faster than SHA-256 here, which let the receiver's check
# dominate a large transfer); SHA-256 stays accepted for clients such as jupyter_client's.
DIGESTS = {
    "blake3": ("buffer_blake3", lambda view: blake3.blake3(view).hexdigest()),
    "sha256": ("buffer_sha256", lambda view: hashlib.sha256(view).hexdigest()),
}
DEFAULT_DIGEST = "blake3"
DIGEST_REQUEST_KEY = "buffer_digest"  # request metadata: the digest its reply's buffers should use

DEFAULT_MAX_MESSAGE_BYTES = 512 * 1024 * 1024  # 16 variations x 60 s x 48 kHz stereo fit in ~370 MB
DEFAULT_DIGEST_HISTORY = 2**16

_PLAIN_SCALARS = (str, bytes, int, float, bool, type(None))


class Session:
    """Builds, signs, sends, receives and verifies messages for one peer (the Jupyter `Session` role).

    `key` is the HMAC-SHA256 key: the UTF-8 bytes of the connection file's `key` string; an
    empty key turns signing and signature checks off. `max_message_bytes` bounds the total size
    of all frames of one message, in bytes. `digest_history_size` is how many signatures are
    remembered to reject replays (0 disables replay rejection).
    A Session may be shared between threads.
    """

    def __init__(
        self,
        key: bytes | str = b"",
        *,
        signature_scheme: str = SIGNATURE_SCHEME,
        username: str | None = None,
        session_id: str | None = None,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        digest_history_size: int = DEFAULT_DIGEST_HISTORY,
    ):
        if signature_scheme != SIGNATURE_SCHEME:
            raise SoundloomError(
                ErrorCode.INVALID_ARGUMENT,
                f"unsupported signature scheme {signature_scheme!r}; allowed: {SIGNATURE_SCHEME!r}",
                "signature_scheme",
            )
        self.key = key.encode("utf-8") if isinstance(key, str) else bytes(key)
        self.username = username or os.environ.get("USER") or "soundloom"
        self.session_id = session_id or uuid.uuid4().hex
        self.max_message_bytes = int(max_message_bytes)
        self._auth = hmac.new(self.key, digestmod=hashlib.sha256) if self.key else None
        self._history: OrderedDict[bytes, None] = OrderedDict()
        self._history_size = int(digest_history_size)
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ building

    def header(self, msg_type: str) -> dict[str, Any]:
        """A fresh header for `msg_type`: new msg_id, this session's id, the current UTC time."""
        return {
            "msg_id": uuid.uuid4().hex,
            "msg_type": msg_type,
            "username": self.username,
            "session": self.session_id,
            "date": iso_utc(datetime.now(timezone.utc)),
            "version": PROTOCOL_VERSION,
        }

    def msg(
        self,
        msg_type: str,
        content: dict[str, Any] | None = None,
        *,
        parent: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        buffers: Sequence[Any] | None = None,
        header: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A message dict; `parent` is the message (or header) this one answers or reports on.

        `header` replaces the generated header (for reproducible bytes); `buffers` are
        byte-like objects (bytes, memoryview, contiguous numpy arrays) sent after content.
        """
        header = dict(header) if header is not None else self.header(msg_type)
        return {
            "header": header,
            "msg_id": header.get("msg_id"),
            "msg_type": header.get("msg_type"),
            "parent_header": _header_of(parent),
            "metadata": dict(metadata or {}),
            "content": dict(content or {}),
            "buffers": list(buffers or []),
            "digest": reply_digest(parent),
        }

    # ------------------------------------------------------------------ bytes

    def sign(self, parts: Iterable[bytes]) -> bytes:
        """The signature frame for the four packed dict frames: lowercase hex HMAC-SHA256, or b""."""
        if self._auth is None:
            return b""
        mac = self._auth.copy()
        for part in parts:
            mac.update(part)
        return mac.hexdigest().encode("ascii")

    def serialize(self, msg: dict[str, Any], identities: Sequence[bytes | str] = ()) -> list[Any]:
        """The frames of `msg`, ready for `send_multipart`; buffer digests are added to metadata.

        Buffers are digested with `msg["digest"]` (a name in DIGESTS; default BLAKE3). A buffer
        wrapped in `Digested` brings its digest along, so a result sent many times is hashed once.
        """
        _check_header(msg.get("header"))
        raw = list(msg.get("buffers") or [])
        buffers = [_byte_view(getattr(buf, "data", buf), f"buffers[{i}]") for i, buf in enumerate(raw)]
        metadata = dict(msg.get("metadata") or {})
        for key, _ in DIGESTS.values():
            metadata.pop(key, None)
        # Digests of the buffers ride in metadata, so the HMAC over metadata covers the audio.
        if buffers:
            name = msg.get("digest") or DEFAULT_DIGEST
            if name not in DIGESTS:
                raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"unknown digest {name!r}; allowed: {', '.join(DIGESTS)}", "digest")
            key, digest = DIGESTS[name]
            metadata[key] = [
                buf.digest(name) if isinstance(buf, Digested) else digest(view) for buf, view in zip(raw, buffers)
            ]
        dicts = (msg["header"], msg.get("parent_header") or {}, metadata, msg.get("content") or {})
        parts = [_pack(value, name) for value, name in zip(dicts, DICT_FRAMES)]
        frames: list[Any] = [_identity(i) for i in identities]
        frames += [DELIMITER, self.sign(parts), *parts, *buffers]
        size = sum(len(f) if isinstance(f, bytes) else f.nbytes for f in frames)
        if size > self.max_message_bytes:
            raise SoundloomError(
                ErrorCode.MESSAGE_TOO_LARGE,
                f"message is {size} bytes; the limit is {self.max_message_bytes} bytes",
            )
        return frames

    def deserialize(self, frames: Sequence[Any]) -> dict[str, Any]:
        """Verify and unpack received frames (bytes, memoryviews or zmq.Frames) into a message dict.

        Raises SoundloomError with an envelope code (bad_framing, bad_signature,
        replayed_message, undecodable_frame, frame_not_a_map, bad_header,
        buffer_digest_mismatch, message_too_large) for anything that is not a valid message.
        """
        views = [_frame_view(f, i) for i, f in enumerate(frames)]
        size = sum(v.nbytes for v in views)
        if size > self.max_message_bytes:
            raise SoundloomError(
                ErrorCode.MESSAGE_TOO_LARGE,
                f"message is {size} bytes; the limit is {self.max_message_bytes} bytes",
            )
        split = _find_delimiter(views)
        rest = views[split + 1 :]
        if len(rest) < 1 + len(DICT_FRAMES):
            raise SoundloomError(
                ErrorCode.BAD_FRAMING,
                f"{len(rest)} frames after the delimiter; at least 5 are needed "
                "(signature, header, parent_header, metadata, content)",
            )
        parts = [bytes(v) for v in rest[1:5]]
        self._verify(bytes(rest[0]), parts)
        header, parent, metadata, content = (_unpack_map(p, n) for p, n in zip(parts, DICT_FRAMES))
        _check_header(header)
        buffers = rest[5:]
        _check_digests(metadata, buffers)
        return {
            "identities": [bytes(v) for v in views[:split]],
            "header": header,
            "msg_id": header["msg_id"],
            "msg_type": header["msg_type"],
            "parent_header": parent,
            "metadata": metadata,
            "content": content,
            "buffers": buffers,
        }

    def _verify(self, signature: bytes, parts: list[bytes]) -> None:
        # Without a key nothing can be verified; like Jupyter, the signature frame is then ignored.
        if self._auth is None:
            return
        if not signature:
            raise SoundloomError(ErrorCode.BAD_SIGNATURE, "message is unsigned, but this session has a key")
        if not hmac.compare_digest(signature, self.sign(parts)):
            raise SoundloomError(
                ErrorCode.BAD_SIGNATURE, "signature does not match (wrong key or altered message)"
            )
        # Remember only verified signatures, so forged traffic cannot flush the history.
        with self._lock:
            if signature in self._history:
                raise SoundloomError(ErrorCode.REPLAYED_MESSAGE, "this signature was already received")
            if self._history_size > 0:
                self._history[signature] = None
                if len(self._history) > self._history_size:
                    self._history.popitem(last=False)

    # ------------------------------------------------------------------ sockets

    def send(
        self,
        socket: zmq.Socket,
        msg_or_type: dict[str, Any] | str,
        content: dict[str, Any] | None = None,
        *,
        parent: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        buffers: Sequence[Any] | None = None,
        identities: Sequence[bytes | str] = (),
    ) -> dict[str, Any]:
        """Send a message dict, or build one from `msg_or_type` and the rest; return the message.

        `identities` are the routing frames (a ROUTER peer's identity, an iopub topic).
        Frames of 64 KiB or more (pyzmq's copy_threshold) are sent zero-copy: do not modify
        a buffer's array until the message has left.
        """
        msg = self._as_msg(msg_or_type, content, parent, metadata, buffers)
        socket.send_multipart(self.serialize(msg, identities), copy=False)
        return msg

    def recv(self, socket: zmq.Socket, flags: int = 0) -> dict[str, Any]:
        """Receive one message and return it verified and unpacked (see `deserialize`).

        Blocks unless `flags` has zmq.NOBLOCK (then zmq.Again when nothing waits). Buffers are
        zero-copy memoryviews into the received frames.
        """
        return self.deserialize(socket.recv_multipart(flags, copy=False))

    def reply(
        self,
        socket: zmq.Socket,
        request: dict[str, Any],
        content: dict[str, Any],
        *,
        msg_type: str | None = None,
        metadata: dict[str, Any] | None = None,
        buffers: Sequence[Any] | None = None,
    ) -> dict[str, Any]:
        """Answer a received `request` on the socket it came from: same identities, parent = its header.

        `msg_type` defaults to `answer_type` of the request's type.
        """
        msg_type = msg_type or answer_type(request["header"]["msg_type"])
        return self.send(
            socket,
            msg_type,
            content,
            parent=request,
            metadata=metadata,
            buffers=buffers,
            identities=request.get("identities", ()),
        )

    def publish(
        self,
        socket: zmq.Socket,
        msg_type: str,
        content: dict[str, Any],
        *,
        parent: dict[str, Any] | None = None,
        buffers: list | None = None,
    ) -> dict[str, Any]:
        """Publish an iopub event; its topic frame is `msg_type`, so subscribers can filter by prefix."""
        return self.send(socket, msg_type, content, parent=parent, identities=[msg_type], buffers=buffers)

    async def send_async(
        self,
        socket: Any,
        msg_or_type: dict[str, Any] | str,
        content: dict[str, Any] | None = None,
        *,
        parent: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        buffers: Sequence[Any] | None = None,
        identities: Sequence[bytes | str] = (),
    ) -> dict[str, Any]:
        """`send` for a zmq.asyncio socket."""
        msg = self._as_msg(msg_or_type, content, parent, metadata, buffers)
        await socket.send_multipart(self.serialize(msg, identities), copy=False)
        return msg

    async def recv_async(self, socket: Any) -> dict[str, Any]:
        """`recv` for a zmq.asyncio socket."""
        return self.deserialize(await socket.recv_multipart(copy=False))

    def _as_msg(self, msg_or_type, content, parent, metadata, buffers) -> dict[str, Any]:
        if isinstance(msg_or_type, dict):
            return msg_or_type
        return self.msg(msg_or_type, content, parent=parent, metadata=metadata, buffers=buffers)


# ---------------------------------------------------------------------- audio buffers


class Digested:
    """A buffer whose digests are computed once each, for payloads that are sent more than once.

    The default digest is computed at once (off the sending thread, where it is made); another
    one the first time a message asks for it.
    """

    __slots__ = ("data", "_digests")

    def __init__(self, data: Any):
        self.data = data
        self._digests: dict[str, str] = {}
        self.digest(DEFAULT_DIGEST)

    def digest(self, name: str) -> str:
        """The hex digest named `name` (a key of DIGESTS) of the buffer's bytes."""
        if name not in self._digests:
            self._digests[name] = DIGESTS[name][1](_byte_view(self.data, "buffer"))
        return self._digests[name]


def reply_digest(parent: dict[str, Any] | None) -> str:
    """The digest for buffers answering `parent`: the one it asks for in metadata `buffer_digest`,
    else SHA-256 when its own buffers came with SHA-256 digests only, else the default.

    So a client that digests with SHA-256 (jupyter_client) gets replies it can check the same way.
    """
    metadata = (parent or {}).get("metadata") if isinstance(parent, dict) and "header" in parent else None
    if not isinstance(metadata, dict):
        return DEFAULT_DIGEST
    asked = metadata.get(DIGEST_REQUEST_KEY)
    if asked in DIGESTS:
        return asked
    if DIGESTS["sha256"][0] in metadata and DIGESTS["blake3"][0] not in metadata:
        return "sha256"
    return DEFAULT_DIGEST


def attach_audio(msg: dict[str, Any], samples: Any, sample_rate: int, field: str = "audio") -> dict[str, Any]:
    """Append audio to `msg`'s buffers and return the descriptor to put in its content.

    `samples` is a real floating array shaped (samples,) for mono or (channels, samples);
    it is sent as little-endian float32 PCM. `sample_rate` is in Hz. The descriptor's shape is
    always [channels, samples]. An array that already is contiguous "<f4" is sent without a copy.
    """
    array = np.asarray(samples)
    if array.dtype.kind != "f":
        raise SoundloomError(
            ErrorCode.INVALID_ARGUMENT, f"audio must be floating point PCM, got dtype {array.dtype}", field
        )
    if array.ndim == 1:
        array = array[np.newaxis, :]
    if array.ndim != 2:
        raise SoundloomError(
            ErrorCode.INVALID_ARGUMENT,
            f"audio must be shaped (samples,) or (channels, samples), got {array.shape}",
            field,
        )
    array = np.ascontiguousarray(array, dtype=AUDIO_DTYPE)
    if isinstance(sample_rate, np.integer):
        sample_rate = int(sample_rate)
    _check_sample_rate(sample_rate, field)
    buffers = msg.setdefault("buffers", [])
    buffers.append(array)
    return {
        "buffer": len(buffers) - 1,
        "dtype": AUDIO_DTYPE,
        "shape": [int(array.shape[0]), int(array.shape[1])],
        "sample_rate": int(sample_rate),
    }


def extract_audio(msg: dict[str, Any], descriptor: Any, field: str = "audio") -> tuple[np.ndarray, int]:
    """The (samples, sample_rate) a buffer descriptor points at, validated against its buffer.

    Returns a float32 array shaped (channels, samples), a zero-copy view of the received frame
    (possibly read-only: copy it before writing), and the sample rate in Hz. Raises
    SoundloomError(invalid_argument) naming `field` when the descriptor does not fit the buffer.
    """
    if not isinstance(descriptor, dict):
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, "must be a buffer descriptor map", field)
    buffers = msg.get("buffers") or []
    index = descriptor.get("buffer")
    if not _is_int(index) or not 0 <= index < len(buffers):
        raise SoundloomError(
            ErrorCode.INVALID_ARGUMENT,
            f"buffer index {index!r} does not name one of the message's {len(buffers)} buffers",
            f"{field}.buffer",
        )
    dtype = descriptor.get("dtype")
    if dtype != AUDIO_DTYPE:
        raise SoundloomError(
            ErrorCode.INVALID_ARGUMENT, f"dtype {dtype!r} is not supported; allowed: '<f4'", f"{field}.dtype"
        )
    shape = descriptor.get("shape")
    counts = isinstance(shape, list) and len(shape) == 2 and all(_is_int(n) and n >= 0 for n in shape)
    if not counts or shape[0] < 1:
        raise SoundloomError(
            ErrorCode.INVALID_ARGUMENT,
            f"shape {shape!r} is not [channels >= 1, samples >= 0]",
            f"{field}.shape",
        )
    sample_rate = descriptor.get("sample_rate")
    _check_sample_rate(sample_rate, f"{field}.sample_rate")
    view = _frame_view(buffers[index], index)
    expected = shape[0] * shape[1] * 4
    if view.nbytes != expected:
        raise SoundloomError(
            ErrorCode.INVALID_ARGUMENT,
            f"shape {shape} needs {expected} bytes of float32, but buffer {index} holds {view.nbytes}",
            f"{field}.shape",
        )
    return np.frombuffer(view, dtype=AUDIO_DTYPE).reshape(shape), int(sample_rate)


# ---------------------------------------------------------------------- helpers


def reply_type(request_type: str) -> str:
    """The reply's msg_type for a request's msg_type: `<action>_request` -> `<action>_reply`."""
    if not request_type.endswith("_request"):
        raise SoundloomError(
            ErrorCode.INVALID_ARGUMENT, f"{request_type!r} is not a request type", "msg_type"
        )
    return request_type[: -len("_request")] + "_reply"


def answer_type(msg_type: str) -> str:
    """The msg_type that answers a received `msg_type`: its `_reply` for a request, else `error_reply`.

    Unlike `reply_type` it never raises, so a receiver can always answer whatever arrived.
    """
    return reply_type(msg_type) if msg_type.endswith("_request") else ERROR_REPLY


def iso_utc(moment: datetime) -> str:
    """ISO 8601 UTC timestamp with microseconds and a `Z` suffix, as Jupyter writes `date`."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _pack_default(value: Any) -> Any:
    # Values the engine produces naturally that msgpack does not know.
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot pack a value of type {type(value).__name__}")


def _pack(value: Any, name: str) -> bytes:
    if not isinstance(value, dict):
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"must be a dict, got {type(value).__name__}", name)
    try:
        return msgpack.packb(value, use_bin_type=True, default=_pack_default)
    except (TypeError, ValueError, OverflowError) as exc:
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"cannot be packed: {exc}", name) from exc


def _reject_ext(code: int, data: bytes) -> Any:
    raise ValueError(f"msgpack extension type {code} is not part of the protocol")


def _unpack_map(data: bytes, name: str) -> dict[str, Any]:
    try:
        value = msgpack.unpackb(data, raw=False, use_list=True, strict_map_key=True, ext_hook=_reject_ext)
    except Exception as exc:  # msgpack raises many unrelated types for bad input; all mean "undecodable"
        raise SoundloomError(
            ErrorCode.UNDECODABLE_FRAME, f"is not valid msgpack ({type(exc).__name__}: {exc})", name
        ) from exc
    if not isinstance(value, dict):
        raise SoundloomError(ErrorCode.FRAME_NOT_A_MAP, f"must be a map, got {type(value).__name__}", name)
    _check_plain(value, name)
    return value


def _check_plain(value: Any, name: str) -> None:
    # Only JSON-like values plus bytes cross the wire, so any language can decode them;
    # the msgpack timestamp extension (-1) bypasses ext_hook and is caught here.
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, inner in item.items():
                if not isinstance(key, str):
                    raise SoundloomError(
                        ErrorCode.UNDECODABLE_FRAME, f"map key {key!r} is not a string", name
                    )
                stack.append(inner)
        elif isinstance(item, list):
            stack.extend(item)
        elif not isinstance(item, _PLAIN_SCALARS):
            kind = type(item).__name__
            raise SoundloomError(
                ErrorCode.UNDECODABLE_FRAME, f"holds a {kind}, which is not a plain msgpack value", name
            )


def _check_header(header: Any) -> None:
    if not isinstance(header, dict):
        raise SoundloomError(ErrorCode.BAD_HEADER, "header must be a map", "header")
    for field in HEADER_FIELDS:
        if field not in header:
            raise SoundloomError(ErrorCode.BAD_HEADER, "is missing", f"header.{field}")
        if not isinstance(header[field], str):
            raise SoundloomError(ErrorCode.BAD_HEADER, "must be a string", f"header.{field}")
    for field in ("msg_id", "msg_type"):
        if not header[field]:
            raise SoundloomError(ErrorCode.BAD_HEADER, "must not be empty", f"header.{field}")
    for field in HEADER_FIELDS:
        # The header is echoed in every reply and event of a request, and msg_id names its job.
        if len(header[field]) > MAX_HEADER_FIELD_CHARS:
            raise SoundloomError(ErrorCode.BAD_HEADER, f"is longer than {MAX_HEADER_FIELD_CHARS} characters", f"header.{field}")
    version = header["version"]
    if version.split(".")[0] != "5":
        raise SoundloomError(
            ErrorCode.BAD_HEADER, f"version {version!r} is not supported; allowed: 5.x", "header.version"
        )


def _check_digests(metadata: dict[str, Any], buffers: list[memoryview]) -> None:
    """Every digest list present (BLAKE3, SHA-256) must match the buffers; with buffers, at least one must be."""
    present = [(name, key, digest) for name, (key, digest) in DIGESTS.items() if key in metadata]
    if not present and buffers:
        key = DIGESTS[DEFAULT_DIGEST][0]
        raise SoundloomError(
            ErrorCode.BUFFER_DIGEST_MISMATCH,
            f"must list one hex digest per buffer ({len(buffers)} buffers), as {key} or {DIGESTS['sha256'][0]}",
            f"metadata.{key}",
        )
    for name, key, digest in present:
        digests, field = metadata[key], f"metadata.{key}"
        if not isinstance(digests, list) or len(digests) != len(buffers):
            raise SoundloomError(
                ErrorCode.BUFFER_DIGEST_MISMATCH, f"must list one {name} hex digest per buffer ({len(buffers)} buffers)", field
            )
        for index, (expected, buffer) in enumerate(zip(digests, buffers)):
            # Plain equality is enough: digests are not secret, and the HMAC already vouches for them.
            if expected != digest(buffer):
                raise SoundloomError(ErrorCode.BUFFER_DIGEST_MISMATCH, f"buffer {index} does not match its digest", field)


def _find_delimiter(views: list[memoryview]) -> int:
    for index, view in enumerate(views):
        if view.nbytes == len(DELIMITER) and bytes(view) == DELIMITER:
            return index
    raise SoundloomError(ErrorCode.BAD_FRAMING, "no <IDS|MSG> delimiter frame")


def _frame_view(frame: Any, index: int | str) -> memoryview:
    try:
        view = frame.buffer if isinstance(frame, zmq.Frame) else memoryview(frame)
        return _flat_bytes(view)
    except (TypeError, ValueError) as exc:
        raise SoundloomError(
            ErrorCode.BAD_FRAMING, f"frame {index} is not a contiguous byte buffer"
        ) from exc


def _byte_view(buffer: Any, name: str) -> memoryview:
    try:
        view = memoryview(buffer)
    except TypeError as exc:
        raise SoundloomError(
            ErrorCode.INVALID_ARGUMENT, "does not support the buffer protocol", name
        ) from exc
    if not view.c_contiguous:
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, "must be C-contiguous to be sent", name)
    return _flat_bytes(view)


def _flat_bytes(view: memoryview) -> memoryview:
    # One-dimensional unsigned bytes, so nbytes == len and hashing/comparison see raw bytes.
    if not view.c_contiguous:
        raise ValueError("not C-contiguous")  # hashlib and zmq need one contiguous block
    if view.format == "B" and view.ndim == 1:
        return view
    if view.nbytes == 0:
        return memoryview(b"")  # memoryview.cast refuses shapes with a zero in them
    return view.cast("B")


def _identity(identity: bytes | str) -> bytes:
    return identity.encode("utf-8") if isinstance(identity, str) else bytes(identity)


def _header_of(parent: dict[str, Any] | None) -> dict[str, Any]:
    if not parent:
        return {}
    return dict(parent["header"]) if "header" in parent else dict(parent)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_sample_rate(sample_rate: Any, field: str) -> None:
    if not _is_int(sample_rate) or sample_rate <= 0:
        raise SoundloomError(
            ErrorCode.INVALID_ARGUMENT, f"sample_rate {sample_rate!r} must be a positive integer (Hz)", field
        )
