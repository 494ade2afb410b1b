"""Fine-tuning jobs, one at a time, each in its own training process.

A separate process keeps the engine's worker free for generation requests from other clients,
and gives all of training's memory back when it ends. The process reports JSON lines on stdout
(see `training/finetune_process.py`); this thread turns them into iopub events and the job's reply.
"""

from __future__ import annotations

import json
import logging
import queue
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable

import soundfile as sf

from soundloom.daemon.adapters import holds_training, variant_name
from soundloom.daemon.jobs import CANCELLED, Job, JobBoard, complete
from soundloom.daemon.outbox import Outbox, Outgoing
from soundloom.engine.training.finetune_spec import FinetuneSpec
from soundloom.daemon.worker import PROGRESS_INTERVAL_S
from soundloom.protocol.codec import attach_audio
from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.protocol.messages import error_content

log = logging.getLogger("soundloom.daemon")


class FinetuneRunner(threading.Thread):
    """Runs queued fine-tuning jobs; `on_finished()` is called after each (to refresh model variants)."""

    def __init__(self, board: JobBoard, outbox: Outbox, on_finished: Callable[[], None], log_dir: Path):
        super().__init__(name="soundloom-finetune", daemon=True)
        self.board, self.outbox, self.on_finished, self.log_dir = board, outbox, on_finished, log_dir
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._lock = threading.Lock()
        self._training: dict[str, Job] = {}  # adapter name -> its queued or running job

    def training(self, name: str) -> Job | None:
        """The job queued or running for adapter `name`; a job cancelled while queued no longer counts,
        though it stays in the queue until the runner reaches it."""
        with self._lock:
            job = self._training.get(name)
        return job if job is not None and not job.finished else None

    def submit(self, job: Job) -> None:
        spec: FinetuneSpec = job.request
        with self._lock:
            current = self._training.get(spec.name)
            if current is not None and not current.finished:
                raise SoundloomError(ErrorCode.ADAPTER_EXISTS, f"adapter {spec.name!r} is being trained by job "
                                     f"{current.job_id}", "name")
            self.board.track(job)
            self._training[spec.name] = job
        self._queue.put(job)

    def stop(self) -> None:
        self._queue.put(None)
        with self._lock:
            for job in self._training.values():
                job.cancel_event.set()

    def run(self) -> None:
        while (job := self._queue.get()) is not None:
            try:
                if job.finished:
                    continue  # cancelled while queued: already answered
                if job.cancel_event.is_set():  # the engine is stopping
                    self._finish(job, error_content(CANCELLED), "cancelled")
                else:
                    self._run(job)
            except Exception as exc:  # keep the runner alive for the next job
                log.exception("fine-tuning job %s failed", job.job_id)
                self._finish(job, error_content(SoundloomError(ErrorCode.INTERNAL, f"{type(exc).__name__}: {exc}")), "error")
            finally:
                self._release(job)

    def _release(self, job: Job) -> None:
        with self._lock:
            if self._training.get(job.request.name) is not job:
                return  # released already, or the name was taken again by a newer job
            del self._training[job.request.name]
        self.on_finished()

    def _finish(self, job: Job, content: dict, state: str) -> None:
        # Released first: a client acting on the reply (resuming, or generating with the new variant)
        # must find the adapter free and offered.
        self._release(job)
        complete(self.board, self.outbox, job, content, state=state)

    def _run(self, job: Job) -> None:
        spec: FinetuneSpec = job.request
        folder = Path(spec.adapter_dir)
        folder.mkdir(parents=True, exist_ok=True)
        spec_file = folder / "spec.json"
        spec_file.write_text(json.dumps(asdict(spec)))
        job.state, job.started = "running", time.monotonic()
        self.outbox.put(Outgoing("status", {"execution_state": "busy", "job_id": job.job_id}, parent=job.header))
        process = self._launch(spec_file)
        training = threading.Event()  # set once the process reports that its training loop begins
        terminated = threading.Event()  # set when a cancel stopped the process before that
        threading.Thread(target=self._cancel_when_asked, args=(job, process, training, terminated), daemon=True).start()
        outcome = self._follow(job, process, training)
        if not outcome:
            process.wait()  # it ended without reporting: its exit status says how
        kept = holds_training(folder)
        if outcome.get("event") != "done" and not kept:
            # Nothing to resume or use: leaving the folder would only block the same name from
            # starting again. Removed before the reply, so whoever reads the outcome finds it gone.
            shutil.rmtree(folder, ignore_errors=True)
        if outcome.get("event") == "done":
            record = outcome["record"]
            content = {"status": "ok", "job_id": job.job_id, "adapter": spec.name, "model": variant_name(spec.base, spec.name),
                       "steps": record["steps_done"], "loss": record["loss"], "elapsed_s": round(time.monotonic() - job.started, 3)}
            self._finish(job, content, "done")
        elif outcome.get("event") == "error":
            error = SoundloomError.from_dict(outcome)
            self._finish(job, error_content(error), "cancelled" if error.code == ErrorCode.CANCELLED else "error")
        elif terminated.is_set():
            message = ("cancelled; resume continues from the last checkpoint" if kept
                       else "cancelled before the first step; nothing was kept")
            self._finish(job, error_content(SoundloomError(ErrorCode.CANCELLED, message)), "cancelled")
        else:
            message = f"the training process ended without a result (exit status {process.returncode}); see finetune.log"
            self._finish(job, error_content(SoundloomError(ErrorCode.INTERNAL, message)), "error")
        # Only now: it wrote everything before reporting, and an interpreter holding torch can take
        # seconds to exit, which someone waiting for the outcome (after Ctrl-C, say) need not wait.
        process.wait()
        job.cancel_event.set()  # releases the cancel watcher

    def _launch(self, spec_file: Path):
        """Start the training process of `spec_file`: JSON lines on its stdout, "cancel" on its stdin.
        (Cluster mode starts it on a cluster node instead, behind the same interface.)"""
        with open(self.log_dir / "finetune.log", "ab") as stderr:
            # A session of its own: a Ctrl-C meant for an engine running in a terminal reaches the
            # engine alone, which then stops training with a checkpoint instead of killing it mid-step.
            return subprocess.Popen(
                [sys.executable, "-m", "soundloom.engine.training.finetune_process", str(spec_file)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, text=True, bufsize=1,
                start_new_session=True,
            )

    def _cancel_when_asked(self, job: Job, process: subprocess.Popen, training: threading.Event,
                           terminated: threading.Event) -> None:
        job.cancel_event.wait()
        if process.poll() is not None:
            return
        if not training.is_set():
            # Still importing torch, loading the model or reading the library, which can take longer
            # than anyone waits after pressing Ctrl-C; there is no step to save yet, so just stop it.
            # (Every file it writes is written atomically, so even a loop just begun loses nothing.)
            terminated.set()
            process.terminate()
            return
        try:
            process.stdin.write("cancel\n")
            process.stdin.flush()
        except OSError:  # it has just exited
            pass

    def _follow(self, job: Job, process: subprocess.Popen, training: threading.Event) -> dict:
        """Relay the process's events until it reports its outcome; returns that last event."""
        last_progress = 0.0
        for line in process.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            kind = event.get("event")
            if kind in ("done", "error"):
                return event
            if kind == "started":
                training.set()
            elif kind == "progress":
                job.step, job.total, job.eta_s = event["step"], event["total"], event["eta_s"]
                now = time.monotonic()
                if now - last_progress >= PROGRESS_INTERVAL_S or event["step"] == event["total"]:
                    last_progress = now
                    content = {"job_id": job.job_id, **{k: event[k] for k in ("step", "total", "eta_s", "loss")}}
                    self.outbox.put(Outgoing("progress", content, parent=job.header))
            elif kind == "validation":
                self._send_validation(job, event)
        return {}

    def _send_validation(self, job: Job, event: dict) -> None:
        try:
            audio, rate = sf.read(event["path"], dtype="float32", always_2d=True)
        except Exception:  # the render is also on disk for the user; the event is best-effort
            log.warning("could not read validation render %s", event.get("path"))
            return
        holder: dict = {"buffers": []}
        descriptor = attach_audio(holder, audio.T, rate)
        content = {"job_id": job.job_id, "step": event["step"], "prompt": event["prompt"], "audio": descriptor}
        self.outbox.put(Outgoing("validation", content, parent=job.header, buffers=holder["buffers"]))

