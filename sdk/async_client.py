"""`AsyncClient`: the asyncio client of a soundloom engine (ZeroMQ + msgpack, protocol/PROTOCOL.md).

Four sockets: shell (DEALER) for requests and their replies, control (DEALER) for ping, info,
job_status, cancel and shutdown, which the engine answers even while a job runs, iopub (SUB) for
progress events, and the heartbeat (REQ, on a thread of its own, see heartbeat.py). Replies reach
the waiting call by `parent_header.msg_id`; events reach their job by the same key (= job_id).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence, Union

import numpy as np
import zmq
import zmq.asyncio
from zmq.utils.monitor import parse_monitor_message

from soundloom.protocol.codec import Session, attach_audio, extract_audio, iso_utc
from soundloom.protocol.connection import connection_path, pid_alive
from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.protocol.messages import Action, Channel, Event, ExecutionState, Status
from soundloom.sdk.audio import Audio
from soundloom.sdk.errors import (
    ClientClosedError,
    EngineDiedError,
    EngineNotFoundError,
    EngineStartError,
    error_for_reply,
)
from soundloom.sdk.heartbeat import Heartbeat
from soundloom.sdk.job import (
    AsyncJob,
    ProgressCallback,
    ResultParser,
    ValidationCallback,
    finetune_result_or_raise,
    is_finetune_reply,
    result_or_raise,
)
from soundloom.sdk.launcher import EngineFile, EngineProcess, read_engine_file

log = logging.getLogger("soundloom.sdk")

AudioInput = Union[Audio, str, os.PathLike, "tuple[np.ndarray, int]"]
PING_RETRY_S = 1.0  # while connecting, an unanswered ping is sent again this often (seconds)
_SHUT_DOWN = "the engine was shut down"
_MAX_CHANNELS = 64  # more "channels" than this is a (samples, channels) array passed the wrong way round


@dataclass
class _Pending:
    """A request waiting for its reply; `msg` is kept so it can be sent again under the same msg_id."""

    future: asyncio.Future
    channel: Channel
    msg: dict[str, Any]


class AsyncClient:
    """Talks to one engine from asyncio code; `await AsyncClient.connect()` makes one.

    Use it as `async with AsyncClient.connect() as client:`. Every method has a blocking
    twin of the same name and signature on `Client`. Times are in seconds, rates in Hz.
    """

    shutdown_grace_s = 10.0  # how long an engine this client started may take to exit after shutdown

    def __init__(self, engine_file: EngineFile, *, engine: EngineProcess | None = None):
        """Prefer `connect()`; this only records where the engine is (`engine`: a process this client started)."""
        self.engine_file = engine_file
        self.session = Session(engine_file.info.key, signature_scheme=engine_file.info.signature_scheme)
        self._engine = engine
        self._pending: dict[str, _Pending] = {}
        self._jobs: dict[str, AsyncJob] = {}
        self._sockets: dict[Channel, zmq.asyncio.Socket] = {}
        self._tasks: list[asyncio.Task] = []
        self._background: set[asyncio.Task] = set()
        self._context: zmq.asyncio.Context | None = None
        self._heartbeat: Heartbeat | None = None
        self._curve_keys = zmq.curve_keypair() if engine_file.curve_server_key else None
        self._gone: str | None = None  # why the engine can no longer answer (died, shut down)
        self._closed = False
        self.models = AsyncModels(self)
        self.adapters = AsyncAdapters(self)

    # ------------------------------------------------------------------ connecting

    @classmethod
    def connect(
        cls,
        connection_file: str | os.PathLike[str] | None = None,
        *,
        start: bool = True,
        timeout: float = 60.0,
        engine_args: Sequence[str] = (),
    ) -> "_Connecting":
        """Connect to the engine of `connection_file` (default: the user's default engine), starting one if needed.

        With `start`, a missing or stale connection file launches
        `python -m soundloom.daemon serve --connection-file PATH *engine_args`, which `close()`
        shuts down again. `timeout` (seconds) bounds launching and the first answered ping.
        Raises EngineNotFoundError (no engine and `start=False`), EngineStartError, EngineDiedError.
        Await the result (`client = await AsyncClient.connect()`) or enter it
        (`async with AsyncClient.connect() as client:`).
        """
        return _Connecting(cls._connect(connection_file, start=start, timeout=timeout, engine_args=engine_args))

    @classmethod
    async def _connect(
        cls,
        connection_file: str | os.PathLike[str] | None,
        *,
        start: bool,
        timeout: float,
        engine_args: Sequence[str],
    ) -> "AsyncClient":
        path = Path(connection_file) if connection_file is not None else connection_path()
        deadline = time.monotonic() + timeout
        engine_file = read_engine_file(path)
        engine = None
        if engine_file is None or engine_file.stale:
            if not start:
                raise EngineNotFoundError(_no_engine_message(path, engine_file))
            engine = EngineProcess.start(path, engine_args)
            try:
                engine_file = await engine.wait_ready(deadline)
            except BaseException:
                await asyncio.to_thread(engine.stop, 0.0)
                raise
            if engine_file.info.pid != engine.pid:
                # Another client launched an engine at the same moment and its file won: use that one.
                await asyncio.to_thread(engine.stop, 0.0)
                engine = None
        client = cls(engine_file, engine=engine)
        try:
            await client._open(deadline, timeout)
        except BaseException:
            await client.close()
            raise
        return client

    async def _open(self, deadline: float, timeout: float) -> None:
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
        await self._first_ping(deadline, timeout)
        self._heartbeat = Heartbeat(
            info.endpoint(Channel.HB.value), self._died_from_thread, alive=self._alive_check(), configure=self._secure
        ).start()

    async def _first_ping(self, deadline: float, timeout: float) -> None:
        # A starting engine may bind after our ping left; resending the same msg_id is harmless.
        msg = self.session.msg(Action.PING.request)
        pending = await self._send(Channel.CONTROL, msg)
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise self._not_answering(timeout)
                await asyncio.wait({pending.future}, timeout=min(PING_RETRY_S, left))
                if pending.future.done():
                    content = pending.future.result()["content"]
                    if content.get("status") != Status.OK.value:
                        raise error_for_reply(content)
                    return
                if self._engine is not None and not self._engine.running():
                    self._engine.ready_file()  # raises EngineStartError with the log's last lines
                await self._resend(pending)
        finally:
            self._pending.pop(msg["msg_id"], None)

    def _not_answering(self, timeout: float) -> SoundloomError:
        info, path = self.engine_file.info, self.engine_file.path
        if self._engine is not None:
            return EngineStartError(
                f"the engine did not answer a ping within {timeout:g} s; its log is {self._engine.log_path}"
            )
        return EngineDiedError(f"the engine of {path} (pid {info.pid}) did not answer a ping within {timeout:g} s")

    def _alive_check(self):
        if self._engine is not None:
            return self._engine.running  # our own child: a pid check would still see it as a zombie
        if self.engine_file.local:
            pid = self.engine_file.info.pid
            return lambda: pid_alive(pid)
        return None  # a remote engine's pid means nothing here

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

    # ------------------------------------------------------------------ lifetime

    def __repr__(self) -> str:
        state = "closed" if self._closed else self._gone or "connected"
        return f"<{type(self).__name__} engine pid {self.engine_file.info.pid} ({self.engine_file.path}): {state}>"

    @property
    def started_engine(self) -> bool:
        """True when this client launched the engine (and so `close()` shuts it down)."""
        return self._engine is not None

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()

    async def close(self) -> None:
        """Disconnect; an engine this client started is shut down (shutdown request, then terminate, then kill)."""
        if self._closed:
            return
        grace = 1.0  # seconds an engine that was not asked to shut down gets before it is terminated
        if self._engine is not None and self._heartbeat is not None and self._gone is None:
            try:
                await self._request(Channel.CONTROL, Action.SHUTDOWN, timeout=5.0)
                grace = self.shutdown_grace_s
            except (SoundloomError, TimeoutError) as exc:
                log.info("shutdown request failed (%s); the engine will be stopped", exc)
        elif self._gone == _SHUT_DOWN:
            grace = self.shutdown_grace_s
        if self._background and self._gone is None:
            await asyncio.wait(self._background, timeout=1.0)  # let cancels of abandoned jobs reach the engine
        self._closed = True
        if self._heartbeat is not None:
            await asyncio.to_thread(self._heartbeat.stop)
        self._fail_pending(ClientClosedError, "the client was closed")
        # Stop the monitors while their readers are still open: libzmq emits events from its I/O
        # thread under a lock, and an event sent to a closed reader would block there for good.
        for sock in self._sockets.values():
            if sock.type == zmq.DEALER:
                sock.disable_monitor()
        for task in (*self._tasks, *self._background):
            task.cancel()
        await asyncio.gather(*self._tasks, *self._background, return_exceptions=True)
        if self._context is not None:  # closes every socket, monitor readers included
            self._context.destroy(linger=0)
        if self._engine is not None:
            await asyncio.to_thread(self._engine.stop, grace)

    async def shutdown(self) -> None:
        """Ask the engine to exit (its running and queued jobs are cancelled); this client is then unusable."""
        await self._request(Channel.CONTROL, Action.SHUTDOWN)
        self._engine_gone(_SHUT_DOWN)
        if self._heartbeat is not None:
            await asyncio.to_thread(self._heartbeat.stop)

    def _died_from_thread(self, reason: str) -> None:
        try:
            self._loop.call_soon_threadsafe(self._engine_gone, f"the engine (pid {self.engine_file.info.pid}) died: {reason}")
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            pass

    def _engine_gone(self, message: str) -> None:
        if self._gone is not None or self._closed:
            return
        self._gone = message
        if message != _SHUT_DOWN:
            log.warning("%s", message)
        self._fail_pending(EngineDiedError, message)

    def _fail_pending(self, error: type[SoundloomError], message: str) -> None:
        for pending in list(self._pending.values()):
            if not pending.future.done():
                pending.future.set_exception(error(message))
        self._pending.clear()

    def _check_usable(self) -> None:
        if self._closed:
            raise ClientClosedError()
        if self._gone is not None:
            raise EngineDiedError(self._gone)

    # ------------------------------------------------------------------ sending and receiving

    def _track(self, channel: Channel, msg: dict[str, Any]) -> _Pending:
        """Register `msg` as waiting for its reply (before it is sent, so no answer can outrun it)."""
        self._check_usable()
        pending = _Pending(self._loop.create_future(), channel, msg)
        self._pending[msg["msg_id"]] = pending
        return pending

    async def _transmit(self, pending: _Pending) -> None:
        try:
            await self.session.send_async(self._sockets[pending.channel], pending.msg)
        except BaseException:
            self._pending.pop(pending.msg["msg_id"], None)
            raise

    async def _send(self, channel: Channel, msg: dict[str, Any]) -> _Pending:
        pending = self._track(channel, msg)
        await self._transmit(pending)
        return pending

    async def _resend(self, pending: _Pending) -> None:
        # Same msg_id so the engine answers from its cache; a fresh date so the signature is new
        # and the engine's replay check does not drop it.
        header = dict(pending.msg["header"], date=iso_utc(datetime.now(timezone.utc)))
        pending.msg = dict(pending.msg, header=header)
        await self.session.send_async(self._sockets[pending.channel], pending.msg)

    async def resend_pending(self) -> int:
        """Send every request still waiting for its reply again, under its own msg_id; returns how many.

        The engine answers a repeated msg_id from its cache (a job is not run twice) and this
        client takes the first answer. Done automatically when a socket reconnects, since replies
        addressed to the old connection are lost.
        """
        self._check_usable()
        pending = [p for p in self._pending.values() if not p.future.done()]
        for item in pending:
            await self._resend(item)
        return len(pending)

    async def _call(
        self, channel: Channel, action: Action, content: dict[str, Any] | None = None, *, timeout: float | None = None
    ) -> dict[str, Any]:
        """Send a request and return its reply message, whatever its status."""
        msg = self.session.msg(action.request, content)
        pending = await self._send(channel, msg)
        try:
            return await asyncio.wait_for(pending.future, timeout)
        except asyncio.TimeoutError:
            raise TimeoutError(f"no {action.reply} within {timeout:g} s") from None
        finally:
            self._pending.pop(msg["msg_id"], None)

    async def _request(
        self, channel: Channel, action: Action, content: dict[str, Any] | None = None, *, timeout: float | None = None
    ) -> dict[str, Any]:
        """Send a request and return its ok reply's content; an error reply raises its SoundloomError."""
        content = (await self._call(channel, action, content, timeout=timeout))["content"]
        if content.get("status") != Status.OK.value:
            raise error_for_reply(content)
        return content

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
            self._on_validation(job, msg)

    @staticmethod
    def _on_validation(job: AsyncJob, msg: dict[str, Any]) -> None:
        content = msg["content"]
        step, prompt = content.get("step"), content.get("prompt")
        if not isinstance(step, int) or not isinstance(prompt, str):
            log.warning("dropped a validation event of job %s without step or prompt", job.job_id)
            return
        samples, sample_rate = extract_audio(msg, content.get("audio"), "audio")
        metadata = {"operation": "validation", "job_id": job.job_id, "step": step, "prompt": prompt}
        # Copied out of the received frame: the caller may keep or modify it.
        job._validation(step, prompt, Audio(np.array(samples, dtype=np.float32), sample_rate, metadata))

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
                    await self._resend(pending)

    # ------------------------------------------------------------------ jobs

    async def _submit(
        self,
        action: Action,
        content: dict[str, Any],
        clip: AudioInput | None,
        on_progress: ProgressCallback | None,
        *,
        parse: ResultParser | None = None,
        on_validation: ValidationCallback | None = None,
    ) -> AsyncJob:
        msg = self.session.msg(action.request, {k: v for k, v in content.items() if v is not None})
        if clip is not None:
            samples, sample_rate = _clip(clip)
            msg["content"]["audio"] = attach_audio(msg, samples, sample_rate)
        pending = self._track(Channel.SHELL, msg)
        job = AsyncJob(
            self, msg["msg_id"], action.value, pending.future,
            single=content.get("variations", 1) == 1, on_progress=on_progress, parse=parse, on_validation=on_validation,
        )
        # Known before the request leaves, so not even its first progress event can be missed.
        self._jobs[job.job_id] = job
        pending.future.add_done_callback(lambda _: self._jobs.pop(job.job_id, None))
        try:
            await self._transmit(pending)
        except BaseException:
            self._jobs.pop(job.job_id, None)
            raise
        return job

    async def _outcome(self, job: AsyncJob, timeout: float | None) -> Audio | list[Audio]:
        """Wait for a job started on the caller's behalf; giving up (timeout, task cancelled) cancels it."""
        try:
            return await job.result(timeout)
        except (TimeoutError, asyncio.CancelledError):
            task = asyncio.ensure_future(self._cancel_quietly(job.job_id))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            raise

    async def _cancel_job(self, job_id: str) -> str:
        return (await self._request(Channel.CONTROL, Action.CANCEL, {"job_id": job_id}))["state"]

    async def _cancel_quietly(self, job_id: str) -> None:
        try:
            await self._cancel_job(job_id)
        except SoundloomError as exc:
            log.debug("cancelling %s: %s", job_id, exc)

    # ------------------------------------------------------------------ audio operations

    async def submit_generate(
        self,
        prompt: str,
        *,
        seconds: float = 5.0,
        negative_prompt: str = "",
        steps: int | None = None,
        guidance: float = 3.0,
        seed: int | None = None,
        variations: int = 1,
        scheduler: str = "dpmpp",
        model: str | None = None,
        priority: str = "interactive",
        adapter_scale: float | None = None,
        tune: bool | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> AsyncJob:
        """Start text-to-audio generation; returns its AsyncJob at once.

        `seconds` is each clip's length (0.5–60 s); `steps` denoising steps (1–1000; None: the
        model's own default, its `default_steps` in `models.list()`); `guidance`
        the classifier-free guidance scale (0–30, ≤ 1 disables it); `seed` 0–2**32−1 (None: the
        engine draws one; variation i uses seed + i); `variations` 1–16 clips; `scheduler` ddim,
        dpmpp or euler; `model` a name from `models.list()` (None: the engine's default), which
        may be a fine-tuned variant `"<base>+<adapter>"`; `adapter_scale` 0–2 is the variant's
        adapter strength (None: the engine's 1.0; 0 gives exactly the base model); `tune` (None:
        the engine's True): when the prompt names one pitch ("C#3", "120 Hz"), a pitched result is
        tuned to it (its metadata then holds `tuned_cents`); `priority` interactive or batch;
        `on_progress(step, total, eta_s)` is called on the client's event loop as steps complete
        (eta in seconds, None while unknown).
        """
        content = _common(prompt, negative_prompt, steps, guidance, seed, variations, scheduler, model, priority,
                          adapter_scale)
        if tune is not None:
            content["tune"] = tune
        return await self._submit(Action.GENERATE, dict(content, seconds=seconds), None, on_progress)

    async def generate(
        self,
        prompt: str,
        *,
        seconds: float = 5.0,
        negative_prompt: str = "",
        steps: int | None = None,
        guidance: float = 3.0,
        seed: int | None = None,
        variations: int = 1,
        scheduler: str = "dpmpp",
        model: str | None = None,
        priority: str = "interactive",
        adapter_scale: float | None = None,
        tune: bool | None = None,
        on_progress: ProgressCallback | None = None,
        timeout: float | None = None,
    ) -> Audio | list[Audio]:
        """Generate audio from a text prompt: an Audio, or a list of them when `variations` > 1.

        Options as in `submit_generate`. `timeout` in seconds (None: as long as the engine lives);
        on timeout the job is cancelled and TimeoutError raised.
        """
        job = await self.submit_generate(
            prompt, seconds=seconds, negative_prompt=negative_prompt, steps=steps, guidance=guidance, seed=seed,
            variations=variations, scheduler=scheduler, model=model, priority=priority,
            adapter_scale=adapter_scale, tune=tune, on_progress=on_progress,
        )
        return await self._outcome(job, timeout)

    async def submit_inpaint(
        self,
        audio: AudioInput,
        prompt: str,
        regions: Sequence[tuple[float, float]],
        *,
        negative_prompt: str = "",
        steps: int | None = None,
        guidance: float = 3.0,
        seed: int | None = None,
        variations: int = 1,
        scheduler: str = "dpmpp",
        model: str | None = None,
        priority: str = "interactive",
        adapter_scale: float | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> AsyncJob:
        """Start regenerating `regions` of a clip; returns its AsyncJob at once.

        `audio` is an Audio, a file path, or a `(samples [channels, samples], sample_rate Hz)`
        tuple; `regions` are `(start_s, end_s)` pairs in seconds. Everything outside them comes
        back bit-identical. Other options as in `submit_generate`.
        """
        content = _common(prompt, negative_prompt, steps, guidance, seed, variations, scheduler, model, priority,
                          adapter_scale)
        content["regions"] = [[float(start), float(end)] for start, end in regions]
        return await self._submit(Action.INPAINT, content, audio, on_progress)

    async def inpaint(
        self,
        audio: AudioInput,
        prompt: str,
        regions: Sequence[tuple[float, float]],
        *,
        negative_prompt: str = "",
        steps: int | None = None,
        guidance: float = 3.0,
        seed: int | None = None,
        variations: int = 1,
        scheduler: str = "dpmpp",
        model: str | None = None,
        priority: str = "interactive",
        adapter_scale: float | None = None,
        on_progress: ProgressCallback | None = None,
        timeout: float | None = None,
    ) -> Audio | list[Audio]:
        """Regenerate `regions` (seconds) of a clip after a prompt; options as in `submit_inpaint`, `timeout` as in `generate`."""
        job = await self.submit_inpaint(
            audio, prompt, regions, negative_prompt=negative_prompt, steps=steps, guidance=guidance, seed=seed,
            variations=variations, scheduler=scheduler, model=model, priority=priority,
            adapter_scale=adapter_scale, on_progress=on_progress,
        )
        return await self._outcome(job, timeout)

    async def submit_transfer(
        self,
        audio: AudioInput,
        prompt: str,
        strength: float = 0.5,
        *,
        negative_prompt: str = "",
        steps: int | None = None,
        guidance: float = 3.0,
        seed: int | None = None,
        variations: int = 1,
        scheduler: str = "dpmpp",
        model: str | None = None,
        priority: str = "interactive",
        adapter_scale: float | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> AsyncJob:
        """Start re-rendering a clip towards a prompt; returns its AsyncJob at once.

        `strength` 0–1: how much of the reverse diffusion runs (0 keeps the clip, 1 ignores it;
        round(strength × steps) steps run). `audio` as in `submit_inpaint`; other options as in
        `submit_generate`.
        """
        content = _common(prompt, negative_prompt, steps, guidance, seed, variations, scheduler, model, priority,
                          adapter_scale)
        return await self._submit(Action.TRANSFER, dict(content, strength=strength), audio, on_progress)

    async def transfer(
        self,
        audio: AudioInput,
        prompt: str,
        strength: float = 0.5,
        *,
        negative_prompt: str = "",
        steps: int | None = None,
        guidance: float = 3.0,
        seed: int | None = None,
        variations: int = 1,
        scheduler: str = "dpmpp",
        model: str | None = None,
        priority: str = "interactive",
        adapter_scale: float | None = None,
        on_progress: ProgressCallback | None = None,
        timeout: float | None = None,
    ) -> Audio | list[Audio]:
        """Re-render a clip towards a prompt (style transfer); options as in `submit_transfer`, `timeout` as in `generate`."""
        job = await self.submit_transfer(
            audio, prompt, strength, negative_prompt=negative_prompt, steps=steps, guidance=guidance, seed=seed,
            variations=variations, scheduler=scheduler, model=model, priority=priority,
            adapter_scale=adapter_scale, on_progress=on_progress,
        )
        return await self._outcome(job, timeout)

    async def submit_extend(
        self,
        audio: AudioInput,
        prompt: str,
        seconds: float = 5.0,
        *,
        negative_prompt: str = "",
        steps: int | None = None,
        guidance: float = 3.0,
        seed: int | None = None,
        variations: int = 1,
        scheduler: str = "dpmpp",
        model: str | None = None,
        priority: str = "interactive",
        adapter_scale: float | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> AsyncJob:
        """Start continuing a clip past its end by `seconds` (≥ 0.5 s; 60 s in all); returns its AsyncJob at once.

        The result is the input, bit-identical, followed by the new material. `audio` as in
        `submit_inpaint`; other options as in `submit_generate`.
        """
        content = _common(prompt, negative_prompt, steps, guidance, seed, variations, scheduler, model, priority,
                          adapter_scale)
        return await self._submit(Action.EXTEND, dict(content, seconds=seconds), audio, on_progress)

    async def extend(
        self,
        audio: AudioInput,
        prompt: str,
        seconds: float = 5.0,
        *,
        negative_prompt: str = "",
        steps: int | None = None,
        guidance: float = 3.0,
        seed: int | None = None,
        variations: int = 1,
        scheduler: str = "dpmpp",
        model: str | None = None,
        priority: str = "interactive",
        adapter_scale: float | None = None,
        on_progress: ProgressCallback | None = None,
        timeout: float | None = None,
    ) -> Audio | list[Audio]:
        """Continue a clip past its end by `seconds`; options as in `submit_extend`, `timeout` as in `generate`."""
        job = await self.submit_extend(
            audio, prompt, seconds, negative_prompt=negative_prompt, steps=steps, guidance=guidance, seed=seed,
            variations=variations, scheduler=scheduler, model=model, priority=priority,
            adapter_scale=adapter_scale, on_progress=on_progress,
        )
        return await self._outcome(job, timeout)

    # ------------------------------------------------------------------ fine-tuning

    async def library_preview(self, folder: str | os.PathLike[str]) -> dict[str, Any]:
        """What fine-tuning on `folder` would use, before any training: root (the folder, resolved),
        clips (each path relative to root, caption, caption_source "sidecar" or "names", seconds,
        sample_rate, channels), skipped (path and reason) and total_seconds.

        The folder must be inside one of the engine's library roots (else path_not_allowed); it is
        only read. `~` is expanded and relative paths are taken from this process's working folder.
        """
        content = await self._request(Channel.SHELL, Action.LIBRARY_PREVIEW, {"folder": library_path(folder)})
        return _without_status(content)

    async def finetune(
        self,
        folder: str | os.PathLike[str],
        *,
        name: str,
        model: str | None = None,
        steps: int | None = None,
        rank: int | None = None,
        learning_rate: float | None = None,
        batch_size: int | None = None,
        seed: int | None = None,
        mix: bool | None = None,
        convolutions: bool | None = None,
        validation_prompts: Sequence[str] | None = None,
        validate_every: int | None = None,
        checkpoint_every: int | None = None,
        resume: bool = False,
        on_progress: ProgressCallback | None = None,
        on_validation: ValidationCallback | None = None,
    ) -> AsyncJob:
        """Start training a LoRA adapter `name` on the sample library in `folder`; returns its AsyncJob at once.

        `folder` as in `library_preview`. `model` is the base model (None: the engine's default);
        `steps` optimiser steps in all (1–100000, engine default 600; with `resume` the total to
        reach); `rank` 1–128 (8); `learning_rate` 1e-6–1e-2 (1e-4); `batch_size` 1–64 (4); `seed`
        0–2**32−1 (0); `mix` mixes pairs of clips as augmentation; `convolutions` also adapts the
        UNet's convolutions; `validation_prompts` 0–8 prompts rendered every `validate_every` steps
        (None: up to two library captions; [] renders none); `checkpoint_every` steps between
        checkpoints (100); `resume` continues adapter `name` from its last checkpoint. Options left
        at None are not sent, so the engine's defaults apply.

        `on_progress(step, total, eta_s)` counts optimiser steps, and `job.loss` holds the latest
        running-mean loss; `on_validation(step, prompt, audio)` gets each validation render (also
        kept in `job.validations`). Both run on the client's event loop. The job's result is a dict:
        job_id, adapter, model (the variant `"<base>+<adapter>"` to use in requests), steps, loss,
        elapsed_s. Cancelling keeps the last checkpoint, so the same call with `resume=True`
        continues it.
        """
        content = finetune_content(
            folder, name=name, model=model, steps=steps, rank=rank, learning_rate=learning_rate,
            batch_size=batch_size, seed=seed, mix=mix, convolutions=convolutions,
            validation_prompts=validation_prompts, validate_every=validate_every,
            checkpoint_every=checkpoint_every, resume=resume,
        )
        return await self._submit(
            Action.FINETUNE, content, None, on_progress, parse=finetune_result_or_raise, on_validation=on_validation
        )

    # ------------------------------------------------------------------ text embeddings

    async def embed(self, texts: Sequence[str], timeout: float | None = 120.0) -> np.ndarray:
        """Sentence embeddings of 1–256 `texts` (each at most 2,000 characters) from the engine's text
        encoder (all-MiniLM-L6-v2): float32 [len(texts), 384], each row L2-normalised, so a dot
        product is the cosine. The first call loads the encoder (seconds); `timeout` in seconds."""
        texts = [texts] if isinstance(texts, str) else list(texts)
        reply = await self._call(Channel.SHELL, Action.EMBED, {"texts": texts}, timeout=timeout)
        if reply["content"].get("status") != Status.OK.value:
            raise error_for_reply(reply["content"])
        return vectors_of(reply, len(texts))

    # ------------------------------------------------------------------ engine and jobs

    async def ping(self, timeout: float | None = 10.0) -> float:
        """Round-trip time of a signed ping on the control channel, in seconds."""
        started = time.perf_counter()
        await self._request(Channel.CONTROL, Action.PING, timeout=timeout)
        return time.perf_counter() - started

    async def info(self) -> dict[str, Any]:
        """The engine's description: engine_version, protocol_version, device, default_model,
        models_loaded, queue_length (jobs queued plus running), pid."""
        return _without_status(await self._request(Channel.CONTROL, Action.INFO))

    async def job_status(self, job_id: str) -> dict[str, Any]:
        """A job's state: job_id, action, state, position (queued), step/total, eta_s (seconds), error."""
        return _without_status(await self._request(Channel.CONTROL, Action.JOB_STATUS, {"job_id": job_id}))

    async def job_result(self, job_id: str, timeout: float | None = None) -> Audio | list[Audio] | dict[str, Any]:
        """The outcome of a job, waiting for it to finish; for a client that lost the original reply.

        Returns an Audio when the job made one variation, else a list; for a fine-tuning job, the
        dict its `result()` gives. `timeout` in seconds. Raises the job's error,
        JobCancelledError, or job_not_found for a forgotten id.
        """
        reply = await self._call(Channel.SHELL, Action.JOB_RESULT, {"job_id": job_id}, timeout=timeout)
        if is_finetune_reply(reply):
            return finetune_result_or_raise(reply)
        return result_or_raise(reply)


class _Connecting:
    """What `AsyncClient.connect()` returns: await it for a client, or use it in `async with`."""

    def __init__(self, connecting: Any):
        self._connecting = connecting
        self._client: AsyncClient | None = None

    def __await__(self):
        return self._connecting.__await__()

    async def __aenter__(self) -> AsyncClient:
        self._client = await self._connecting
        return self._client

    async def __aexit__(self, *exc_info: Any) -> None:
        await self._client.close()


class AsyncModels:
    """`client.models`: list, load and unload the engine's models."""

    def __init__(self, client: AsyncClient):
        self._client = client

    async def list(self) -> list[dict[str, Any]]:
        """Every model the engine knows: name, family, sample_rate (Hz), channels, loaded, path, base,
        default_steps (the sampling steps a request that leaves `steps` unset runs)."""
        content = await self._client._request(Channel.SHELL, Action.MODELS_LIST)
        return list(content.get("models", []))

    async def load(self, name: str) -> float:
        """Load a model into memory (to warm it up); returns the load time in seconds (0 if already loaded)."""
        content = await self._client._request(Channel.SHELL, Action.MODEL_LOAD, {"model": name})
        return float(content.get("load_s", 0.0))

    async def unload(self, name: str) -> bool:
        """Free a model's memory; returns False when it was not loaded."""
        content = await self._client._request(Channel.SHELL, Action.MODEL_UNLOAD, {"model": name})
        return bool(content.get("unloaded"))


class AsyncAdapters:
    """`client.adapters`: list and remove the engine's fine-tuned adapters (`finetune` makes them)."""

    def __init__(self, client: AsyncClient):
        self._client = client

    async def list(self) -> list[dict[str, Any]]:
        """Every adapter: name, base, model (the variant name for requests), state (ready, training,
        or partial: stopped early and resumable), steps, rank, clips, created (ISO 8601 UTC), path."""
        content = await self._client._request(Channel.SHELL, Action.ADAPTERS_LIST)
        return list(content.get("adapters", []))

    async def remove(self, name: str) -> bool:
        """Delete an adapter from the engine's data folder (never anything in the library); returns True.

        Raises adapter_not_found, or adapter_busy while a fine-tuning job trains it.
        """
        content = await self._client._request(Channel.SHELL, Action.ADAPTERS_REMOVE, {"name": name})
        return bool(content.get("removed"))


# ---------------------------------------------------------------------- request building


def library_path(folder: str | os.PathLike[str]) -> str:
    """`folder` as the absolute, resolved path the engine needs: a relative path means nothing to a
    daemon with its own working folder, and resolving here names the same folder the user sees."""
    return str(Path(folder).expanduser().resolve())


def finetune_content(
    folder: str | os.PathLike[str],
    *,
    name: str,
    model: str | None = None,
    steps: int | None = None,
    rank: int | None = None,
    learning_rate: float | None = None,
    batch_size: int | None = None,
    seed: int | None = None,
    mix: bool | None = None,
    convolutions: bool | None = None,
    validation_prompts: Sequence[str] | None = None,
    validate_every: int | None = None,
    checkpoint_every: int | None = None,
    resume: bool = False,
) -> dict[str, Any]:
    """A finetune request's content: only the options given, so the engine's defaults apply to the rest."""
    content = {
        "folder": library_path(folder),
        "name": name,
        "model": model,
        "steps": steps,
        "rank": rank,
        "learning_rate": learning_rate,
        "batch_size": batch_size,
        "seed": seed,
        "mix": mix,
        "convolutions": convolutions,
        "validation_prompts": _prompts(validation_prompts),
        "validate_every": validate_every,
        "checkpoint_every": checkpoint_every,
        "resume": True if resume else None,
    }
    return {key: value for key, value in content.items() if value is not None}


def _common(
    prompt, negative_prompt, steps, guidance, seed, variations, scheduler, model, priority, adapter_scale=None
) -> dict[str, Any]:
    """The fields every audio operation shares; those left at None are omitted so engine defaults apply."""
    return {
        "prompt": prompt,
        "negative_prompt": negative_prompt,
        "steps": steps,
        "guidance": guidance,
        "seed": seed,
        "variations": variations,
        "scheduler": scheduler,
        "model": model,
        "priority": priority,
        "adapter_scale": adapter_scale,
    }


def _clip(audio: AudioInput) -> tuple[np.ndarray, int]:
    """(float32 samples [channels, samples], sample_rate Hz) of an Audio, a file path, or a (samples, rate) tuple.

    The samples are copied, so the caller may change their array while the request is in flight.
    """
    if isinstance(audio, (str, os.PathLike)):
        audio = Audio.load(audio)
    if isinstance(audio, Audio):
        samples, sample_rate = audio.samples, audio.sample_rate
    elif isinstance(audio, tuple) and len(audio) == 2:
        samples, sample_rate = audio
    else:
        raise SoundloomError(
            ErrorCode.INVALID_ARGUMENT,
            f"expected an Audio, a file path or a (samples, sample_rate) tuple, got {type(audio).__name__}",
            "audio",
        )
    samples = np.array(samples, dtype=np.float32, order="C")
    if samples.ndim == 2 and samples.shape[0] > _MAX_CHANNELS:
        raise SoundloomError(
            ErrorCode.INVALID_ARGUMENT,
            f"shape {samples.shape} has {samples.shape[0]} channels; samples are [channels, samples] "
            "(transpose a soundfile-style [samples, channels] array)",
            "audio",
        )
    return samples, sample_rate


def _prompts(prompts: Sequence[str] | None) -> list[str] | None:
    # An empty list is meaningful (render nothing), so only None is left out; a lone string is one
    # prompt, not a sequence of one-letter prompts.
    if prompts is None:
        return None
    return [prompts] if isinstance(prompts, str) else list(prompts)


def vectors_of(reply: dict[str, Any], count: int) -> np.ndarray:
    """The float32 [count, dim] matrix an embed reply's `vectors` descriptor points at (a copy)."""
    descriptor = reply["content"].get("vectors")
    buffers = reply.get("buffers") or []
    shape = descriptor.get("shape") if isinstance(descriptor, dict) else None
    index = descriptor.get("buffer") if isinstance(descriptor, dict) else None
    valid = (isinstance(index, int) and 0 <= index < len(buffers) and descriptor.get("dtype") == "<f4"
             and isinstance(shape, list) and len(shape) == 2 and shape[0] == count
             and all(isinstance(n, int) and n > 0 for n in shape))
    if not valid or memoryview(buffers[index]).nbytes != shape[0] * shape[1] * 4:
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"the engine sent a malformed vectors descriptor {descriptor!r}",
                             "vectors")
    return np.frombuffer(memoryview(buffers[index]), dtype="<f4").reshape(shape).copy()


def _without_status(content: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in content.items() if key != "status"}


def _no_engine_message(path: Path, engine_file: EngineFile | None) -> str:
    if engine_file is None:
        state = f"{path} does not exist"
    else:
        state = f"{path} names pid {engine_file.info.pid}, which has exited (a stale file)"
    return (
        f"no engine is running: {state}; start one with `python -m soundloom.daemon serve` "
        "or connect with start=True"
    )
