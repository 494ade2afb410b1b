"""Keeps the worker thread serving: a worker that dies has its running jobs failed with the reason
and is replaced, so no client waits forever for a job nobody runs.

The worker already turns every failure of a job into an error reply; this is the last line behind
that, for what escapes it (a bug, or an exception that is not an `Exception`). It is polled from
the main loop, which owns no job and so cannot be taken down by one.
"""

from __future__ import annotations

import logging
import time
from typing import Callable

from soundloom.daemon.jobs import JobBoard, complete
from soundloom.daemon.outbox import Outbox
from soundloom.daemon.worker import Worker
from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.protocol.messages import error_content

log = logging.getLogger("soundloom.daemon")
MAX_RESTARTS = 3  # past this the failure is taken to be permanent: jobs are refused instead of lost


class WorkerSupervisor:
    """Owns the current worker; `check()` replaces it if it died, `health()` says how it has fared."""

    def __init__(self, make_worker: Callable[[], Worker], board: JobBoard, outbox: Outbox):
        self._make_worker, self.board, self.outbox = make_worker, board, outbox
        self.worker = make_worker()
        self.restarts = 0
        self.last_failure: str | None = None

    def start(self) -> None:
        self.worker.start()

    @property
    def failed(self) -> bool:
        """True once the worker died more often than it is restarted: operations cannot run."""
        return self.restarts > MAX_RESTARTS

    def check(self) -> None:
        """Fail the jobs of a worker that died without being told to stop, then start a new one."""
        if self.worker.is_alive() or self.worker.stopping.is_set() or self.failed:
            return
        reason = self.worker.failure or "the worker thread ended without an error"
        self.restarts += 1
        self.last_failure = f"{time.strftime('%Y-%m-%d %H:%M:%S')}: {reason}"
        give_up = self.failed
        log.error("the worker died (%s); %s", reason, "giving up" if give_up else "starting a new one")
        lost = [j for j in self.board.unfinished() if j.action != "finetune" and (give_up or j.state == "running")]
        error = SoundloomError(ErrorCode.INTERNAL, f"the engine's worker failed while running this job ({reason})"
                               + ("; restart the engine" if give_up else "; it has been restarted, send the job again"))
        for job in lost:
            complete(self.board, self.outbox, job, error_content(error), state="error")
        if not give_up:
            self.worker = self._make_worker()
            self.worker.start()

    def refuse_if_failed(self) -> None:
        """Raise for a new operation when no worker will ever run it."""
        if self.failed:
            raise SoundloomError(ErrorCode.INTERNAL, f"the engine's worker stopped after {self.restarts} failures "
                                 f"(last: {self.last_failure}); restart the engine")

    def health(self) -> dict:
        """For the info reply: whether operations can run, how often the worker was replaced, and why."""
        return {"alive": self.worker.is_alive(), "restarts": self.restarts, "last_failure": self.last_failure}
