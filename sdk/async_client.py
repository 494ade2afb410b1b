"""`AsyncClient`: the asyncio client of a soundloom engine, its public operations API.

The wire itself (sockets, signing, pending replies, resends, the receive loops, the heartbeat)
is the Transport's (transport.py); finding or launching the engine is connecting.py's; request
content is built by request_fields.py and replies are read by replies.py. This module only says
what each operation sends and what it returns.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Any, Sequence

import numpy as np

from soundloom.protocol.codec import Session, attach_audio
from soundloom.protocol.errors import SoundloomError
from soundloom.protocol.messages import Action, Channel
from soundloom.sdk.audio import Audio
from soundloom.sdk.connecting import (
    Connecting,
    alive_check,
    connection_file_path,
    find_engine,
    wait_for_answer,
)
from soundloom.sdk.job import AsyncJob, ProgressCallback, ResultParser, ValidationCallback
from soundloom.sdk.launcher import EngineFile, EngineProcess
from soundloom.sdk.replies import (
    finetune_result_or_raise,
    is_finetune_reply,
    result_or_raise,
    vectors_or_raise,
    without_status,
)
from soundloom.sdk.request_fields import (  # noqa: F401  (AudioInput, finetune_content, library_path: re-exported)
    AudioInput,
    clip_samples,
    finetune_content,
    library_path,
    operation_fields,
)
from soundloom.sdk.transport import Transport

log = logging.getLogger("soundloom.sdk")


class AsyncClient:
    """Talks to one engine from asyncio code; `await AsyncClient.connect()` makes one.

    Use it as `async with AsyncClient.connect() as client:`. Every method has a blocking
    twin of the same name and signature on `Client`. Times are in seconds, rates in Hz.
    """

    shutdown_grace_s = 10.0  # how long an engine this client started may take to exit after shutdown

    def __init__(self, engine_file: EngineFile, *, engine: EngineProcess | None = None):
        """Prefer `connect()`; this only records where the engine is (`engine`: a process this client started)."""
        self.engine_file = engine_file
        self._transport = Transport(engine_file)
        self._engine = engine
        self._background: set[asyncio.Task] = set()  # cancels of jobs whose caller gave up
        self.models = AsyncModels(self._transport)
        self.adapters = AsyncAdapters(self._transport)

    @property
    def session(self) -> Session:
        """The signing codec session this client's messages are made and checked with."""
        return self._transport.session

    # ------------------------------------------------------------------ connecting

    @classmethod
    def connect(
        cls,
        connection_file: str | os.PathLike[str] | None = None,
        *,
        start: bool = True,
        timeout: float = 60.0,
        engine_args: Sequence[str] = (),
    ) -> Connecting:
        """Connect to the engine of `connection_file` (default: the user's default engine), starting one if needed.

        With `start`, a missing or stale connection file launches
        `python -m soundloom.daemon serve --connection-file PATH *engine_args`. That engine stays
        up for the next client until its idle timeout (the idle_timeout setting); launched with
        idle timeout 0 it is this client's own, and `close()` shuts it down (`started_engine`).
        `timeout` (seconds) bounds launching and the first answered ping.
        Raises EngineNotFoundError (no engine and `start=False`), EngineStartError, EngineDiedError.
        Await the result (`client = await AsyncClient.connect()`) or enter it
        (`async with AsyncClient.connect() as client:`).
        """
        return Connecting(cls._connect(connection_file, start=start, timeout=timeout, engine_args=engine_args))

    @classmethod
    async def _connect(
        cls,
        connection_file: str | os.PathLike[str] | None,
        *,
        start: bool,
        timeout: float,
        engine_args: Sequence[str],
    ) -> "AsyncClient":
        deadline = time.monotonic() + timeout
        engine_file, engine = await find_engine(
            connection_file_path(connection_file), start=start, deadline=deadline, engine_args=engine_args
        )
        client = cls(engine_file, engine=engine)
        try:
            await client._open(deadline, timeout)
        except BaseException:
            await client.close()
            raise
        return client

    async def _open(self, deadline: float, timeout: float) -> None:
        self._transport.open()
        await wait_for_answer(self._transport, self._engine, deadline, timeout)
        self._transport.watch(alive_check(self.engine_file, self._engine))

    # ------------------------------------------------------------------ lifetime

    def __repr__(self) -> str:
        transport = self._transport
        state = "closed" if transport.closed else transport.gone or "connected"
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
        transport = self._transport
        if transport.closed:
            return
        grace = 1.0  # seconds an engine that was not asked to shut down gets before it is terminated
        if self._engine is not None and transport.heartbeat is not None and transport.gone is None:
            try:
                await transport.request(Channel.CONTROL, Action.SHUTDOWN, timeout=5.0)
                grace = self.shutdown_grace_s
            except (SoundloomError, TimeoutError) as exc:
                log.info("shutdown request failed (%s); the engine will be stopped", exc)
        elif transport.was_shut_down:
            grace = self.shutdown_grace_s
        if self._background and transport.gone is None:
            await asyncio.wait(self._background, timeout=1.0)  # let cancels of abandoned jobs reach the engine
        for task in self._background:
            task.cancel()
        await transport.close()
        await asyncio.gather(*self._background, return_exceptions=True)
        if self._engine is not None:
            await asyncio.to_thread(self._engine.stop, grace)

    async def shutdown(self) -> None:
        """Ask the engine to exit (its running and queued jobs are cancelled); this client is then unusable."""
        await self._transport.request(Channel.CONTROL, Action.SHUTDOWN)
        await self._transport.shut_down()

    async def resend_pending(self) -> int:
        """Send every request still waiting for its reply again, under its own msg_id; returns how many.

        The engine answers a repeated msg_id from its cache (a job is not run twice) and this
        client takes the first answer. Done automatically when a socket reconnects, since replies
        addressed to the old connection are lost.
        """
        return await self._transport.resend_pending()

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
            samples, sample_rate = clip_samples(clip)
            msg["content"]["audio"] = attach_audio(msg, samples, sample_rate)
        pending = self._transport.track(Channel.SHELL, msg)
        job = AsyncJob(
            self, msg["msg_id"], action.value, pending.future,
            single=content.get("variations", 1) == 1, on_progress=on_progress, parse=parse, on_validation=on_validation,
        )
        # Followed before the request leaves, so not even its first progress event can be missed.
        self._transport.follow(job, pending)
        try:
            await self._transport.transmit(pending)
        except BaseException:
            self._transport.unfollow(job.job_id)
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
        return (await self._transport.request(Channel.CONTROL, Action.CANCEL, {"job_id": job_id}))["state"]

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
        normalize: str | None = None,
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
        tuned to it (its metadata then holds `tuned_cents`); `normalize` (None: the engine's "peak")
        the level each clip is delivered at: "peak" (-1 dBFS), "loudness" (-23 LUFS, its peak at
        most -1 dBFS) or "off" (the model's own; the gain applied is the metadata's `gain_db`);
        `priority` interactive or batch;
        `on_progress(step, total, eta_s)` is called on the client's event loop as steps complete
        (eta in seconds, None while unknown).
        """
        content = operation_fields(prompt, negative_prompt, steps, guidance, seed, variations, scheduler, model, priority,
                          adapter_scale)
        if tune is not None:
            content["tune"] = tune
        if normalize is not None:
            content["normalize"] = normalize
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
        normalize: str | None = None,
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
            adapter_scale=adapter_scale, tune=tune, normalize=normalize, on_progress=on_progress,
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
        content = operation_fields(prompt, negative_prompt, steps, guidance, seed, variations, scheduler, model, priority,
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
        content = operation_fields(prompt, negative_prompt, steps, guidance, seed, variations, scheduler, model, priority,
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
        content = operation_fields(prompt, negative_prompt, steps, guidance, seed, variations, scheduler, model, priority,
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
        content = await self._transport.request(Channel.SHELL, Action.LIBRARY_PREVIEW, {"folder": library_path(folder)})
        return without_status(content)

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
        reply = await self._transport.call(Channel.SHELL, Action.EMBED, {"texts": texts}, timeout=timeout)
        return vectors_or_raise(reply, len(texts))

    # ------------------------------------------------------------------ engine and jobs

    async def ping(self, timeout: float | None = 10.0) -> float:
        """Round-trip time of a signed ping on the control channel, in seconds."""
        started = time.perf_counter()
        await self._transport.request(Channel.CONTROL, Action.PING, timeout=timeout)
        return time.perf_counter() - started

    async def info(self) -> dict[str, Any]:
        """The engine's description: engine_version, protocol_version, device, default_model,
        models_loaded, queue_length (jobs queued plus running), pid."""
        return without_status(await self._transport.request(Channel.CONTROL, Action.INFO))

    async def job_status(self, job_id: str) -> dict[str, Any]:
        """A job's state: job_id, action, state, position (queued), step/total, eta_s (seconds), error."""
        return without_status(await self._transport.request(Channel.CONTROL, Action.JOB_STATUS, {"job_id": job_id}))

    async def job_result(self, job_id: str, timeout: float | None = None) -> Audio | list[Audio] | dict[str, Any]:
        """The outcome of a job, waiting for it to finish; for a client that lost the original reply.

        Returns an Audio when the job made one variation, else a list; for a fine-tuning job, the
        dict its `result()` gives. `timeout` in seconds. Raises the job's error,
        JobCancelledError, or job_not_found for a forgotten id.
        """
        reply = await self._transport.call(Channel.SHELL, Action.JOB_RESULT, {"job_id": job_id}, timeout=timeout)
        if is_finetune_reply(reply):
            return finetune_result_or_raise(reply)
        return result_or_raise(reply)


class AsyncModels:
    """`client.models`: list, load and unload the engine's models."""

    def __init__(self, transport: Transport):
        self._transport = transport

    async def list(self) -> list[dict[str, Any]]:
        """Every model the engine knows: name, family, sample_rate (Hz), channels, loaded, path, base,
        default_steps (the sampling steps a request that leaves `steps` unset runs)."""
        content = await self._transport.request(Channel.SHELL, Action.MODELS_LIST)
        return list(content.get("models", []))

    async def load(self, name: str) -> float:
        """Load a model into memory (to warm it up); returns the load time in seconds (0 if already loaded)."""
        content = await self._transport.request(Channel.SHELL, Action.MODEL_LOAD, {"model": name})
        return float(content.get("load_s", 0.0))

    async def unload(self, name: str) -> bool:
        """Free a model's memory; returns False when it was not loaded."""
        content = await self._transport.request(Channel.SHELL, Action.MODEL_UNLOAD, {"model": name})
        return bool(content.get("unloaded"))


class AsyncAdapters:
    """`client.adapters`: list and remove the engine's fine-tuned adapters (`finetune` makes them)."""

    def __init__(self, transport: Transport):
        self._transport = transport

    async def list(self) -> list[dict[str, Any]]:
        """Every adapter: name, base, model (the variant name for requests), state (ready, training,
        or partial: stopped early and resumable), steps, rank, clips, created (ISO 8601 UTC), path."""
        content = await self._transport.request(Channel.SHELL, Action.ADAPTERS_LIST)
        return list(content.get("adapters", []))

    async def remove(self, name: str) -> bool:
        """Delete an adapter from the engine's data folder (never anything in the library); returns True.

        Raises adapter_not_found, or adapter_busy while a fine-tuning job trains it.
        """
        content = await self._transport.request(Channel.SHELL, Action.ADAPTERS_REMOVE, {"name": name})
        return bool(content.get("removed"))
