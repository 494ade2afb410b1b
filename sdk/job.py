"""Jobs: one operation (generate, inpaint, transfer, extend, finetune) followed from submission to result.

A job's id is the msg_id of the request that created it, so it can be cancelled or followed before
the engine has answered. `AsyncJob` lives on the client's event loop; `Job` is its blocking twin.
An audio job's result is its clips; a fine-tuning job's result is the finetune reply (a dict), and
while it trains it also reports its loss and validation renders.
"""

from __future__ import annotations

import asyncio
import logging
import queue
from typing import Any, AsyncIterator, Callable, Iterator, NamedTuple, Protocol

from soundloom.protocol.errors import ErrorCode
from soundloom.protocol.messages import JobState, Status
from soundloom.sdk.audio import Audio
# Re-exported: callers import SEED_MODULUS and the reply readers from this module too.
from soundloom.sdk.replies import (  # noqa: F401
    SEED_MODULUS,
    audio_from_reply,
    finetune_result_or_raise,
    is_finetune_reply,
    result_or_raise,
)

log = logging.getLogger("soundloom.sdk")

Progress = tuple[int, int, "float | None"]  # (step, total, eta_s): steps done, steps to do, seconds left
ProgressCallback = Callable[[int, int, "float | None"], Any]
ValidationCallback = Callable[[int, str, Audio], Any]  # (step, prompt, clip) of a fine-tuning job's render
ResultParser = Callable[[dict], Any]  # an operation's reply message -> the job's result (or raises)


class Validation(NamedTuple):
    """A clip a fine-tuning job rendered for one validation prompt with its adapter at `step`."""

    step: int
    prompt: str
    audio: Audio


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _Requester(Protocol):
    async def _cancel_job(self, job_id: str) -> str: ...
    async def job_status(self, job_id: str) -> dict[str, Any]: ...


