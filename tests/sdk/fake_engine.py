"""A stand-in engine for the SDK tests: real ZeroMQ sockets on 127.0.0.1, answers per PROTOCOL.md (5.4).

It stands in only where the real engine cannot be made to misbehave on cue: dropping and rebinding
a socket mid-request, hanging with its heartbeat silenced, ignoring shutdown, crashing at start-up,
holding replies back, and jobs of hundreds of steps that finish in milliseconds.

It binds a shell ROUTER, an iopub PUB, a control ROUTER and a heartbeat ROUTER echoed by
`zmq.proxy_steerable`, writes a connection file, checks each operation request with the engine's
own validation (the same code the daemon runs, so codes, fields and messages are the engine's) and
renders synthetic audio:

- generate: variation i is a sine of `110 * (i + 1)` Hz at 16 kHz mono, amplitude 0.5;
- transfer: the input times (1 - strength);
- inpaint: the input with every region set to zero;
- extend: the input followed by a 440 Hz sine on every channel.

As in protocol 5.4, buffers go out digested with BLAKE3 unless the request asks otherwise (the
shared codec decides, as in the engine), events always with BLAKE3, and a request that leaves
`steps` out runs the model's `default_steps`, which `models_list` and `info` report.

Run in a thread (`FakeEngine(path).start()`) or as a process:
`python fake_engine.py serve --connection-file PATH [--step-s S] [--delay S] [--crash] [--ignore-shutdown]`.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import zmq

from soundloom.protocol.codec import PROTOCOL_VERSION, Session, attach_audio, extract_audio, reply_type
from soundloom.protocol.connection import ConnectionInfo, new_key, write_connection_file
from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.protocol.messages import CONTROL_ACTIONS, error_content

RATE = 16000
DEFAULT_SEED = 1234  # the seed the fake "draws" when a request has none
DEFAULT_STEPS = 25  # the fake model's own sampling steps, run when a request leaves `steps` out
MODELS = {"fake-model": {"family": "audioldm", "sample_rate": RATE, "channels": 1, "path": "/fake", "base": None,
                         "default_steps": DEFAULT_STEPS, "operations": ["generate", "inpaint", "transfer", "extend"]}}
# Request fields every operation has, besides the sampling settings: where the job runs and how urgent it is.
COMMON = {"model", "prompt", "negative_prompt", "steps", "guidance", "seed", "variations", "scheduler", "priority",
          "adapter_scale"}
CONTROL_TYPES = {action.request for action in CONTROL_ACTIONS}


def sine(seconds: float, frequency: float, rate: int = RATE, channels: int = 1) -> np.ndarray:
    """float32 [channels, round(seconds * rate)] sine of amplitude 0.5."""
    t = np.arange(round(seconds * rate)) / rate
    return np.tile(0.5 * np.sin(2 * np.pi * frequency * t), (channels, 1)).astype(np.float32)


@dataclass
class FakeJob:
    requests: list[dict]  # the request and any repeats of it (same msg_id), each to be answered
    total: int
    step: int = 0
    state: str = "queued"
    reply: tuple[dict, list] | None = None  # (content, buffers) once finished
    waiters: list[dict] = field(default_factory=list)  # job_result requests to answer at the end


class FakeEngine:
    """An engine on real sockets that answers from a thread (or the main thread, as a process)."""

    def __init__(self, connection_file: str | os.PathLike, *, step_s: float = 0.002, curve: bool = False,
                 key: str | None = None, ignore_shutdown: bool = False):
        self.connection_file = Path(connection_file)
        self.step_s = step_s
        self.curve = curve
        self.key = new_key() if key is None else key
        self.ignore_shutdown = ignore_shutdown
        self.session = Session(self.key, username="fake-engine")
        self.received: list[dict] = []  # every request, as received (header, content, audio copies)
        self.replies: list[dict] = []  # every reply sent: (msg_type, parent msg_id)
        self.dropped: list[SoundloomError] = []  # messages that failed the receive checks
        self.jobs: dict[str, FakeJob] = {}
        self.loaded: set[str] = set()
        self.drop_shell_on: str | None = None  # msg_type: close shell unanswered, rebind after 0.3 s
        self.hold_replies = threading.Event()  # set: finish no jobs and answer no model_load
        self._silent = threading.Event()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifetime

    def start(self) -> "FakeEngine":
        # Import the engine's validation (and torch) now: an import that first happened inside the
        # serving thread would hold the interpreter lock for seconds, starving the client's
        # heartbeat thread in this same process until it declared the engine dead.
        import soundloom.engine.engine  # noqa: F401

        self._thread = threading.Thread(target=self.serve, name="fake-engine", daemon=True)
        self._thread.start()
        if not self._ready.wait(60.0):
            raise RuntimeError("fake engine did not start")
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(60.0)

    def hang(self) -> None:
        """Stop answering anything, heartbeat included, while the process lives on (a wedged engine)."""
        self._silent.set()
        self._stop_echo()

    def _stop_echo(self) -> None:
        try:
            self._hb_control.send(b"TERMINATE", zmq.NOBLOCK)
        except zmq.Again:  # already stopped
            pass

    def requests_of(self, msg_type: str) -> list[dict]:
        return [m for m in self.received if m["header"]["msg_type"] == msg_type]

    # ------------------------------------------------------------------ serving

    def serve(self) -> None:
        ctx = zmq.Context()
        sockets = {name: ctx.socket(kind) for name, kind in
                   (("shell", zmq.ROUTER), ("iopub", zmq.PUB), ("control", zmq.ROUTER), ("hb", zmq.ROUTER))}
        public_key = None
        if self.curve:
            public_key, secret_key = zmq.curve_keypair()
            for sock in sockets.values():
                sock.curve_server = True
                sock.curve_secretkey = secret_key
        for sock in sockets.values():
            sock.linger = 0
        ports = {name: sock.bind_to_random_port("tcp://127.0.0.1") for name, sock in sockets.items()}
        self.shell, self.iopub, self.control = sockets["shell"], sockets["iopub"], sockets["control"]
        self._hb_control = ctx.socket(zmq.PAIR)
        self._hb_control.bind(f"inproc://hb-control-{id(self)}")
        proxy_control = ctx.socket(zmq.PAIR)
        proxy_control.connect(f"inproc://hb-control-{id(self)}")
        hb_thread = threading.Thread(target=_echo, args=(sockets["hb"], proxy_control), daemon=True)
        hb_thread.start()
        self._write_connection_file(ports, public_key)
        self._ready.set()
        try:
            self._loop(ports["shell"], ctx)
        finally:
            self._stop_echo()
            hb_thread.join(2.0)
            self.connection_file.unlink(missing_ok=True)
            ctx.destroy(linger=0)

    def _write_connection_file(self, ports: dict[str, int], public_key: bytes | None) -> None:
        info = ConnectionInfo("tcp", "127.0.0.1", ports["shell"], ports["iopub"], ports["control"], ports["hb"],
                              self.key, os.getpid(), curve_server_key=public_key.decode("ascii") if public_key else "")
        write_connection_file(info, self.connection_file)

    def _loop(self, shell_port: int, ctx: zmq.Context) -> None:
        poller = zmq.Poller()
        poller.register(self.shell, zmq.POLLIN)
        poller.register(self.control, zmq.POLLIN)
        next_step = time.monotonic()
        while not self._stop.is_set():
            for sock, _ in poller.poll(timeout=max(1, int(self.step_s * 1000))):
                try:
                    msg = self.session.recv(sock)
                except SoundloomError as exc:  # e.g. a replayed signature: dropped unanswered, as the protocol says
                    self.dropped.append(exc)
                    continue
                if self._silent.is_set():
                    continue
                if sock is self.shell and msg["msg_type"] == self.drop_shell_on:
                    self.drop_shell_on = None
                    self.received.append(_record(msg))
                    poller.unregister(self.shell)
                    self.shell.close(linger=0)
                    time.sleep(0.3)  # long enough for the client to notice the disconnection
                    self.shell = ctx.socket(zmq.ROUTER)
                    self.shell.linger = 0
                    self.shell.bind(f"tcp://127.0.0.1:{shell_port}")
                    poller.register(self.shell, zmq.POLLIN)
                    break
                self._handle(sock, msg)
            if time.monotonic() >= next_step and not self._silent.is_set():
                self._advance()
                next_step = time.monotonic() + self.step_s

    def _reply(self, sock: zmq.Socket, request: dict, content: dict, buffers: list | None = None) -> None:
        self.session.reply(sock, request, content, buffers=buffers or [])
        self.replies.append({"msg_type": reply_type(request["msg_type"]), "parent": request["msg_id"]})

    def _handle(self, sock: zmq.Socket, msg: dict) -> None:
        self.received.append(_record(msg))
        msg_type = msg["msg_type"]
        try:
            if sock is self.control and msg_type not in CONTROL_TYPES:
                raise SoundloomError(ErrorCode.UNKNOWN_MESSAGE_TYPE, f"{msg_type} is not served on control")
            handler = getattr(self, "_on_" + msg_type.removesuffix("_request"), None)
            if handler is None or not msg_type.endswith("_request"):
                raise SoundloomError(ErrorCode.UNKNOWN_MESSAGE_TYPE, f"no handler for {msg_type}")
            content = handler(sock, msg)
        except SoundloomError as exc:
            self._reply(sock, msg, error_content(exc))
            return
        if content is not None:
            self._reply(sock, msg, {"status": "ok", **content})

    # ------------------------------------------------------------------ handlers (None: answered later)

    def _on_ping(self, sock, msg):
        return {}

    def _on_info(self, sock, msg):
        return {"engine_version": "0.0-fake", "protocol_version": PROTOCOL_VERSION, "device": "cpu",
                "dtype": "float32", "default_model": "fake-model", "default_steps": DEFAULT_STEPS,
                "models_loaded": sorted(self.loaded),
                "queue_length": sum(j.state in ("queued", "running") for j in self.jobs.values()), "pid": os.getpid()}

    def _on_models_list(self, sock, msg):
        models = [dict(spec, name=name, loaded=name in self.loaded) for name, spec in MODELS.items()]
        return {"default_model": "fake-model", "models": models}

    def _on_model_load(self, sock, msg):
        name = _model(msg)
        if self.hold_replies.is_set():
            return None  # a load that never finishes
        already = name in self.loaded
        self.loaded.add(name)
        return {"model": name, "load_s": 0.0 if already else 0.25}

    def _on_model_unload(self, sock, msg):
        name = _model(msg)
        unloaded = name in self.loaded
        self.loaded.discard(name)
        return {"model": name, "unloaded": unloaded}

    def _on_shutdown(self, sock, msg):
        for job in self.jobs.values():
            if job.state in ("queued", "running"):
                self._cancel(job)
        if not self.ignore_shutdown:
            self._stop.set()
        return {}

    def _on_job_status(self, sock, msg):
        job = self._job(msg)
        step = job.step if job.state != "queued" else None
        return {"job_id": msg["content"]["job_id"], "action": job.requests[0]["msg_type"].removesuffix("_request"),
                "state": job.state, "position": 0 if job.state == "queued" else None,
                "step": step, "total": job.total if step is not None else None,
                "eta_s": (job.total - job.step) * self.step_s if job.state == "running" else None, "error": None}

    def _on_job_result(self, sock, msg):
        job = self._job(msg)
        if job.reply is None:
            job.waiters.append(msg)
            return None
        self._reply(sock, msg, *job.reply)
        return None

    def _on_cancel(self, sock, msg):
        job = self._job(msg)
        if job.state in ("queued", "running"):
            self._cancel(job)
        return {"job_id": msg["content"]["job_id"], "state": job.state}

    def _on_generate(self, sock, msg):
        return self._queue(msg)

    _on_inpaint = _on_transfer = _on_extend = _on_generate

    # ------------------------------------------------------------------ jobs

    def _queue(self, msg: dict) -> None:
        job = self.jobs.get(msg["msg_id"])
        if job is not None:  # a resent request: answer this copy too, but never run the job twice
            if job.reply is None:
                job.requests.append(msg)
            else:
                self._reply(self.shell, msg, *job.reply)
            return None
        content = _validate(msg)
        steps = _steps(content)
        total = round(content.get("strength", 0.5) * steps) if msg["msg_type"] == "transfer_request" else steps
        self.jobs[msg["msg_id"]] = FakeJob([msg], total)
        return None

    def _advance(self) -> None:
        if self.hold_replies.is_set():
            return
        job = next((j for j in self.jobs.values() if j.state in ("queued", "running")), None)
        if job is None:
            return
        request = job.requests[0]
        if job.state == "queued":
            job.state = "running"
            self.session.publish(self.iopub, "status", {"execution_state": "busy", "job_id": request["msg_id"]},
                                 parent=request["header"])
        if job.step < job.total:
            job.step += 1
            self.session.publish(self.iopub, "progress", {"job_id": request["msg_id"], "step": job.step,
                                 "total": job.total, "eta_s": (job.total - job.step) * self.step_s}, parent=request["header"])
        if job.step >= job.total:
            self._finish(job, ("done",) + _render(request))

    def _cancel(self, job: FakeJob) -> None:
        error = SoundloomError(ErrorCode.CANCELLED, "the job was cancelled")
        self._finish(job, ("cancelled", error_content(error), []))

    def _finish(self, job: FakeJob, outcome: tuple) -> None:
        job.state, content, buffers = outcome
        job.reply = (content, buffers)
        for request in job.requests + job.waiters:
            self._reply(self.shell, request, content, buffers)
        self.session.publish(self.iopub, "status", {"execution_state": "idle", "job_id": job.requests[0]["msg_id"]},
                             parent=job.requests[0]["header"])

    def _job(self, msg: dict) -> FakeJob:
        job_id = msg["content"].get("job_id")
        if job_id not in self.jobs:
            raise SoundloomError(ErrorCode.JOB_NOT_FOUND, f"no job {job_id!r}", "job_id")
        return self.jobs[job_id]


def _echo(hb: zmq.Socket, control: zmq.Socket) -> None:
    # A ROUTER proxied to itself sends every ping straight back to its sender, in C. (Only
    # TERMINATE is used on the control socket: PAUSE does not stop a self-proxy promptly in libzmq 4.3.)
    try:
        zmq.proxy_steerable(hb, hb, None, control)
    except zmq.ContextTerminated:
        pass
    finally:
        hb.close(linger=0)
        control.close(linger=0)


def _record(msg: dict) -> dict:
    """What the tests inspect of a received request: header, metadata (its buffer digests), content, audio copies."""
    audio = []
    if isinstance(msg["content"].get("audio"), dict):
        samples, rate = extract_audio(msg, msg["content"]["audio"])
        audio.append((np.array(samples), rate))
    return {"header": dict(msg["header"]), "metadata": dict(msg["metadata"]), "content": dict(msg["content"]),
            "audio": audio}


def _model(msg: dict) -> str:
    name = msg["content"].get("model")
    if name not in MODELS:
        raise SoundloomError(ErrorCode.MODEL_NOT_FOUND, f"no model named {name!r}", "model")
    return name


def _steps(content: dict) -> int:
    """The steps a request runs: its own, or (left out or null, as 5.4 allows) the model's default."""
    steps = content.get("steps")
    return DEFAULT_STEPS if steps is None else steps


