"""Fine-tuning jobs, one at a time, each in its own training process.

A separate process keeps the engine's worker free for generation requests from other clients,
and gives all of training's memory back when it ends. The process reports JSON lines on stdout
(see `training/finetune_process.py`); this thread turns them into iopub events and the job's reply.
"""

from __future__ import annotations

import json
import logging
import queue
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable

import soundfile as sf

from soundloom.engine.adapters import variant_name
from soundloom.engine.jobs import CANCELLED, Job, JobBoard, complete
from soundloom.engine.outbox import Outbox, Outgoing
from soundloom.engine.training.finetune import FinetuneSpec
from soundloom.engine.worker import PROGRESS_INTERVAL_S
from soundloom.protocol.codec import attach_audio
from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.protocol.messages import error_content

log = logging.getLogger("soundloom.engine")


class FinetuneRunner(threading.Thread):
    """Runs queued fine-tuning jobs; `on_finished()` is called after each (to refresh model variants)."""

    def __init__(self, board: JobBoard, outbox: Outbox, on_finished: Callable[[], None], log_dir: Path):
        super().__init__(name="soundloom-finetune", daemon=True)
        self.board, self.outbox, self.on_finished, self.log_dir = board, outbox, on_finished, log_dir
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._lock = threading.Lock()
        self._training: dict[str, Job] = {}  # adapter name -> its queued or running job

    def training(self, name: str) -> Job | None:
        with self._lock:
            return self._training.get(name)

    def submit(self, job: Job) -> None:
        spec: FinetuneSpec = job.request
        with self._lock:
            if spec.name in self._training:
                raise SoundloomError(ErrorCode.ADAPTER_EXISTS, f"adapter {spec.name!r} is being trained by job "
                                     f"{self._training[spec.name].job_id}", "name")
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
                with self._lock:
                    self._training.pop(job.request.name, None)
                self.on_finished()

    def _finish(self, job: Job, content: dict, state: str) -> None:
        complete(self.board, self.outbox, job, content, state=state)

    def _run(self, job: Job) -> None:
        spec: FinetuneSpec = job.request
        folder = Path(spec.adapter_dir)
        folder.mkdir(parents=True, exist_ok=True)
        spec_file = folder / "spec.json"
        spec_file.write_text(json.dumps(asdict(spec)))
        job.state, job.started = "running", time.monotonic()
        self.outbox.put(Outgoing("status", {"execution_state": "busy", "job_id": job.job_id}, parent=job.header))
        with open(self.log_dir / "finetune.log", "ab") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-m", "soundloom.engine.training.finetune_process", str(spec_file)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, text=True, bufsize=1,
            )
        threading.Thread(target=self._cancel_when_asked, args=(job, process), daemon=True).start()
        outcome = self._follow(job, process)
        process.wait()
        job.cancel_event.set()  # releases the cancel watcher
        if outcome.get("event") == "done":
            record = outcome["record"]
            content = {"status": "ok", "job_id": job.job_id, "adapter": spec.name, "model": variant_name(spec.base, spec.name),
                       "steps": record["steps_done"], "loss": record["loss"], "elapsed_s": round(time.monotonic() - job.started, 3)}
            self._finish(job, content, "done")
        elif outcome.get("event") == "error":
            error = SoundloomError.from_dict(outcome)
            self._finish(job, error_content(error), "cancelled" if error.code == ErrorCode.CANCELLED else "error")
        else:
            message = f"the training process ended without a result (exit status {process.returncode}); see finetune.log"
            self._finish(job, error_content(SoundloomError(ErrorCode.INTERNAL, message)), "error")

    def _cancel_when_asked(self, job: Job, process: subprocess.Popen) -> None:
        job.cancel_event.wait()
        if process.poll() is None:
            try:
                process.stdin.write("cancel\n")
                process.stdin.flush()
            except OSError:  # it has just exited
                pass

    def _follow(self, job: Job, process: subprocess.Popen) -> dict:
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
            if kind == "progress":
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

