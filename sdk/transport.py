"""The wire under an `AsyncClient`: signed messages over ZeroMQ, replies matched to their requests.

Four sockets: shell (DEALER) for requests and their replies, control (DEALER) for ping, info,
job_status, cancel and shutdown, which the engine answers even while a job runs, iopub (SUB) for
progress events, and the heartbeat (REQ, on a thread of its own, see heartbeat.py). Replies reach
the waiting call by `parent_header.msg_id`; events reach their job by the same key (= job_id).
A request whose reply may have been lost (its socket reconnected) is sent again under its own
msg_id, which the engine answers from its cache.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Protocol

import numpy as np
import zmq
import zmq.asyncio
from zmq.utils.monitor import parse_monitor_message

from soundloom.protocol.codec import Session, extract_audio, iso_utc
from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.protocol.messages import Action, Channel, Event, ExecutionState, Status
from soundloom.sdk.audio import Audio
from soundloom.sdk.errors import ClientClosedError, EngineDiedError, error_for_reply
from soundloom.sdk.heartbeat import Heartbeat
from soundloom.sdk.launcher import EngineFile

log = logging.getLogger("soundloom.sdk")

SHUT_DOWN = "the engine was shut down"  # why a transport whose engine was asked to exit is gone


@dataclass
class Pending:
    """A request waiting for its reply; `msg` is kept so it can be sent again under the same msg_id."""

    future: asyncio.Future
    channel: Channel
    msg: dict[str, Any]


class JobEvents(Protocol):
    """What a followed job is told as its events arrive (AsyncJob implements it)."""

    job_id: str

    def _running(self) -> None: ...
    def _progress(self, step: int, total: int, eta_s: float | None, loss: float | None = None) -> None: ...
    def _validation(self, step: int, prompt: str, audio: Audio) -> None: ...


class Transport:
    """The sockets, signing, pending replies, resends and receive loops of one connection to one engine.

    `open()` connects the sockets (on the running event loop), `watch()` starts the heartbeat once
    the engine has answered, `close()` tears everything down. Once the engine is gone (died, or
    shut down) every pending and later call raises EngineDiedError; once closed, ClientClosedError.
    """

    def __init__(self, engine_file: EngineFile):
        self.engine_file = engine_file
        self.session = Session(engine_file.info.key, signature_scheme=engine_file.info.signature_scheme)
        self.heartbeat: Heartbeat | None = None
        self.gone: str | None = None  # why the engine can no longer answer (died, shut down)
        self.closed = False
        self._pending: dict[str, Pending] = {}
        self._jobs: dict[str, JobEvents] = {}
        self._sockets: dict[Channel, zmq.asyncio.Socket] = {}
        self._tasks: list[asyncio.Task] = []
        self._context: zmq.asyncio.Context | None = None
        self._curve_keys = zmq.curve_keypair() if engine_file.curve_server_key else None

    # ------------------------------------------------------------------ lifetime

    def open(self) -> None:
        """Connect shell, control and iopub and start reading them; call on the event loop that will use them."""
        info = self.engine_file.info
        self._loop = asyncio.get_running_loop()
        self._context = zmq.asyncio.Context()
        for channel, kind in ((Channel.SHELL, zmq.DEALER), (Channel.CONTROL, zmq.DEALER), (Channel.IOPUB, zmq.SUB)):
            sock = self._context.socket(kind)
            sock.linger = 0
            self._secure(sock)
            if kind == zmq.SUB:
                sock.setsockopt(zmq.SUBSCRIBE, b"")
            sock.connect(info.endpoint(channel.value))
            self._sockets[channel] = sock
            self._tasks.append(asyncio.create_task(self._receive(channel, sock)))
            if kind == zmq.DEALER:
                monitor = sock.get_monitor_socket(zmq.EVENT_CONNECTED | zmq.EVENT_DISCONNECTED)
                self._tasks.append(asyncio.create_task(self._resend_on_reconnect(channel, monitor)))

    def watch(self, alive: Callable[[], bool] | None) -> None:
        """Start the heartbeat; `alive` (e.g. a pid check) also counts as a sign of life when given."""
        self.heartbeat = Heartbeat(
            self.engine_file.info.endpoint(Channel.HB.value), self._died_from_thread, alive=alive,
            configure=self._secure,
        ).start()

    async def close(self) -> None:
        """Fail every pending call with ClientClosedError and close the heartbeat, sockets and readers."""
        if self.closed:
            return
        self.closed = True
        if self.heartbeat is not None:
            await asyncio.to_thread(self.heartbeat.stop)
        self._fail_pending(ClientClosedError, "the client was closed")
        # Stop the monitors while their readers are still open: libzmq emits events from its I/O
        # thread under a lock, and an event sent to a closed reader would block there for good.
        for sock in self._sockets.values():
            if sock.type == zmq.DEALER:
                sock.disable_monitor()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._context is not None:  # closes every socket, monitor readers included
            self._context.destroy(linger=0)

    async def shut_down(self) -> None:
        """Record that the engine was asked to exit: later calls raise EngineDiedError, the heartbeat stops."""
        self.engine_gone(SHUT_DOWN)
        if self.heartbeat is not None:
            await asyncio.to_thread(self.heartbeat.stop)

    @property
    def was_shut_down(self) -> bool:
        return self.gone == SHUT_DOWN

    def engine_gone(self, message: str) -> None:
        """The engine can no longer answer: fail every pending call with EngineDiedError(message), once."""
        if self.gone is not None or self.closed:
            return
        self.gone = message
        if message != SHUT_DOWN:
            log.warning("%s", message)
        self._fail_pending(EngineDiedError, message)

    def check_usable(self) -> None:
        if self.closed:
            raise ClientClosedError()
        if self.gone is not None:
            raise EngineDiedError(self.gone)

    def _died_from_thread(self, reason: str) -> None:
        try:
            self._loop.call_soon_threadsafe(self.engine_gone, f"the engine (pid {self.engine_file.info.pid}) died: {reason}")
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            pass

    def _fail_pending(self, error: type[SoundloomError], message: str) -> None:
        for pending in list(self._pending.values()):
            if not pending.future.done():
                pending.future.set_exception(error(message))
        self._pending.clear()

    def _secure(self, sock: zmq.Socket) -> None:
        """CURVE-encrypt `sock` when the engine published a server key (it then listens beyond loopback)."""
        if self._curve_keys is None:
            return
        if not zmq.has("curve"):
            raise SoundloomError(
                ErrorCode.INVALID_ARGUMENT,
                "the engine requires CURVE encryption, which this libzmq build lacks",
                "curve_server_key",
            )
        sock.curve_serverkey = self.engine_file.curve_server_key.encode("ascii")
        sock.curve_publickey, sock.curve_secretkey = self._curve_keys

    # ------------------------------------------------------------------ sending

    def track(self, channel: Channel, msg: dict[str, Any]) -> Pending:
        """Register `msg` as waiting for its reply (before it is sent, so no answer can outrun it)."""
        self.check_usable()
        pending = Pending(self._loop.create_future(), channel, msg)
        self._pending[msg["msg_id"]] = pending
        return pending

    def forget(self, msg_id: str) -> None:
        """Stop waiting for the reply to `msg_id` (a late one is then dropped)."""
        self._pending.pop(msg_id, None)

    async def transmit(self, pending: Pending) -> None:
        try:
            await self.session.send_async(self._sockets[pending.channel], pending.msg)
        except BaseException:
            self.forget(pending.msg["msg_id"])
            raise

    async def send(self, channel: Channel, msg: dict[str, Any]) -> Pending:
        pending = self.track(channel, msg)
        await self.transmit(pending)
        return pending

    async def resend(self, pending: Pending) -> None:
        # Same msg_id so the engine answers from its cache; a fresh date so the signature is new
        # and the engine's replay check does not drop it.
        header = dict(pending.msg["header"], date=iso_utc(datetime.now(timezone.utc)))
        pending.msg = dict(pending.msg, header=header)
        await self.session.send_async(self._sockets[pending.channel], pending.msg)

    async def resend_pending(self) -> int:
        """Send every request still waiting for its reply again, under its own msg_id; returns how many."""
        self.check_usable()
        pending = [p for p in self._pending.values() if not p.future.done()]
        for item in pending:
            await self.resend(item)
        return len(pending)

    async def call(
        self, channel: Channel, action: Action, content: dict[str, Any] | None = None, *, timeout: float | None = None
    ) -> dict[str, Any]:
        """Send a request and return its reply message, whatever its status."""
        msg = self.session.msg(action.request, content)
        pending = await self.send(channel, msg)
        try:
            return await asyncio.wait_for(pending.future, timeout)
        except asyncio.TimeoutError:
            raise TimeoutError(f"no {action.reply} within {timeout:g} s") from None
        finally:
            self.forget(msg["msg_id"])

    async def request(
        self, channel: Channel, action: Action, content: dict[str, Any] | None = None, *, timeout: float | None = None
    ) -> dict[str, Any]:
        """Send a request and return its ok reply's content; an error reply raises its SoundloomError."""
        content = (await self.call(channel, action, content, timeout=timeout))["content"]
        if content.get("status") != Status.OK.value:
            raise error_for_reply(content)
        return content

    def follow(self, job: JobEvents, pending: Pending) -> None:
        """Route iopub events of `job` (keyed by its id) to it until `pending` has its reply."""
        self._jobs[job.job_id] = job
        pending.future.add_done_callback(lambda _: self._jobs.pop(job.job_id, None))

    def unfollow(self, job_id: str) -> None:
        self._jobs.pop(job_id, None)

    # ------------------------------------------------------------------ receiving

    async def _receive(self, channel: Channel, sock: zmq.asyncio.Socket) -> None:
        while True:
            try:
                msg = await self.session.recv_async(sock)
            except SoundloomError as exc:  # not a valid message: drop it, as the protocol says
                log.warning("dropped a message on %s: %s", channel.value, exc)
                continue
            except zmq.ZMQError:  # the socket was closed
                return
            try:
                if channel is Channel.IOPUB:
                    self._on_event(msg)
                else:
                    self._on_reply(msg)
            except Exception:  # one odd message must not stop every later reply from arriving
                log.exception("failed to handle a %s on %s", msg.get("msg_type"), channel.value)

    def _on_reply(self, msg: dict[str, Any]) -> None:
        pending = self._pending.pop(msg["parent_header"].get("msg_id"), None)
        if pending is None:
            # A second answer to a resent request, or one to a call that gave up: nobody waits.
            log.debug("dropped an unclaimed %s", msg["msg_type"])
        elif not pending.future.done():
            pending.future.set_result(msg)

    def _on_event(self, msg: dict[str, Any]) -> None:
        job = self._jobs.get(msg["parent_header"].get("msg_id"))
        if job is None:
            return  # another client's job
        content = msg["content"]
        if msg["msg_type"] == Event.PROGRESS.value:
            step, total = content.get("step"), content.get("total")
            if isinstance(step, int) and isinstance(total, int):
                job._progress(step, total, content.get("eta_s"), content.get("loss"))
        elif msg["msg_type"] == Event.STATUS.value and content.get("execution_state") == ExecutionState.BUSY.value:
            job._running()
        elif msg["msg_type"] == Event.VALIDATION.value:
            _on_validation(job, msg)

    async def _resend_on_reconnect(self, channel: Channel, monitor: zmq.asyncio.Socket) -> None:
        # A reconnected DEALER gets a new routing id, so replies sent to the old one are lost.
        disconnected = False
        while True:
            try:
                event = parse_monitor_message(await monitor.recv_multipart())
            except zmq.ZMQError:  # closed
                return
            if event["event"] == zmq.EVENT_DISCONNECTED:
                disconnected = True
            elif event["event"] == zmq.EVENT_CONNECTED and disconnected:
                disconnected = False
                waiting = [p for p in self._pending.values() if p.channel is channel and not p.future.done()]
                log.info("%s reconnected; resending %d request(s)", channel.value, len(waiting))
                for pending in waiting:
                    await self.resend(pending)


def _on_validation(job: JobEvents, msg: dict[str, Any]) -> None:
    content = msg["content"]
    step, prompt = content.get("step"), content.get("prompt")
    if not isinstance(step, int) or not isinstance(prompt, str):
        log.warning("dropped a validation event of job %s without step or prompt", job.job_id)
        return
    samples, sample_rate = extract_audio(msg, content.get("audio"), "audio")
    metadata = {"operation": "validation", "job_id": job.job_id, "step": step, "prompt": prompt}
    # Copied out of the received frame: the caller may keep or modify it.
    job._validation(step, prompt, Audio(np.array(samples, dtype=np.float32), sample_rate, metadata))