def _validate(msg: dict) -> dict:
    """Check an operation request as the engine does, with the engine's code; returns its content."""
    # Imported here: the engine pulls in torch, which only tests that submit operations need.
    from soundloom.engine.engine import build_request
    from soundloom.daemon.jobs import PRIORITY_RANK

    content = msg["content"]
    fields = {name: value for name, value in content.items() if name not in ("model", "priority")}
    if "sample_rate" in fields:  # on the wire the rate travels inside the audio descriptor
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, "not a field of this request; the rate is part of audio", "sample_rate")
    if "audio" in fields:
        samples, rate = extract_audio(msg, fields["audio"])
        fields["audio"], fields["sample_rate"] = np.array(samples), rate
    if content.get("priority", "interactive") not in PRIORITY_RANK:
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{content['priority']!r}; allowed: {', '.join(PRIORITY_RANK)}", "priority")
    build_request(msg["msg_type"].removesuffix("_request"), fields).validate()
    if "model" in content:
        _model(msg)
    return content


def _render(request: dict) -> tuple[dict, list]:
    """(content, buffers) of the ok reply to an audio request."""
    content = request["content"]
    action = request["msg_type"].removesuffix("_request")
    variations = content.get("variations", 1)
    seed = content.get("seed", DEFAULT_SEED)
    if action == "generate":
        clips = [(sine(content.get("seconds", 5.0), 110 * (i + 1)), RATE) for i in range(variations)]
    else:
        samples, rate = extract_audio(request, content["audio"])
        samples = np.array(samples)
        if action == "transfer":
            out = samples * np.float32(1 - content.get("strength", 0.5))
        elif action == "inpaint":
            out = samples.copy()
            for start, end in content["regions"]:
                out[:, round(start * rate):round(end * rate)] = 0
        else:
            tail = sine(content.get("seconds", 5.0), 440, rate, samples.shape[0])
            out = np.concatenate([samples, tail], axis=1)
        clips = [(out, rate)] * variations
    reply = {"buffers": []}
    descriptors = [attach_audio(reply, samples, rate) for samples, rate in clips]
    metadata = {"operation": action, "prompt": content["prompt"], "negative_prompt": content.get("negative_prompt", ""),
                "seed": seed, "model": content.get("model", "fake-model"), "steps": _steps(content),
                "guidance": content.get("guidance", 3.0), "scheduler": content.get("scheduler", "dpmpp"),
                "variations": variations, "elapsed_s": 0.01}
    for name in ("seconds", "regions", "strength"):
        if name in content:
            metadata[name] = content[name]
    warnings = ["prompt truncated to 77 tokens"] if len(content["prompt"]) > 200 else []
    return ({"status": "ok", "job_id": request["msg_id"], "audio": descriptors, "metadata": metadata,
             "warnings": warnings}, reply["buffers"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("--connection-file", required=True, type=Path)
    parser.add_argument("--step-s", type=float, default=0.002)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds to wait before binding")
    parser.add_argument("--crash", action="store_true", help="fail at start-up, before writing the file")
    parser.add_argument("--ignore-shutdown", action="store_true")
    args = parser.parse_args(argv)
    print(f"fake engine {os.getpid()} starting", flush=True)
    if args.crash:
        print("fake engine: no model could be loaded", file=sys.stderr, flush=True)
        return 3
    time.sleep(args.delay)
    FakeEngine(args.connection_file, step_s=args.step_s, ignore_shutdown=args.ignore_shutdown).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
