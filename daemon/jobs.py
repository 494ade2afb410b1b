"""Jobs and their queue: priorities, per-client limits, cancellation, and batch selection.

Interactive jobs run before batch jobs; within a priority, in arrival order. A finished job keeps
its reply (content and buffers) so repeated requests and late `job_result` requests are answered
from it instead of running again.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable

from soundloom.daemon.outbox import Outbox, Outgoing
from soundloom.protocol.errors import ErrorCode, SoundloomError

CANCELLED = SoundloomError(ErrorCode.CANCELLED, "the job was cancelled")
PRIORITY_RANK = {"interactive": 0, "batch": 1}
GATHER_S = 0.004  # how long a batchable job waits for companions, in seconds
FINISHED = ("done", "error", "cancelled")


@dataclass(eq=False)
class Job:
    """One request's work. `waiters` are the (identities, request) pairs owed its reply."""

    job_id: str
    action: str
    request: Any
    model: Any  # a registry entry, or None for jobs that need no model
    priority: str
    session: str
    header: dict
    waiters: list[tuple[list[bytes], dict]] = field(default_factory=list)
    state: str = "queued"
    step: int | None = None
    total: int | None = None
    eta_s: float | None = None
    started: float | None = None
    error: dict | None = None
    reply: tuple[dict, list] | None = None
    cancel_event: threading.Event = field(default_factory=threading.Event)

    @property
    def finished(self) -> bool:
        return self.state in FINISHED


class JobBoard:
    """The queue and the table of recent jobs; safe to use from any thread."""

    def __init__(self, max_queued_per_client: int = 32, history: int = 256):
        self.max_queued_per_client = max_queued_per_client
        self._history = history
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._queue: list[tuple[int, int, Job]] = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._closed = False

    def get(self, job_id: str) -> Job | None:
        with self._cond:
            return self._jobs.get(job_id)

    def submit(self, job: Job) -> None:
        with self._cond:
            active = sum(1 for j in self._jobs.values() if j.session == job.session and not j.finished)
            if active >= self.max_queued_per_client:
                raise SoundloomError(
                    ErrorCode.QUEUE_FULL,
                    f"this client already has {active} jobs queued or running; the limit is {self.max_queued_per_client}",
                )
            self._jobs[job.job_id] = job
            self._queue.append((PRIORITY_RANK[job.priority], next(self._order), job))
            self._queue.sort(key=lambda item: item[:2])
            self._forget_old()
            self._cond.notify_all()

    def track(self, job: Job) -> None:
        """Know a job that runs elsewhere (fine-tuning): status, cancel and results work, no worker runs it."""
        with self._cond:
            self._jobs[job.job_id] = job
            self._forget_old()

    def _forget_old(self) -> None:
        finished = [k for k, j in self._jobs.items() if j.finished]
        for job_id in finished[: max(0, len(self._jobs) - self._history)]:
            del self._jobs[job_id]

    def position(self, job: Job) -> int | None:
        with self._cond:
            for i, (_, _, queued) in enumerate(self._queue):
                if queued is job:
                    return i
            return None

    def queue_length(self) -> int:
        """Jobs queued plus running."""
        with self._cond:
            return sum(1 for j in self._jobs.values() if not j.finished)

    def unfinished(self) -> list[Job]:
        with self._cond:
            return [j for j in self._jobs.values() if not j.finished]

    def next_batch(self, compatible: Callable[[Job, Job], bool], max_rows: int, timeout: float) -> list[Job]:
        """Take the next job, plus queued jobs `compatible` with it up to `max_rows` variations in all.

        Blocks up to `timeout` seconds; returns [] when nothing came or the board is closed.
        """
        with self._cond:
            if not self._queue and not self._closed:
                self._cond.wait(timeout)
            if not self._queue or self._closed:
                return []
            _, _, first = self._queue.pop(0)
            batch, rows = [first], getattr(first.request, "variations", 1)
            deadline = time.monotonic() + GATHER_S
            batchable = compatible(first, first)  # only some actions (generate) share batches
            while True:
                for item in list(self._queue):
                    job = item[2]
                    extra = getattr(job.request, "variations", 1)
                    if rows + extra <= max_rows and compatible(first, job):
                        self._queue.remove(item)
                        batch.append(job)
                        rows += extra
                # Requests sent together reach the engine a fraction of a millisecond apart; a
                # short wait lets a burst share one batch instead of its first member running alone.
                left = deadline - time.monotonic()
                if rows >= max_rows or left <= 0 or not batchable:
                    break
                self._cond.wait(left)
            for job in batch:
                job.state = "running"
                job.started = time.monotonic()
            return batch

    def cancel(self, job_id: str) -> Job:
        """Flag a job as cancelled; a queued one leaves the queue at once. Returns the job."""
        with self._cond:
            job = self._jobs.get(job_id)
            if job is None:
                raise SoundloomError(ErrorCode.JOB_NOT_FOUND, f"no job {job_id!r}", "job_id")
            if not job.finished:
                job.cancel_event.set()
                self._queue = [item for item in self._queue if item[2] is not job]
            return job

    def finish(self, job: Job, state: str, reply: tuple[dict, list], error: dict | None = None) -> list:
        """Record the outcome; returns the waiters to answer (each answered once)."""
        with self._cond:
            if job.finished:
                return []
            job.state, job.reply, job.error, job.eta_s = state, reply, error, None
            waiters, job.waiters = job.waiters, []
            self._cond.notify_all()
            return waiters

    def add_waiter(self, job: Job, waiter: tuple[list[bytes], dict]) -> bool:
        """Owe `waiter` the job's reply; False if it has already finished (answer from job.reply)."""
        with self._cond:
            if job.finished:
                return False
            job.waiters.append(waiter)
            return True

    def close(self) -> list[Job]:
        """Stop handing out work; returns the jobs that were still queued."""
        with self._cond:
            self._closed = True
            queued = [item[2] for item in self._queue]
            self._queue.clear()
            self._cond.notify_all()
            return queued


def complete(board: JobBoard, outbox: Outbox, job: Job, content: dict, buffers: list | None = None, state: str = "done") -> None:
    """Record a job's outcome, owe its reply to every waiter, and announce that it went idle."""
    error = None if state == "done" else {k: content.get(k) for k in ("code", "field", "message")}
    waiters = board.finish(job, state, (content, buffers or []), error)
    if waiters:
        outbox.put(Outgoing(f"{job.action}_reply", content, buffers=buffers or [], waiters=waiters))
    outbox.put(Outgoing("status", {"execution_state": "idle", "job_id": job.job_id}, parent=job.header))
