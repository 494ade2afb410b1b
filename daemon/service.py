"""What the engine answers: one handler per request type, independent of sockets and threads.

`handle` returns (content, buffers) to send back now, or None when the reply will follow when a
job finishes. Every failure becomes an error reply naming the field; nothing raises past here.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import fields
from pathlib import Path
from typing import Any

import soundloom
from soundloom.daemon.adapters import AdapterStore
from soundloom.engine.engine import OPERATIONS, Engine, build_request
from soundloom.daemon.finetune_request import library_folder, parse_finetune
from soundloom.daemon.finetune_runner import FinetuneRunner
from soundloom.daemon.jobs import CANCELLED, PRIORITY_RANK, Job, JobBoard, complete
from soundloom.daemon.outbox import Outbox
from soundloom.daemon.registry import ModelRegistry
from soundloom.daemon.request_limits import check_limits
from soundloom.daemon.results import ResultStore
from soundloom.daemon.supervisor import WorkerSupervisor
from soundloom.protocol.codec import PROTOCOL_VERSION, extract_audio
from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.protocol.messages import CONTROL_ACTIONS, MAX_EMBED_TEXTS, MAX_PROMPT_CHARS, Action, error_content

log = logging.getLogger("soundloom.daemon")
Reply = tuple[dict, list]


def _field(content: dict, name: str, kind: type, required: bool = True) -> Any:
    value = content.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, kind) or (kind is str and not value):
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"expected a {'non-empty string' if kind is str else kind.__name__}", name)
    return value


class EngineService:
    """Request handlers over the shared state: engine, models, jobs and stored results."""

    def __init__(self, engine: Engine, registry: ModelRegistry, board: JobBoard, store: ResultStore, outbox: Outbox,
                 adapters: AdapterStore, finetuning: FinetuneRunner, supervisor: WorkerSupervisor,
                 library_roots: list[Path] = ()):
        self.engine, self.registry, self.board, self.store, self.outbox = engine, registry, board, store, outbox
        self.supervisor = supervisor
        self.adapters = adapters
        self.library_roots = [Path(r).expanduser().resolve() for r in library_roots]
        self.finetuning = finetuning  # its thread is started and stopped by the server
        self.shutdown_requested = threading.Event()
        self._embed_runner = None  # started on the first embed request: most sessions never need it
        self._embed_lock = threading.Lock()
        self.cluster = None  # in cluster mode, the engine replicas operations run on (soundloom.daemon.cluster)
        self.refresh_variants()

    def handle(self, msg: dict, channel: str = "shell") -> Reply | None:
        msg_type = msg["header"]["msg_type"]
        action = msg_type.removesuffix("_request") if msg_type.endswith("_request") else None
        try:
            if action is None or action not in {a.value for a in Action}:
                raise SoundloomError(ErrorCode.UNKNOWN_MESSAGE_TYPE, f"the engine does not serve {msg_type!r}", "msg_type")
            if channel == "control" and Action(action) not in CONTROL_ACTIONS:
                allowed = ", ".join(sorted(a.request for a in CONTROL_ACTIONS))
                raise SoundloomError(ErrorCode.UNKNOWN_MESSAGE_TYPE, f"{msg_type!r} is not served on control; allowed: {allowed}", "msg_type")
            content = msg["content"]
            check_limits(content)
            if action in OPERATIONS:
                return self._submit_operation(msg, action, content)
            return getattr(self, f"_{action}")(msg, content)
        except SoundloomError as exc:
            return error_content(exc), []
        except Exception as exc:  # never a traceback across the wire; the log keeps it
            log.exception("handling %s failed", msg_type)
            return error_content(SoundloomError(ErrorCode.INTERNAL, f"{type(exc).__name__}: {exc}")), []

    # ---------------------------------------------------------------- jobs

    def _existing(self, msg: dict) -> Reply | None | bool:
        """A repeated msg_id is answered from the job it created (or its stored result), not run twice.

        Returns the reply to send now, None when it will follow, or False for a new request.
        """
        job = self.board.get(msg["header"]["msg_id"])
        if job is None:
            stored = self.store.get(msg["header"]["msg_id"])
            return stored if stored is not None else False
        if self.board.add_waiter(job, (msg.get("identities", []), msg)):
            return None
        return job.reply

    def _enqueue(self, msg: dict, action: str, request: Any, model: Any, priority: str) -> Reply | None:
        self.supervisor.refuse_if_failed()
        header = msg["header"]
        job = Job(
            job_id=header["msg_id"], action=action, request=request, model=model, priority=priority,
            session=header.get("session", ""), header=header, waiters=[(msg.get("identities", []), msg)],
        )
        self.board.submit(job)
        return None

    def _submit_operation(self, msg: dict, action: str, content: dict) -> Reply | None:
        existing = self._existing(msg)
        if existing is not False:
            return existing
        cls = OPERATIONS[action][0]
        allowed = {f.name for f in fields(cls)} - {"sample_rate"} | {"model", "priority"}
        for name in content:
            if name not in allowed:
                raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"not a field of {action}; allowed: {', '.join(sorted(allowed))}", name)
        request_fields = {k: v for k, v in content.items() if k not in ("model", "priority")}
        if "audio" in request_fields:
            samples, rate = extract_audio(msg, request_fields["audio"])
            request_fields["audio"], request_fields["sample_rate"] = samples.copy(), rate
        priority = content.get("priority", "interactive")
        if priority not in PRIORITY_RANK:
            raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{priority!r}; allowed: interactive, batch", "priority")
        request = build_request(action, request_fields)
        request.validate(self.engine.max_seconds)
        request.resolved_seed()  # fixed now, so a resend or a result fetched later tells the same seed
        return self._enqueue(msg, action, request, self.registry.resolve(content.get("model")), priority)

    def _model_job(self, msg: dict, content: dict, action: str) -> Reply | None:
        """Loading and unloading run on the worker, in queue order, so a running job keeps its model."""
        existing = self._existing(msg)
        if existing is not False:
            return existing
        return self._enqueue(msg, action, None, self.registry.resolve(_field(content, "model", str)), "interactive")

    def _model_load(self, msg: dict, content: dict) -> Reply | None:
        return self._model_job(msg, content, "model_load")

    def _model_unload(self, msg: dict, content: dict) -> Reply | None:
        return self._model_job(msg, content, "model_unload")

    def _job(self, content: dict) -> Job:
        job_id = _field(content, "job_id", str)
        job = self.board.get(job_id)
        if job is None:
            raise SoundloomError(ErrorCode.JOB_NOT_FOUND, f"no job {job_id!r} (never submitted, or forgotten)", "job_id")
        return job

    def _job_status(self, msg: dict, content: dict) -> Reply:
        job = self._job(content)
        return {
            "status": "ok", "job_id": job.job_id, "action": job.action, "state": job.state,
            "position": self.board.position(job) if job.state == "queued" else None,
            "step": job.step, "total": job.total,
            "eta_s": round(job.eta_s, 3) if job.state == "running" and job.eta_s is not None else None,
            "error": job.error,
        }, []

    def _job_result(self, msg: dict, content: dict) -> Reply | None:
        job_id = _field(content, "job_id", str)
        job = self.board.get(job_id)
        if job is not None:
            if self.board.add_waiter(job, (msg.get("identities", []), msg)):
                return None
            return job.reply
        stored = self.store.get(job_id)
        if stored is None:
            raise SoundloomError(ErrorCode.JOB_NOT_FOUND, f"no result for job {job_id!r} (never submitted, or pruned)", "job_id")
        return stored

    def _cancel(self, msg: dict, content: dict) -> Reply:
        job = self.board.cancel(_field(content, "job_id", str))
        if job.state == "queued":
            # It never reached the worker, so nothing else will answer its waiters.
            complete(self.board, self.outbox, job, error_content(CANCELLED), state="cancelled")
        # A running job stops at its next step; report the state it is headed for.
        return {"status": "ok", "job_id": job.job_id, "state": job.state if job.finished else "cancelled"}, []

    # ---------------------------------------------------------------- engine

    def _ping(self, msg: dict, content: dict) -> Reply:
        return {"status": "ok"}, []

    def _info(self, msg: dict, content: dict) -> Reply:
        model = self.engine.model
        return {
            "status": "ok",
            "engine_version": soundloom.__version__,
            "protocol_version": PROTOCOL_VERSION,
            "device": str(self.engine.device),
            "dtype": str(self.engine.dtype).removeprefix("torch."),
            "default_model": self.registry.default or "",
            "default_steps": self._default_steps(),
            "models_loaded": [self._name_of(model.path)] if model is not None else [],
            "queue_length": self.board.queue_length(),
            "pid": os.getpid(),
            "worker": self.supervisor.health(),
            **({"cluster": self.cluster.describe(self._queued())} if self.cluster is not None else {}),
        }, []

    def _queued(self) -> int:
        return sum(1 for job in self.board.unfinished() if job.state == "queued")

    def _default_steps(self) -> int | None:
        """Sampling steps the default model runs when a request leaves them unset (None: no default model)."""
        entries = [e for e in self.registry.entries() if e.name == self.registry.default]
        return entries[0].default_steps if entries else None

    def _name_of(self, path) -> str:
        return next((e.name for e in self.registry.entries() if e.path == path), path.name)

    def _models_list(self, msg: dict, content: dict) -> Reply:
        loaded = self.engine.model.path if self.engine.model is not None else None
        models = [
            {"name": e.name, "family": e.family, "sample_rate": e.sample_rate, "channels": e.channels,
             "operations": list(e.operations), "loaded": e.path == loaded, "path": str(e.path), "base": e.base,
             "default_steps": e.default_steps}
            for e in self.registry.entries()
        ]
        return {"status": "ok", "default_model": self.registry.default or "", "models": models}, []

    def _shutdown(self, msg: dict, content: dict) -> Reply:
        self.shutdown_requested.set()
        return {"status": "ok"}, []

    # ---------------------------------------------------------------- fine-tuning

    def refresh_variants(self) -> None:
        """Offer every ready adapter as the variant "<base>+<adapter>"."""
        ready = [n for n in self.adapters.names() if self.adapters.is_ready(n)]
        self.registry.set_variants([(self.adapters.record(n)["base"], n, self.adapters.folder(n) / "lora") for n in ready])

    def _library_preview(self, msg: dict, content: dict) -> Reply:
        from soundloom.engine.training.library import scan_library

        for key in content:
            if key != "folder":
                raise SoundloomError(ErrorCode.INVALID_ARGUMENT, "not a field of library_preview; allowed: folder", key)
        folder = library_folder(content.get("folder"), self.library_roots)
        return {"status": "ok", **scan_library(folder, self.library_roots).to_dict()}, []

    def _finetune(self, msg: dict, content: dict) -> Reply | None:
        existing = self._existing(msg)
        if existing is not False:
            return existing
        spec = parse_finetune(content, self.registry, self.adapters, self.library_roots, str(self.engine.device))
        header = msg["header"]
        job = Job(job_id=header["msg_id"], action="finetune", request=spec, model=None, priority="batch",
                  session=header.get("session", ""), header=header, waiters=[(msg.get("identities", []), msg)])
        self.finetuning.submit(job)
        return None

    def _adapters_list(self, msg: dict, content: dict) -> Reply:
        adapters = [self.adapters.describe(n, training=self.finetuning.training(n) is not None) for n in self.adapters.names()]
        return {"status": "ok", "adapters": adapters}, []

    def _adapters_remove(self, msg: dict, content: dict) -> Reply:
        name = _field(content, "name", str)
        job = self.finetuning.training(name)
        if job is not None:
            raise SoundloomError(ErrorCode.ADAPTER_BUSY, f"adapter {name!r} is being trained by job {job.job_id}; cancel it first", "name")
        self.adapters.remove(name)
        self.refresh_variants()
        return {"status": "ok", "name": name, "removed": True}, []

    # ---------------------------------------------------------------- text embeddings

    def _embed(self, msg: dict, content: dict) -> Reply | None:
        existing = self._existing(msg)
        if existing is not False:
            return existing
        for key in content:
            if key != "texts":
                raise SoundloomError(ErrorCode.INVALID_ARGUMENT, "not a field of embed; allowed: texts", key)
        texts = content.get("texts")
        if not isinstance(texts, list) or not 1 <= len(texts) <= MAX_EMBED_TEXTS:
            raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"expected a list of 1 to {MAX_EMBED_TEXTS} strings", "texts")
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise SoundloomError(ErrorCode.INVALID_ARGUMENT, "expected a string", f"texts[{i}]")
            if len(text) > MAX_PROMPT_CHARS:
                raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{len(text)} characters; at most {MAX_PROMPT_CHARS}", f"texts[{i}]")
        header = msg["header"]
        job = Job(job_id=header["msg_id"], action="embed", request=list(texts), model=None, priority="interactive",
                  session=header.get("session", ""), header=header, waiters=[(msg.get("identities", []), msg)])
        self._embedder().submit(job)
        return None

    def _embedder(self):
        from soundloom.daemon.text_embedder import EmbedRunner

        with self._embed_lock:
            if self._embed_runner is None or not self._embed_runner.is_alive():
                self._embed_runner = EmbedRunner(self.board, self.outbox, str(self.engine.device))
                self._embed_runner.start()
            return self._embed_runner
