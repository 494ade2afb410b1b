"""The vocabulary of the wire: message types, channels, status values, event types and request limits.

Data only. Every request `<action>_request` is answered by exactly one `<action>_reply` on the
socket it came in on; protocol/PROTOCOL.md gives the fields of each.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import zmq

from soundloom.protocol.codec import ERROR_REPLY  # noqa: F401  (re-exported: part of the vocabulary)
from soundloom.protocol.errors import ErrorCode, SoundloomError


class Action(str, Enum):
    """One request/reply pair; `Action.GENERATE.request == "generate_request"`."""

    INFO = "info"
    MODELS_LIST = "models_list"
    MODEL_LOAD = "model_load"
    MODEL_UNLOAD = "model_unload"
    GENERATE = "generate"
    INPAINT = "inpaint"
    TRANSFER = "transfer"
    EXTEND = "extend"
    JOB_STATUS = "job_status"
    JOB_RESULT = "job_result"
    CANCEL = "cancel"
    SHUTDOWN = "shutdown"
    PING = "ping"
    FINETUNE = "finetune"
    LIBRARY_PREVIEW = "library_preview"
    ADAPTERS_LIST = "adapters_list"
    ADAPTERS_REMOVE = "adapters_remove"
    EMBED = "embed"

    @property
    def request(self) -> str:
        return f"{self.value}_request"

    @property
    def reply(self) -> str:
        return f"{self.value}_reply"


REQUEST_TYPES = frozenset(a.request for a in Action)
REPLY_TYPES = frozenset(a.reply for a in Action)
REPLY_FOR = {a.request: a.reply for a in Action}
ACTION_FOR = {a.request: a for a in Action}

# Operations that render audio: they become jobs and their replies carry audio buffers.
AUDIO_ACTIONS = frozenset({Action.GENERATE, Action.INPAINT, Action.TRANSFER, Action.EXTEND})
# Answered on the control socket's own thread, even while a job runs. The shell socket
# accepts every action, so a client with only a shell connection can still cancel.
CONTROL_ACTIONS = frozenset({Action.PING, Action.INFO, Action.JOB_STATUS, Action.CANCEL, Action.SHUTDOWN})
SHELL_ACTIONS = frozenset(Action)


class Channel(str, Enum):
    """The four sockets named in the connection file (`<channel>_port`)."""

    SHELL = "shell"
    IOPUB = "iopub"
    CONTROL = "control"
    HB = "hb"


# (engine socket type, client socket type) per channel.
SOCKET_TYPES = {
    Channel.SHELL: (zmq.ROUTER, zmq.DEALER),
    Channel.IOPUB: (zmq.PUB, zmq.SUB),
    Channel.CONTROL: (zmq.ROUTER, zmq.DEALER),
    # A REQ/REP echo from the client's side; the engine echoes with a ROUTER proxied to itself
    # (zmq.proxy runs in C, so heartbeats are answered even when Python is busy).
    Channel.HB: (zmq.ROUTER, zmq.REQ),
}


class Status(str, Enum):
    """`content["status"]` of every reply."""

    OK = "ok"
    ERROR = "error"


class JobState(str, Enum):
    """`state` of a job in job_status replies."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    ERROR = "error"
    CANCELLED = "cancelled"


class Event(str, Enum):
    """msg_type of iopub events; the topic frame of each event is its msg_type."""

    STATUS = "status"  # {"execution_state": "busy" | "idle", "job_id": str | None}
    PROGRESS = "progress"  # {"job_id": str, "step": int, "total": int, "eta_s": float | None[, "loss": float]}
    VALIDATION = "validation"  # {"job_id": str, "step": int, "prompt": str, "audio": descriptor} + buffer


class ExecutionState(str, Enum):
    """`execution_state` of a status event."""

    BUSY = "busy"
    IDLE = "idle"


class Scheduler(str, Enum):
    DDIM = "ddim"
    DPMPP = "dpmpp"
    EULER = "euler"


class Normalize(str, Enum):
    """generate: the level a clip is delivered at (engine.pipelines.level)."""

    PEAK = "peak"  # highest sample at -1 dBFS
    LOUDNESS = "loudness"  # -23 LUFS integrated, its peak at most -1 dBFS
    OFF = "off"  # the model's own output


