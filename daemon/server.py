"""The daemon's transport: shell, iopub, control and heartbeat sockets, and the threads that serve them.

The main thread owns shell and iopub. Control runs on its own thread so ping, info, job_status,
cancel and shutdown answer while a job holds the worker. The heartbeat is a ZeroMQ proxy running
in C, so it echoes even when Python is busy. Replies and events made on other threads reach the
main thread through the outbox.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import zmq

from soundloom.engine.engine import Engine
from soundloom.daemon.idle import IdleClock
from soundloom.daemon.ipc_folder import make_ipc_prefix, remove_ipc_prefix
from soundloom.daemon.jobs import CANCELLED, JobBoard, complete
from soundloom.daemon.outbox import Outbox, Outgoing
from soundloom.daemon.adapters import AdapterStore
from soundloom.daemon.finetune_runner import FinetuneRunner
from soundloom.daemon.registry import ModelRegistry
from soundloom.daemon.results import ResultStore
from soundloom.daemon.service import EngineService
from soundloom.daemon.supervisor import WorkerSupervisor
from soundloom.daemon.worker import Worker
from soundloom.protocol.codec import Session
from soundloom.protocol.connection import (
    ConnectionInfo, connection_path, new_key, read_connection_file, remove_connection_file, write_connection_file,
)
from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.protocol.messages import error_content

log = logging.getLogger("soundloom.daemon")
PRUNE_INTERVAL_S = 3600.0
# ipc sockets in a private folder keep other local users out without encryption; tcp (the only
# choice where the platform has no ipc) is always encrypted with CURVE.
DEFAULT_TRANSPORT = "ipc" if zmq.has("ipc") else "tcp"


@dataclass
class ServerConfig:
    """How the daemon binds and what it allows; sizes in bytes, ages in seconds."""

    transport: str = DEFAULT_TRANSPORT
    ip: str = "127.0.0.1"
    allow_remote: bool = False
    connection_file: Path | None = None
    data_dir: Path = Path(".")
    max_message_bytes: int = 256 * 1024 * 1024
    max_queued_per_client: int = 32
    max_batch_rows: int = 8
    result_max_age_s: float = 7 * 24 * 3600
    models: list[Path] = field(default_factory=list)
    model_roots: list[Path] = field(default_factory=list)
    library_roots: list[Path] = field(default_factory=lambda: [Path.home()])  # folders fine-tuning may read
    idle_timeout_s: float = 0.0  # exit after this long with no work (see daemon/idle.py); 0: never


def _is_loopback(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return ip == "localhost"


class EngineServer:
    """Binds the sockets, writes the connection file, and serves until shut down."""

    def __init__(self, config: ServerConfig, engine: Engine):
        if config.transport == "tcp" and not _is_loopback(config.ip) and not config.allow_remote:
            raise SoundloomError(
                ErrorCode.INVALID_ARGUMENT, f"{config.ip} is not a loopback address; pass --allow-remote to bind it", "ip"
            )
        self.config = config
        self.context = zmq.Context()
        self.session = Session(new_key(), max_message_bytes=config.max_message_bytes)
        self.curve_public = ""
        if config.transport == "tcp":
            # Signing keeps strangers from sending, not from listening: on tcp any local user can
            # subscribe to iopub, so every tcp socket is encrypted, loopback included.
            self.curve_public, self._curve_secret = zmq.curve_keypair()
        self.store = ResultStore(config.data_dir, config.result_max_age_s)
        self.store.prune()
        self.board = JobBoard(config.max_queued_per_client)
        self.outbox = Outbox(self.context)
        self.registry = ModelRegistry(config.models, config.model_roots)
        # A finished fine-tuning job makes its adapter a model variant.
        self.finetuning = FinetuneRunner(self.board, self.outbox, lambda: self.service.refresh_variants(), config.data_dir)
        self.supervisor = WorkerSupervisor(
            lambda: Worker(engine, self.board, self.store, self.outbox, config.max_batch_rows), self.board, self.outbox)
        self.service = EngineService(engine, self.registry, self.board, self.store, self.outbox,
                                     AdapterStore(config.data_dir / "adapters"), self.finetuning, self.supervisor,
                                     config.library_roots)
        self.idle = IdleClock(config.idle_timeout_s, lambda: self.board.queue_length() > 0)
        self._stopped = threading.Event()

    # ------------------------------------------------------------ binding

    def _socket(self, kind: int) -> zmq.Socket:
        socket = self.context.socket(kind)
        socket.linger = 0
        socket.setsockopt(zmq.MAXMSGSIZE, self.config.max_message_bytes)
        if self.curve_public:
            socket.curve_server = True
            socket.curve_secretkey = self._curve_secret
        return socket

    def _bind(self, socket: zmq.Socket, channel: str) -> int:
        if self.config.transport == "ipc":
            number = {"shell": 1, "iopub": 2, "control": 3, "hb": 4}[channel]
            socket.bind(f"ipc://{self._ipc_prefix}-{number}")
            return number
        return socket.bind_to_random_port(f"tcp://{self.config.ip}")

    def start(self) -> ConnectionInfo:
        """Bind everything, start the threads, write the connection file; returns its contents."""
        if self.config.transport == "ipc":
            self._ipc_prefix = make_ipc_prefix(self._connection_target().parent)
        self.shell = self._socket(zmq.ROUTER)
        self.iopub = self._socket(zmq.PUB)
        self.control = self._socket(zmq.ROUTER)
        self.hb = self._socket(zmq.ROUTER)
        ports = {name: self._bind(sock, name) for name, sock in
                 (("shell", self.shell), ("iopub", self.iopub), ("control", self.control), ("hb", self.hb))}
        ip = str(self._ipc_prefix) if self.config.transport == "ipc" else self.config.ip
        self.info = ConnectionInfo(
            transport=self.config.transport, ip=ip, shell_port=ports["shell"], iopub_port=ports["iopub"],
            control_port=ports["control"], hb_port=ports["hb"], key=self.session.key.decode(), pid=os.getpid(),
            curve_server_key=self.curve_public.decode() if self.curve_public else "",
        )
        self._hb_steer = self.context.socket(zmq.PAIR)
        self._hb_steer.bind(f"inproc://hb-steer-{id(self)}")
        self._threads = [
            threading.Thread(target=self._heartbeat, name="soundloom-hb", daemon=True),
            threading.Thread(target=self._serve_control, name="soundloom-control", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        self.supervisor.start()
        self.finetuning.start()
        self.connection_file = write_connection_file(self.info, self._connection_target())
        log.info("engine %d serving; connection file %s", os.getpid(), self.connection_file)
        return self.info

    def _connection_target(self) -> Path:
        return self.config.connection_file or connection_path()

    def _heartbeat(self) -> None:
        steer = self.context.socket(zmq.PAIR)
        steer.connect(f"inproc://hb-steer-{id(self)}")
        try:
            # Echoes every frame back to its sender, in C; "TERMINATE" on `steer` ends it.
            zmq.proxy_steerable(self.hb, self.hb, None, steer)
        except zmq.ContextTerminated:
            pass
        finally:
            steer.close(linger=0)
            self.hb.close(linger=0)

    # ------------------------------------------------------------ serving

    def _receive(self, socket: zmq.Socket) -> dict | None:
        frames = socket.recv_multipart(copy=False)
        try:
            return self.session.deserialize(frames)
        except SoundloomError as exc:
            # An unverifiable sender gets no answer; the log keeps a trace.
            log.warning("dropped a message: %s", exc)
            return None

    def _answer(self, socket: zmq.Socket, msg: dict, reply) -> None:
        content, buffers = reply
        try:
            self.session.reply(socket, msg, content, buffers=buffers)
        except SoundloomError as exc:  # a reply that cannot be sent (too large, unpackable) still gets an answer
            log.warning("could not send the reply to %s: %s", msg["header"]["msg_type"], exc)
            self.session.reply(socket, msg, error_content(SoundloomError(ErrorCode.INTERNAL, f"the reply could not be sent: {exc}")))

    def _serve_one(self, socket: zmq.Socket, channel: str) -> None:
        """Receive, handle and answer one message. Nothing a peer sends may end the loop that calls this."""
        try:
            msg = self._receive(socket)
            if msg is None:
                return
            self.idle.saw(msg["header"]["msg_type"])
            reply = self.service.handle(msg, channel=channel)
            if reply is not None:
                self._answer(socket, msg, reply)
        except zmq.ContextTerminated:
            raise
        except Exception:  # a bug: keep it in the log and keep serving
            log.exception("%s: a message could not be served", channel)

    def _serve_control(self) -> None:
        poller = zmq.Poller()
        poller.register(self.control, zmq.POLLIN)
        try:
            while not self._stopped.is_set():
                if poller.poll(200):
                    self._serve_one(self.control, "control")
        except zmq.ContextTerminated:
            pass
        finally:
            self.control.close(linger=0)

    def _send_outgoing(self, item: Outgoing) -> None:
        if item.waiters is None:
            self.session.publish(self.iopub, item.msg_type, item.content, parent=item.parent, buffers=item.buffers)
            return
        for identities, request in item.waiters:
            self.session.reply(self.shell, dict(request, identities=identities), item.content, buffers=item.buffers)

    def _send_all_outgoing(self) -> None:
        for item in self.outbox.drain():
            try:
                self._send_outgoing(item)
            except (zmq.ZMQError, SoundloomError) as exc:
                log.warning("could not send %s: %s", item.msg_type, exc)

    def serve_forever(self) -> None:
        """Serve until a shutdown request or signal; however the loop ends, the engine stops cleanly."""
        poller = zmq.Poller()
        poller.register(self.shell, zmq.POLLIN)
        poller.register(self.outbox.bell, zmq.POLLIN)
        next_prune = time.monotonic() + PRUNE_INTERVAL_S
        try:
            while not self.service.shutdown_requested.is_set():
                events = dict(poller.poll(500))
                if time.monotonic() > next_prune:
                    next_prune = time.monotonic() + PRUNE_INTERVAL_S
                    log.info("pruned %d old result files", self.store.prune())
                self.supervisor.check()
                if self.shell not in events and self.idle.expired():  # a request that just came is served first
                    log.info("no work for %g s: the engine exits (idle timeout)", self.idle.timeout_s)
                    break
                if self.outbox.bell in events:
                    self._send_all_outgoing()
                if self.shell in events:
                    self._serve_one(self.shell, "shell")
        finally:
            self.stop()

    def _remove_own_connection_file(self) -> None:
        # Another engine may have replaced the file (two launchers raced); leave its file alone.
        try:
            if read_connection_file(self.connection_file).pid != os.getpid():
                return
        except SoundloomError:
            pass
        remove_connection_file(self.connection_file)

    def stop(self) -> None:
        """Cancel what is queued or running, answer its waiters, close sockets, remove the file."""
        if self._stopped.is_set():
            return
        for job in self.board.close():
            complete(self.board, self.outbox, job, error_content(CANCELLED), state="cancelled")
        for job in self.board.unfinished():
            job.cancel_event.set()
        self.supervisor.worker.stopping.set()
        self.supervisor.worker.join(timeout=30)
        self.finetuning.stop()
        self.finetuning.join(timeout=60)  # a training process writes its checkpoint before it exits
        self._send_all_outgoing()
        self._stopped.set()
        self._hb_steer.send(b"TERMINATE")
        for thread in self._threads:
            thread.join(timeout=5)
        self._remove_own_connection_file()
        self.outbox.close()
        self._hb_steer.close(linger=0)
        self.shell.close(linger=200)
        self.iopub.close(linger=200)
        self.context.term()
        if self.config.transport == "ipc":
            remove_ipc_prefix(self._ipc_prefix)
        log.info("engine %d stopped", os.getpid())
