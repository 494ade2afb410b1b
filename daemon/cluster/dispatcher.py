"""The daemon's worker in cluster mode: takes batches from the job board and runs each on an engine replica.

It is a `Worker` whose batches run elsewhere: busy/idle status, progress events, result storage
and error replies are the local worker's own code. Several batches are in flight at once, one per
replica, each on its own thread; this thread hands out batches and cancels the streams of batches
whose jobs were all cancelled, so a cancel reaches the replica at once, whatever a step takes.

While the cluster is lost (see `Cluster.reachable`) this thread answers every job at once with
`cluster_unavailable`: the batches in flight (whose calls may never return) and those queued.
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


def _cancel_quietly(stream) -> None:
    try:
        stream.cancel()
    except Exception as exc:  # the cluster is gone; so is what the stream ran on
        log.debug("cancelling a stream on the lost cluster: %s", exc)


@dataclass(eq=False)
class Flight:
    """A batch on its way through a replica."""

    batch: list[Job]
    stream: object = None
    replica: str | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)
    lost: threading.Event = field(default_factory=threading.Event)  # the cluster went away under it


class ClusterWorker(Worker):
    """Runs the job board's batches on `cluster`'s replicas; a drop-in for the local Worker."""

    def __init__(self, cluster: Cluster, board: JobBoard, store: ResultStore, outbox: Outbox, max_batch_rows: int = 8):
        super().__init__(None, board, store, outbox, max_batch_rows)
        self.name = "soundloom-cluster-dispatch"
        self.cluster = cluster
        self._flights: dict[int, Flight] = {}  # by thread id
        self._lock = threading.Lock()
        self._landed = threading.Event()  # a flight ended: a replica may be free for the next batch

    def _serve(self) -> None:
        try:
            while not self.stopping.is_set():
                self._cancel_abandoned()
                if not self.cluster.reachable.is_set():
                    self._answer_lost()
                    continue
                self._landed.clear()
                with self._lock:
                    # A flight lost with the cluster may never return: it holds no replica.
                    full = sum(not f.lost.is_set() for f in self._flights.values()) >= self.cluster.capacity()
                if full:
                    # Woken the moment one lands: a client sending its next job as the last one's
                    # reply arrives finds the replica taken at once, not after a poll interval.
                    self._landed.wait(POLL_S)
                    continue
                batch = self.board.next_batch(compatible, self.max_batch_rows, timeout=POLL_S)
                if batch:
                    self._launch(batch)
        finally:
            self._land_all()

    def _launch(self, batch: list[Job]) -> None:
        threading.Thread(target=self._fly, args=(batch,), name="soundloom-cluster-batch", daemon=True).start()

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
            self._landed.set()

    def _current(self) -> Flight:
        with self._lock:
            return self._flights[threading.get_ident()]

    def _cancel_abandoned(self) -> None:
        with self._lock:
            flights = list(self._flights.values())
        for flight in flights:
            if flight.stream is not None and not flight.cancelled.is_set() and not flight.lost.is_set() and all(j.cancel_event.is_set() for j in flight.batch):
                flight.cancelled.set()
                flight.stream.cancel()

    def _unavailable(self) -> SoundloomError:
        where = "a local Ray instance" if self.cluster.options.address == "local" else self.cluster.options.address
        return SoundloomError(ErrorCode.CLUSTER_UNAVAILABLE, f"the Ray cluster ({where}) is lost: "
                              f"{self.cluster.lost_reason or 'Serve does not answer'}; the engine rejoins it on its own, "
                              "send the job again once `soundloom status` shows it running")

    def _answer_lost(self) -> None:
        """Fail the jobs in flight and the queued ones: nothing can run them until the cluster is back."""
        error = self._unavailable()
        with self._lock:
            flights = [f for f in self._flights.values() if not f.lost.is_set()]
        for flight in flights:
            flight.lost.set()  # a result that still comes is dropped: its jobs are answered now
            for job in flight.batch:
                self._fail(job, error)
            if flight.stream is not None:
                # Cancelling may wait on the lost cluster: not on this thread.
                threading.Thread(target=_cancel_quietly, args=(flight.stream,), daemon=True).start()
        batch = self.board.next_batch(compatible, self.max_batch_rows, timeout=POLL_S)
        if batch and self.cluster.reachable.is_set():  # it came back while this waited for work
            self._launch(batch)
            return
        for job in batch:
            self._fail(job, error)

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
                if all(f.lost.is_set() for f in self._flights.values()):
                    return
            time.sleep(POLL_S)

    def _execute(self, batch: list[Job], on_step) -> list:
        """Run `batch` on a replica, passing its progress to `on_step`; retried once if the replica dies."""
        if batch[0].action in ("model_load", "model_unload"):
            return [self._model_job(batch[0])]
        flight = self._current()
        jobs = [(job.job_id, job.action, job.request, job.model) for job in batch]
        for attempt in range(1, ATTEMPTS + 1):
            if flight.lost.is_set() or not self.cluster.reachable.is_set():
                raise self._unavailable()
            flight.stream, flight.replica = self.cluster.submit(jobs, batch[0].model.path), None
            try:
                results = self._follow(flight, on_step)
                if flight.lost.is_set():  # its jobs were answered with the loss already: store nothing
                    raise self._unavailable()
                return results
            except SoundloomError:
                raise
            except Exception as exc:
                if flight.lost.is_set():
                    raise self._unavailable() from None
                if flight.cancelled.is_set():
                    raise CANCELLED from None
                if not self.cluster.still_reachable():  # the replica went down with the cluster
                    raise self._unavailable() from None
                if not _replica_died(exc):
                    raise SoundloomError(ErrorCode.INTERNAL, f"the cluster could not run this job: {type(exc).__name__}: "
                                         f"{' '.join(str(exc).split())[:300]}") from None
                self.cluster.lost_replica(flight.replica)
                if attempt == ATTEMPTS or self.stopping.is_set():
                    raise SoundloomError(ErrorCode.INTERNAL, f"the engine replica running this job died ({type(exc).__name__}) "
                                         f"and so did the one it was retried on; send the job again") from None
                # A batch names its replica with its first progress (sent after 50 ms): one that died sooner has none.
                log.warning("replica %s died running %s; retrying on another replica", flight.replica or "(not yet known)",
                            [j.job_id for j in batch])
        raise AssertionError("unreachable")

    def _model_job(self, job: Job) -> dict:
        """Load or unload on every running replica: the local worker's reply, with how many replicas did it.

        `load_s` is the slowest replica's; `unloaded` is true when any replica held the model."""
        if not self.cluster.reachable.is_set():
            raise self._unavailable()
        try:
            outcomes = self.cluster.broadcast_model_job(job.action, job.model)
        except Exception as exc:
            if not self.cluster.reachable.is_set():
                raise self._unavailable() from None
            raise SoundloomError(ErrorCode.INTERNAL, f"the cluster could not run this job: {type(exc).__name__}: "
                                 f"{' '.join(str(exc).split())[:300]}") from None
        for outcome in outcomes:
            if outcome[0] == "error":
                raise SoundloomError(outcome[1], outcome[2], outcome[3])
        if not outcomes:  # autoscaled down to none: the first replica loads it on first use
            nothing = {"load_s": 0.0} if job.action == "model_load" else {"unloaded": False}
            return {"status": "ok", "model": job.model.name, **nothing, "replicas": 0}
        for outcome in outcomes:
            self.cluster.saw_replica(outcome[2], 0)
        replies = [outcome[1] for outcome in outcomes]
        reply = dict(replies[0], replicas=len(replies))
        if job.action == "model_load":
            reply["load_s"] = max(r["load_s"] for r in replies)
        else:
            reply["unloaded"] = any(r["unloaded"] for r in replies)
        return reply

    def _follow(self, flight: Flight, on_step) -> list:
        running = len(flight.batch)
        description = None
        try:
            for event in flight.stream:
                kind = event[0]
                if kind == "progress":
                    if event[3] is not None:  # the first: which replica runs the batch
                        description, flight.replica = event[3], event[3]["replica"]
                        self.cluster.saw_replica(description, running)
                    if flight.lost.is_set():
                        raise self._unavailable()
                    on_step(event[1], event[2])  # raises CANCELLED once every job of the batch was cancelled
                elif kind == "done":
                    description = event[2]
                    if event[3] is not None:  # the last step's progress, sent with the result
                        on_step(event[3], event[3])
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
