"""When an engine with an idle timeout has waited long enough with no work, so it can exit.

Work is a job queued or running (sound operations, model loads, fine-tuning runs) and any request
that asks the engine to do something. Requests that only look — ping, info, job_status,
models_list, adapters_list — and cancel do not count: a desktop app that polls the engine's state
must not keep it alive for ever, while its user's renders and searches do.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

from soundloom.protocol.messages import Action

LOOKING = frozenset(a.request for a in (Action.PING, Action.INFO, Action.JOB_STATUS, Action.MODELS_LIST,
                                        Action.ADAPTERS_LIST, Action.CANCEL, Action.SHUTDOWN))


class IdleClock:
    """Measures how long the engine has had no work; `timeout_s` 0 means it never times out."""

    def __init__(self, timeout_s: float, busy: Callable[[], bool], clock: Callable[[], float] = time.monotonic):
        self.timeout_s = timeout_s
        self._busy = busy
        self._clock = clock
        self._lock = threading.Lock()
        self._last_work = clock()

    def saw(self, msg_type: str) -> None:
        """A request arrived (from any socket thread); a request for work restarts the clock."""
        if msg_type not in LOOKING:
            with self._lock:
                self._last_work = self._clock()

    def idle_for(self) -> float:
        """Seconds since the last work ended or was asked for; 0 while a job is queued or running."""
        now = self._clock()
        with self._lock:
            if self._busy():
                self._last_work = now
            return now - self._last_work

    def expired(self) -> bool:
        return self.timeout_s > 0 and self.idle_for() >= self.timeout_s
