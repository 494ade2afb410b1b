"""The daemon's worker in cluster mode: takes batches from the job board and runs each on an engine replica.

It is a `Worker` whose batches run elsewhere: busy/idle status, progress events, result storage
and error replies are the local worker's own code. Several batches are in flight at once, one per
replica, each on its own thread; this thread hands out batches and cancels the streams of batches
whose jobs were all cancelled, so a cancel reaches the replica at once, whatever a step takes.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from soundloom.daemon.cluster.deployment import Cluster
from soundloom.daemon.jobs import CANCELLED, Job, JobBoard
from soundloom.daemon.outbox import Outbox
from soundloom.daemon.results import ResultStore
from soundloom.daemon.worker import Worker, compatible
from soundloom.protocol.errors import ErrorCode, SoundloomError

log = logging.getLogger("soundloom.daemon")
POLL_S = 0.05  # how often in-flight batches are checked for cancellation, in seconds
ATTEMPTS = 2  # a batch whose replica died runs once more on another: operations are deterministic given the seed


def _replica_died(exc: BaseException) -> bool:
    from ray.exceptions import ActorDiedError, ActorUnavailableError, RayActorError

    return isinstance(exc, (ActorDiedError, ActorUnavailableError, RayActorError))


@dataclass(eq=False)
class Flight:
    """A batch on its way through a replica."""

    batch: list[Job]
    stream: object = None
    replica: str | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)


class ClusterWorker(Worker):
    """Runs the job board's batches on `cluster`'s replicas; a drop-in for the local Worker."""

    def __init__(self, cluster: Cluster, board: JobBoard, store: ResultStore, outbox: Outbox, max_batch_rows: int = 8):
        super().__init__(None, board, store, outbox, max_batch_rows)
        self.name = "soundloom-cluster-dispatch"
        self.cluster = cluster
        self._flights: dict[int, Flight] = {}  # by thread id
        self._lock = threading.Lock()

    def _serve(self) -> None:
        try:
            while not self.stopping.is_set():
                self._cancel_abandoned()
                with self._lock:
                    full = len(self._flights) >= self.cluster.capacity()
                if full:
                    self.stopping.wait(POLL_S)
                    continue
                batch = self.board.next_batch(compatible, self.max_batch_rows, timeout=POLL_S)
                if batch:
                    threading.Thread(target=self._fly, args=(batch,), name="soundloom-cluster-batch", daemon=True).start()
        finally:
            self._land_all()

    def _fly(self, batch: list[Job]) -> None:
        flight = Flight(batch)
        with self._lock:
            self._flights[threading.get_ident()] = flight
        try:
            self._run_batch(batch)
        except Exception as exc:  # as the local worker: the batch's jobs are answered, the others go on
            log.exception("batch %s failed", [j.job_id for j in batch])
            for job in batch:
                self._fail(job, SoundloomError(ErrorCode.INTERNAL, f"{type(exc).__name__}: {exc}"))
        finally:
            with self._lock:
                self._flights.pop(threading.get_ident(), None)

    def _current(self) -> Flight:
        with self._lock:
            return self._flights[threading.get_ident()]

    def _cancel_abandoned(self) -> None:
        with self._lock:
            flights = list(self._flights.values())
        for flight in flights:
            if flight.stream is not None and not flight.cancelled.is_set() and all(j.cancel_event.is_set() for j in flight.batch):
                flight.cancelled.set()
                flight.stream.cancel()

    def _land_all(self, timeout: float = 30) -> None:
        """On stop: cancel what is in flight and give the threads time to answer their jobs."""
        with self._lock:
            flights = list(self._flights.values())
        for flight in flights:
            for job in flight.batch:
                job.cancel_event.set()
        self._cancel_abandoned()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._flights:
                    return
            time.sleep(POLL_S)

    def _execute(self, batch: list[Job], on_step) -> list:
        """Run `batch` on a replica, passing its progress to `on_step`; retried once if the replica dies."""
        flight = self._current()
        jobs = [(job.job_id, job.action, job.request, job.model) for job in batch]
        for attempt in range(1, ATTEMPTS + 1):
            flight.stream, flight.replica = self.cluster.submit(jobs, batch[0].model.path), None
            try:
                return self._follow(flight, on_step)
            except SoundloomError:
                raise
            except Exception as exc:
                if flight.cancelled.is_set():
                    raise CANCELLED from None
                if not _replica_died(exc):
                    raise SoundloomError(ErrorCode.INTERNAL, f"the cluster could not run this job: {type(exc).__name__}: "
                                         f"{' '.join(str(exc).split())[:300]}") from None
                self.cluster.lost_replica(flight.replica)
                if attempt == ATTEMPTS or self.stopping.is_set():
                    raise SoundloomError(ErrorCode.INTERNAL, f"the engine replica running this job died ({type(exc).__name__}) "
                                         f"and so did the one it was retried on; send the job again") from None
                log.warning("replica %s died running %s; retrying on another replica", flight.replica, [j.job_id for j in batch])
        raise AssertionError("unreachable")

    def _follow(self, flight: Flight, on_step) -> list:
        running = len(flight.batch)
        description = None
        try:
            for event in flight.stream:
                kind = event[0]
                if kind == "replica":
                    description, flight.replica = event[1], event[1]["replica"]
                    self.cluster.saw_replica(description, running)
                elif kind == "progress":
                    on_step(event[1], event[2])  # raises CANCELLED once every job of the batch was cancelled
                elif kind == "done":
                    description = event[2]
                    return event[1]
                elif kind == "error":
                    raise SoundloomError(event[1], event[2], event[3])
            raise SoundloomError(ErrorCode.INTERNAL, "the replica ended the batch without a result")
        except SoundloomError as exc:
            if exc.code == ErrorCode.CANCELLED and not flight.cancelled.is_set():
                flight.cancelled.set()
                flight.stream.cancel()
            raise
        finally:
            if description is not None:
                self.cluster.saw_replica(description, 0)