class AsyncJob:
    """A submitted operation, on the event loop of an `AsyncClient`.

    `status` is the latest known state: queued, running, done, error or cancelled (`refresh()`
    asks the engine). `last_progress` is the latest (step, total, eta_s) seen, eta in seconds.
    A fine-tuning job also has `loss` (the latest running mean of the training loss, None before
    the first step) and `validations` (every Validation(step, prompt, audio) received so far).
    """

    def __init__(
        self,
        client: _Requester,
        job_id: str,
        action: str,
        future: asyncio.Future,
        *,
        single: bool,
        on_progress: ProgressCallback | None = None,
        parse: ResultParser | None = None,
        on_validation: ValidationCallback | None = None,
    ):
        self.job_id = job_id
        self.action = action
        self.status = JobState.QUEUED.value
        self.position: int | None = None  # jobs ahead of it while queued, as of the last refresh()
        self.last_progress: Progress | None = None
        self.loss: float | None = None
        self.validations: list[Validation] = []
        self._client = client
        self._future = future
        self._single = single
        self._parse = parse
        self._on_progress = on_progress
        self._on_validation = on_validation
        self._listeners: list[Callable[[Progress | None], Any]] = []
        self._result: Any = None
        future.add_done_callback(self._finished)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.action} {self.job_id} {self.status}>"

    def done(self) -> bool:
        """True once the job has an outcome (result, error, cancellation, or a dead engine)."""
        return self._future.done()

    async def result(self, timeout: float | None = None) -> Any:
        """Wait for the outcome: an Audio for one variation, a list for several; for a fine-tuning
        job, a dict (job_id, adapter, model — the variant's name —, steps, loss, elapsed_s).

        `timeout` in seconds (None: wait as long as the engine lives). Raises the engine's
        SoundloomError, JobCancelledError, EngineDiedError, or TimeoutError; a timeout leaves the
        job running.
        """
        try:
            reply = await asyncio.wait_for(asyncio.shield(self._future), timeout)
        except asyncio.TimeoutError:  # a distinct class before Python 3.11
            raise TimeoutError(f"job {self.job_id} did not finish within {timeout} s") from None
        if self._result is None:
            self._result = self._parse(reply) if self._parse is not None else result_or_raise(reply, self._single)
        return self._result

    async def cancel(self) -> str:
        """Ask the engine to cancel the job; returns its state afterwards (cancelled, or done/error if it had finished)."""
        state = await self._client._cancel_job(self.job_id)
        if not self.done():
            self.status = state
        return state

    async def refresh(self) -> str:
        """Ask the engine for the job's state (job_status_request); updates and returns `status`."""
        content = await self._client.job_status(self.job_id)
        if not self.done():
            self.status = content.get("state", self.status)
            self.position = content.get("position")
            if content.get("step") is not None and content.get("total") is not None:
                self.last_progress = (content["step"], content["total"], content.get("eta_s"))
        return self.status

    @property
    def progress(self) -> AsyncIterator[Progress]:
        """`async for step, total, eta_s in job.progress`: progress events until the job ends.

        Starts with the latest event already seen, if any. Events are best-effort (some may be
        missed); the iteration ends without raising whatever the outcome — `result()` tells it.
        """
        return self._progress_events()

    async def _progress_events(self) -> AsyncIterator[Progress]:
        events: asyncio.Queue = asyncio.Queue()
        self._add_listener(events.put_nowait)
        try:
            while (event := await events.get()) is not None:
                yield event
        finally:
            self._remove_listener(events.put_nowait)

    # ------------------------------------------------------------------ called on the event loop

    def _running(self) -> None:
        if not self.done():
            self.status = JobState.RUNNING.value
            self.position = None

    def _progress(self, step: int, total: int, eta_s: float | None, loss: float | None = None) -> None:
        if self.done():
            return
        self._running()
        if _is_number(loss):
            self.loss = float(loss)  # set before listeners run, so a reader of `loss` sees this step's value
        self.last_progress = (step, total, eta_s)
        for listener in list(self._listeners):
            listener(self.last_progress)
        if self._on_progress is not None:
            try:
                self._on_progress(step, total, eta_s)
            except Exception:  # a faulty callback must not stop the client's receiver
                log.exception("on_progress callback of job %s failed", self.job_id)

    def _validation(self, step: int, prompt: str, audio: Audio) -> None:
        # Kept even when the reply came first (iopub and shell are not ordered): a render is a result.
        render = Validation(step, prompt, audio)
        self.validations.append(render)
        if self._on_validation is not None:
            try:
                self._on_validation(*render)
            except Exception:  # a faulty callback must not stop the client's receiver
                log.exception("on_validation callback of job %s failed", self.job_id)

    def _add_listener(self, listener: Callable[[Progress | None], Any]) -> None:
        if self.last_progress is not None:
            listener(self.last_progress)  # a late reader starts from where the job is now
        if self.done():
            listener(None)
        else:
            self._listeners.append(listener)

    def _remove_listener(self, listener: Callable[[Progress | None], Any]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _finished(self, future: asyncio.Future) -> None:
        if future.cancelled() or future.exception() is not None:  # exception() also marks it retrieved
            self.status = JobState.ERROR.value
        else:
            content = future.result()["content"]
            if content.get("status") == Status.OK.value:
                self.status = JobState.DONE.value
            elif content.get("code") == ErrorCode.CANCELLED.value:
                self.status = JobState.CANCELLED.value
            else:
                self.status = JobState.ERROR.value
        for listener in self._listeners:
            listener(None)
        self._listeners.clear()


class _Portal(Protocol):
    def run(self, coro: Any) -> Any: ...
    def call_soon(self, callback: Callable[..., Any], *args: Any) -> None: ...


class Job:
    """A submitted operation, for blocking code: the twin of `AsyncJob`.

    `status` is the latest known state: queued, running, done, error or cancelled (`refresh()`
    asks the engine). `last_progress` is the latest (step, total, eta_s) seen, eta in seconds.
    A fine-tuning job also has `loss` and `validations`, as on `AsyncJob`.
    """

    def __init__(self, job: AsyncJob, portal: _Portal):
        self._job = job
        self._portal = portal

    def __repr__(self) -> str:
        return f"<Job {self.action} {self.job_id} {self.status}>"

    @property
    def job_id(self) -> str:
        return self._job.job_id

    @property
    def action(self) -> str:
        return self._job.action

    @property
    def status(self) -> str:
        return self._job.status

    @property
    def position(self) -> int | None:
        return self._job.position

    @property
    def last_progress(self) -> Progress | None:
        return self._job.last_progress

    @property
    def loss(self) -> float | None:
        """A fine-tuning job's latest running-mean training loss (None before its first step)."""
        return self._job.loss

    @property
    def validations(self) -> list[Validation]:
        """A fine-tuning job's validation renders so far, as Validation(step, prompt, audio)."""
        return list(self._job.validations)  # a copy: the I/O thread may append while the caller iterates

    def done(self) -> bool:
        """True once the job has an outcome (result, error, cancellation, or a dead engine)."""
        return self._job.done()

    def result(self, timeout: float | None = None) -> Any:
        """Wait for the outcome: an Audio for one variation, a list for several; for a fine-tuning
        job, a dict (job_id, adapter, model — the variant's name —, steps, loss, elapsed_s).

        `timeout` in seconds (None: wait as long as the engine lives). Raises the engine's
        SoundloomError, JobCancelledError, EngineDiedError, or TimeoutError; a timeout leaves the
        job running.
        """
        return self._portal.run(self._job.result(timeout))

    def cancel(self) -> str:
        """Ask the engine to cancel the job; returns its state afterwards (cancelled, or done/error if it had finished)."""
        return self._portal.run(self._job.cancel())

    def refresh(self) -> str:
        """Ask the engine for the job's state (job_status_request); updates and returns `status`."""
        return self._portal.run(self._job.refresh())

    @property
    def progress(self) -> Iterator[Progress]:
        """`for step, total, eta_s in job.progress`: progress events until the job ends.

        Starts with the latest event already seen, if any. Events are best-effort (some may be
        missed); the iteration ends without raising whatever the outcome — `result()` tells it.
        """
        return self._progress_events()

    def _progress_events(self) -> Iterator[Progress]:
        if self._job.done():  # the client may be closed by now: read what is known, without its loop
            if self._job.last_progress is not None:
                yield self._job.last_progress
            return
        events: queue.Queue = queue.Queue()
        self._portal.call_soon(self._job._add_listener, events.put)
        try:
            while (event := events.get()) is not None:
                yield event
        finally:
            self._portal.call_soon(self._job._remove_listener, events.put)
