"""The thread that runs jobs on the engine, one batch at a time, reporting progress as it goes."""

from __future__ import annotations

import errno
import logging
import threading
import time

from soundloom.engine.engine import Engine
from soundloom.daemon.jobs import CANCELLED, Job, JobBoard, complete
from soundloom.daemon.outbox import Outbox, Outgoing
from soundloom.engine.pipelines.generate import batch_key, generate_batch
from soundloom.engine.pipelines.result import Result
from soundloom.daemon.results import ResultStore
from soundloom.protocol.codec import Digested, attach_audio
from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.protocol.messages import error_content

log = logging.getLogger("soundloom.daemon")
PROGRESS_INTERVAL_S = 0.05  # at most about 20 progress events per second per job


def compatible(first: Job, other: Job) -> bool:
    """Two generate jobs on the same model whose requests can share one UNet batch."""
    return (
        first.action == other.action == "generate"
        and first.model == other.model
        and batch_key(first.request) == batch_key(other.request)
    )


def _name_variant(job: Job, result: Result) -> None:
    """Results name the model as requested (a variant's name, not its base folder's)."""
    for entry in result.metadata:
        entry["model"] = job.model.name
    if job.model.adapter is None and job.request.adapter_scale != 1.0:
        result.warnings.append(f"adapter_scale is ignored: {job.model.name!r} is not a fine-tuned variant")


def result_reply(job: Job, result: Result, elapsed: float) -> tuple[dict, list]:
    holder: dict = {"buffers": []}
    descriptors = [attach_audio(holder, audio, result.sample_rate) for audio in result.audio]
    metadata = dict(result.metadata[0], elapsed_s=round(elapsed, 3))
    content = {"status": "ok", "job_id": job.job_id, "audio": descriptors, "metadata": metadata, "warnings": result.warnings}
    # Hashed once here: the reply may be sent again (resends, job_result) without rehashing.
    return content, [Digested(buffer) for buffer in holder["buffers"]]


def storage_error(exc: OSError, folder) -> SoundloomError:
    """What a failed result write tells the client: `disk_full` when space or a size limit ran out."""
    if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return SoundloomError(ErrorCode.DISK_FULL, f"the result could not be stored in {folder}: {exc.strerror}; "
                              "free some space (or raise the file size limit) and try again")
    return SoundloomError(ErrorCode.INTERNAL, f"the result could not be stored in {folder}: {exc}")


def execute_batch(engine: Engine, batch: list[Job], on_step) -> list:
    """Run one batch of compatible jobs on `engine`: a Result per job, or a reply dict for model jobs."""
    first = batch[0]
    if first.action == "model_load":
        started = time.monotonic()
        already = engine.model is not None and engine.model.path == first.model.path
        engine.load(first.model.path)
        return [{"status": "ok", "model": first.model.name, "load_s": 0.0 if already else round(time.monotonic() - started, 3)}]
    if first.action == "model_unload":
        loaded = engine.model is not None and engine.model.path == first.model.path
        if loaded:
            engine.unload()
        return [{"status": "ok", "model": first.model.name, "unloaded": loaded}]
    model = engine.load(first.model.path)
    if first.action == "generate":
        engine.use_adapter(first.model.adapter, first.request.adapter_scale)
        results = generate_batch(model, [job.request for job in batch], on_step)
    else:
        results = [engine.run(first.action, first.request, model=first.model.path, on_step=on_step,
                              adapter=first.model.adapter)]
    for job, result in zip(batch, results):
        _name_variant(job, result)
    return results


class Worker(threading.Thread):
    """Takes batches from `board`, runs them on `engine`, stores results, queues replies and events."""

    def __init__(self, engine: Engine, board: JobBoard, store: ResultStore, outbox: Outbox, max_batch_rows: int = 8):
        super().__init__(name="soundloom-worker", daemon=True)
        self.engine, self.board, self.store, self.outbox = engine, board, store, outbox
        self.max_batch_rows = max_batch_rows
        self.stopping = threading.Event()
        self.failure: str | None = None  # why the thread ended, if it ended on its own

    def run(self) -> None:
        try:
            self._serve()
        except BaseException as exc:
            self.failure = f"{type(exc).__name__}: {exc}"
            log.exception("the worker thread ended")
            raise

    def _serve(self) -> None:
        while not self.stopping.is_set():
            batch = self.board.next_batch(compatible, self.max_batch_rows, timeout=0.5)
            if not batch:
                continue
            try:
                self._run_batch(batch)
            except Exception as exc:  # whatever went wrong, the batch's jobs are answered and the worker goes on
                log.exception("batch %s failed", [j.job_id for j in batch])
                for job in batch:
                    self._fail(job, SoundloomError(ErrorCode.INTERNAL, f"{type(exc).__name__}: {exc}"))

    def finish(self, job: Job, content: dict, buffers: list | None = None, state: str = "done") -> None:
        complete(self.board, self.outbox, job, content, buffers, state)

    def _fail(self, job: Job, error: SoundloomError) -> None:
        # finish() answers a job once; a job already answered (cancelled mid-batch) is left as it is.
        state = "cancelled" if error.code == ErrorCode.CANCELLED else "error"
        self.finish(job, error_content(error), state=state)

    def _run_batch(self, batch: list[Job]) -> None:
        for job in batch:
            self.outbox.put(Outgoing("status", {"execution_state": "busy", "job_id": job.job_id}, parent=job.header))
        live = list(batch)
        started = time.monotonic()
        last_event = [0.0]

        def on_step(step: int, total: int) -> None:
            for job in list(live):
                if job.cancel_event.is_set():
                    live.remove(job)
                    self._fail(job, CANCELLED)
            if not live:
                raise SoundloomError(ErrorCode.CANCELLED, CANCELLED.message)
            elapsed = time.monotonic() - started
            eta = elapsed / step * (total - step)
            now = time.monotonic()
            for job in live:
                job.step, job.total, job.eta_s = step, total, eta
            if step == total or now - last_event[0] >= PROGRESS_INTERVAL_S:
                last_event[0] = now
                for job in live:
                    content = {"job_id": job.job_id, "step": step, "total": total, "eta_s": round(eta, 3)}
                    self.outbox.put(Outgoing("progress", content, parent=job.header))

        try:
            results = self._execute(batch, on_step)
        except SoundloomError as exc:
            for job in live:
                self._fail(job, exc)
            return
        except Exception as exc:  # a bug or a resource failure: report it, keep serving
            log.exception("job %s failed", [j.job_id for j in batch])
            for job in live:
                self._fail(job, SoundloomError(ErrorCode.INTERNAL, f"{type(exc).__name__}: {exc}"))
            return
        elapsed = time.monotonic() - started
        for job, result in zip(batch, results):
            if job not in live or result is None:
                continue
            if isinstance(result, Result):
                content, buffers = result_reply(job, result, elapsed)
                try:
                    self.store.put(job.job_id, content, buffers)
                except OSError as exc:
                    log.error("job %s: its result could not be stored: %s", job.job_id, exc)
                    self._fail(job, storage_error(exc, self.store.root))
                    continue
            else:
                content, buffers = result, []
            self.finish(job, content, buffers)
        log.info("ran %s (%d job%s) in %.2f s", batch[0].action, len(batch), "s"[: len(batch) > 1], elapsed)

    def _execute(self, batch: list[Job], on_step) -> list:
        return execute_batch(self.engine, batch, on_step)