class Priority(str, Enum):
    INTERACTIVE = "interactive"  # served before any batch job
    BATCH = "batch"


# Request defaults and inclusive ranges of the audio operations (seconds, steps, unitless).
DEFAULTS: dict[str, Any] = {
    "negative_prompt": "",
    "steps": None,  # None: the model's own default (models_list `default_steps`; 25 when its folder names none)
    "guidance": 3.0,
    "seed": None,  # None: the engine draws one and reports it in the reply's metadata
    "variations": 1,
    "scheduler": Scheduler.DPMPP.value,
    "priority": Priority.INTERACTIVE.value,
    "seconds": 5.0,
    "strength": 0.5,
    "adapter_scale": 1.0,
    "tune": True,  # generate: tune a result to the one pitch its prompt names
    "normalize": Normalize.PEAK.value,  # generate: the level each clip is delivered at
}
RANGES: dict[str, tuple[float, float]] = {
    "steps": (1, 1000),
    "guidance": (0.0, 30.0),
    "seed": (0, 2**32 - 1),
    "variations": (1, 16),
    "seconds": (0.5, 60.0),
    "strength": (0.0, 1.0),
    "adapter_scale": (0.0, 2.0),
}
# Fine-tuning request defaults and inclusive ranges.
FINETUNE_DEFAULTS: dict[str, Any] = {
    # steps None: scaled by the library's size (1,000 to 5,000; engine.training.finetune_defaults)
    "steps": None, "rank": 8, "learning_rate": 1e-3, "batch_size": 8, "seed": 0, "mix": False, "convolutions": False,
    "validation_prompts": None, "validate_every": 200, "checkpoint_every": 100, "resume": False,
}
FINETUNE_RANGES: dict[str, tuple[float, float]] = {
    "steps": (1, 100_000), "rank": (1, 128), "learning_rate": (1e-6, 1e-2), "batch_size": (1, 64),
    "seed": (0, 2**32 - 1), "validate_every": (1, 100_000), "checkpoint_every": (1, 100_000),
}
MAX_VALIDATION_PROMPTS = 8
ADAPTER_NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"
MAX_CLIP_SECONDS = 60.0  # no input or output clip may be longer, extend included; inpaint's input excepted:
# an inpainted clip may be a whole take, since inpainting costs what its regions need, not what the clip is long.
MAX_INPAINT_CLIP_SECONDS = 600.0
MAX_INPAINT_AUDIO_SECONDS = MAX_CLIP_SECONDS * RANGES["variations"][1]  # clip length × variations: bounds a reply's size
CROSSFADE_SECONDS = 0.020  # equal-power crossfade inside each inpainted region's edges
MAX_REGIONS = 64  # regions in one inpaint request; regions closer than the crossfade are joined
# Text limits, in characters. The text encoders read far less than a prompt may hold (MiniLM 256
# tokens, CLAP and T5 fewer); the limits keep one request from holding memory and the worker.
MAX_PROMPT_CHARS = 2000  # prompt, negative_prompt, each validation prompt
MAX_TEXT_CHARS = 4096  # any other string field (names, paths, job ids); a path's usual limit
MAX_LIST_ITEMS = 256  # items in any list field (regions and validation prompts have tighter limits)
# embed: texts per request and characters per text (the sentence encoder reads at most 256 tokens).
MAX_EMBED_TEXTS = 256
EMBED_MODEL = "all-MiniLM-L6-v2"
EMBED_DIM = 384
VECTOR_DTYPE = "<f4"  # dtype of the embedding buffer


def error_content(error: SoundloomError) -> dict[str, Any]:
    """The content of an error reply: status, code, field and message — never a traceback."""
    return {"status": Status.ERROR.value, **error.to_dict()}


def error_from_content(content: dict[str, Any]) -> SoundloomError:
    """The SoundloomError an error reply describes; codes this client does not know become `internal`."""
    code = content.get("code")
    known = {c.value for c in ErrorCode}
    message = str(content.get("message", ""))
    if code not in known:
        message = f"{message} (engine code {code!r})"
        code = ErrorCode.INTERNAL
    field = content.get("field")
    return SoundloomError(code, message, field if isinstance(field, str) else None)
