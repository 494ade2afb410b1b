"""`EngineLink`: the app's one connection to the engine daemon.

Every call returns at once; what the engine answers comes back as Qt signals on the GUI thread.

Why the SDK's blocking `Client` on a worker thread, and not `AsyncClient` on an asyncio loop shared
with Qt: sharing one loop needs an integration package (qasync) the app does not depend on, and
it would put the client's socket reading on the GUI thread, where a slow repaint delays replies
and a burst of progress events delays repaints. The blocking `Client` already runs its own event
loop on a thread of its own; a second thread here owns the connection (connecting, starting an
engine, polling its status, reconnecting), so nothing the engine does can stall the window. A
job's outcome is waited for on a short-lived thread per job; signals emitted there reach the GUI
thread queued, as Qt does for any signal crossing threads.

Lifetime: `start()` connects in the background, starting an engine when none runs. An engine the
link starts stays warm after `stop()` for the next client until its idle timeout (the idle_timeout
setting), as one a command starts does; with `--idle-timeout 0` among `engine_args` it is the link's
own and `stop()` shuts it down. When the engine dies, its
running jobs fail with the reason (`job_failed`) and the link connects again as soon as an
engine answers at the same connection file (with `start_engine`, by starting one).
"""

from __future__ import annotations

import importlib.util
import itertools
import queue
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from PyQt6.QtCore import QObject, pyqtSignal, pyqtSlot

from soundloom.protocol.errors import ErrorCode, SoundloomError

ENGINE_INSTALL_HINT = "pip install 'soundloom[engine]'"
STATUS_POLL_S = 2.0        # how often the engine's status is asked while connected (seconds)
RETRY_S = (0.5, 1.0, 2.0)  # waits between connection attempts, then the last one repeated (seconds)
CONNECT_TIMEOUT_S = 180.0  # launching an engine loads a model: generous on a loaded CPU
STOP_WAIT_S = 20.0         # how long stop() waits for the connection to close (an engine it started exits)
KINDS = ("generate", "inpaint", "transfer", "extend")


@dataclass(frozen=True)
class EngineStatus:
    """What the status bar shows. `queue` counts jobs queued plus running in the engine."""

    connected: bool
    device: str = ""
    model: str = ""
    queue: int = 0
    busy: bool = False
    message: str = ""
    engine_missing: bool = False  # no engine runs and this install cannot start one

    def text(self) -> str:
        """One short line for the status bar."""
        if not self.connected:
            return self.message or "Engine: connecting…"
        state = f"busy, {self.queue} job{'s' if self.queue != 1 else ''}" if self.busy else "idle"
        return f"Engine: {self.model or 'no model'} on {self.device or '?'} · {state}"


@dataclass(frozen=True)
class JobView:
    """A job as the jobs panel first shows it. `total` is its step count (0 when unknown)."""

    id: str
    kind: str
    title: str
    total: int


def engine_installed() -> bool:
    """True when this Python can run an engine (the `engine` extra: torch and friends).

    Only looked up, not imported: importing torch would cost the app seconds and hundreds of MB.
    """
    for name in ("torch", "diffusers", "soundloom.engine"):
        try:
            if importlib.util.find_spec(name) is None:
                return False
        except (ImportError, ValueError):
            return False
    return True


def missing_engine_message() -> str:
    return f"No engine is running and this install cannot start one: {ENGINE_INSTALL_HINT}"


def describe(error: BaseException) -> str:
    """The one-line reason of a failure, as the jobs panel shows it."""
    if isinstance(error, SoundloomError):
        return error.message if not error.field else f"{error.field}: {error.message}"
    return str(error) or type(error).__name__


class _Job:
    """A job from submit() to its outcome: the SDK Job once it has been sent."""

    def __init__(self, kind: str):
        self.kind = kind
        self.job = None             # soundloom.sdk.Job, set once submitted
        self.cancelled = False      # cancel() came before it was submitted
        self.finished = False


class EngineLink(QObject):
    """The app's one connection to the engine, via the SDK's blocking Client on a worker thread;
    every call returns at once, results come back as signals on the GUI thread."""

    status_changed = pyqtSignal(object)       # EngineStatus
    models_changed = pyqtSignal(list)         # [{"name", "kind" ("base"|"adapter"), "base", ...}]
    job_added = pyqtSignal(object)            # JobView
    job_progress = pyqtSignal(str, int, int, object)   # id, step, total, eta_s | None
    job_result = pyqtSignal(str, object)      # id, list[Audio] (all variations at once: the engine replies once)
    job_failed = pyqtSignal(str, str)         # id, one-line reason
    job_cancelled = pyqtSignal(str)
    validation = pyqtSignal(str, int, str, object)     # id, step, prompt, Audio (fine-tuning validation render)
    loss = pyqtSignal(str, int, float)        # id, step, loss (fine-tuning)
    finetune_result = pyqtSignal(str, object)  # id, the finetune reply dict (adapter, model, steps, loss, elapsed_s)
    _deliver = pyqtSignal(object, object)     # callback, value: run on the GUI thread

    def __init__(self, connection_file=None, *, start_engine: bool = True, engine_args=(), parent=None):
        super().__init__(parent)
        self.connection_file = Path(connection_file) if connection_file is not None else None
        self.start_engine = start_engine
        self.engine_args = tuple(engine_args)
        self.status = EngineStatus(False, message="Engine: not connected")
        self.models: list[dict] = []
        self._client = None
        self._commands: queue.Queue = queue.Queue()
        self._jobs: dict[str, _Job] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._deliver.connect(self._call)
        self.status_changed.connect(self._remember_status)
        self.models_changed.connect(self._remember_models)

    # ------------------------------------------------------------------ public API (GUI thread)

    @property
    def connected(self) -> bool:
        return self.status.connected

    @property
    def can_generate(self) -> bool:
        """False when no engine runs and none can be started here (SDK-only install)."""
        return not self.status.engine_missing

    def start(self) -> None:
        """Connect in the background; reconnects by itself after an engine restart."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="soundloom-engine-link", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Close the client (and the engine it started); jobs still waiting are left to the engine."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._commands.put(None)
        if self._thread is not None:
            self._thread.join(STOP_WAIT_S)

    def submit(self, kind: str, title: str, **params) -> str:
        """Start an audio job; `kind` generate, inpaint, transfer or extend, `params` as the SDK's
        submit_<kind> (on_progress is the link's own). Returns the job's id at once."""
        if kind not in KINDS:
            raise ValueError(f"kind: {kind!r}; allowed: {', '.join(KINDS)}")
        return self._new_job(kind, title, params, _total_steps(kind, params))

    def finetune(self, title: str, **params) -> str:
        """Start a fine-tuning job; `params` as Client.finetune. Returns its id at once; progress,
        loss and validation renders arrive as signals, the outcome as finetune_result."""
        return self._new_job("finetune", title, params, int(params.get("steps") or 0))

    def cancel(self, job_id: str) -> None:
        with self._lock:
            entry = self._jobs.get(job_id)
            if entry is None or entry.finished:
                return
            if entry.job is None:
                entry.cancelled = True  # the worker drops it instead of sending it
                entry.finished = True
                submitted = False
            else:
                submitted = True
        if submitted:
            self._commands.put(("cancel", job_id))
        else:
            self.job_cancelled.emit(job_id)

    def refresh_models(self) -> None:
        """Ask the engine for its models and adapters again; models_changed follows."""
        self._commands.put(("models",))

    def library_preview(self, folder, callback: Callable[[Any], None]) -> None:
        """`callback(dict | SoundloomError)` on the GUI thread: what fine-tuning on `folder` would use."""
        self._commands.put(("preview", folder, callback))

    def job_kind(self, job_id: str) -> str | None:
        with self._lock:
            entry = self._jobs.get(job_id)
        return entry.kind if entry is not None else None

    # ------------------------------------------------------------------ GUI-thread helpers

    @pyqtSlot(object, object)
    def _call(self, callback, value) -> None:
        callback(value)

    def _remember_status(self, status: EngineStatus) -> None:
        self.status = status

    def _remember_models(self, models: list) -> None:
        self.models = models

    def _new_job(self, kind: str, title: str, params: dict, total: int) -> str:
        job_id = f"job-{next(self._ids)}"
        with self._lock:
            self._jobs[job_id] = _Job(kind)
        self.job_added.emit(JobView(job_id, kind, title, total))
        if not self.can_generate:
            self._finish(job_id)
            self.job_failed.emit(job_id, missing_engine_message())
        else:
            self._commands.put(("submit", job_id, kind, params))
        return job_id

    # ------------------------------------------------------------------ the worker thread

    def _emit(self, signal, *args) -> None:
        if not self._stopping.is_set():
            signal.emit(*args)

    def _run(self) -> None:
        attempt = 0
        while not self._stopping.is_set():
            if self._client is None:
                if not self._connect():
                    wait = RETRY_S[min(attempt, len(RETRY_S) - 1)]
                    attempt += 1
                    self._serve_offline(wait)
                    continue
                attempt = 0
                self._poll_status()
                self._list_models()
            try:
                command = self._commands.get(timeout=STATUS_POLL_S)
            except queue.Empty:
                self._poll_status()
                continue
            if command is None:
                break
            self._handle(command)
        self._close_client()

    def _connect(self) -> bool:
        from soundloom.protocol.connection import connection_path
        from soundloom.sdk import Client, EngineNotFoundError
        from soundloom.sdk.launcher import read_engine_file

        path = self.connection_file or connection_path()
        engine_file = read_engine_file(path)
        running = engine_file is not None and not engine_file.stale
        may_start = self.start_engine and engine_installed()
        if not running and not may_start:
            missing = self.start_engine and not engine_installed()
            message = missing_engine_message() if missing else f"Engine: not running (waiting for {path})"
            self._set_status(EngineStatus(False, message=message, engine_missing=missing))
            return False
        self._set_status(EngineStatus(False, message="Engine: starting…" if not running else "Engine: connecting…"))
        try:
            self._client = Client.connect(path, start=may_start, timeout=CONNECT_TIMEOUT_S,
                                          engine_args=self.engine_args)
        except EngineNotFoundError:
            self._set_status(EngineStatus(False, message=f"Engine: not running (waiting for {path})"))
            return False
        except Exception as exc:  # noqa: BLE001 — any failure to connect is shown and retried
            self._set_status(EngineStatus(False, message=f"Engine: cannot connect: {describe(exc)}"))
            return False
        if self._stopping.is_set():
            return True  # _run closes it
        return True

    def _serve_offline(self, wait: float) -> None:
        """While not connected: answer what can be answered (fail previews), keep jobs queued."""
        deadline = time.monotonic() + wait
        kept = []
        while not self._stopping.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                command = self._commands.get(timeout=left)
            except queue.Empty:
                break
            if command is None:
                self._commands.put(None)
                break
            if command[0] == "preview":
                error = SoundloomError(ErrorCode.INTERNAL, self.status.message or "the engine is not connected")
                self._emit(self._deliver, command[2], error)
            elif command[0] == "submit" and self.status.engine_missing:
                self._finish(command[1])
                self._emit(self.job_failed, command[1], missing_engine_message())
            elif command[0] in ("submit", "cancel"):
                kept.append(command)  # sent once connected
        for command in kept:
            self._commands.put(command)

    def _handle(self, command: tuple) -> None:
        what = command[0]
        if what == "submit":
            self._submit(*command[1:])
        elif what == "cancel":
            self._cancel(command[1])
        elif what == "models":
            self._list_models()
        elif what == "preview":
            self._preview(*command[1:])
        elif what == "check":
            self._poll_status()

    def _submit(self, job_id: str, kind: str, params: dict) -> None:
        with self._lock:
            entry = self._jobs.get(job_id)
            if entry is None or entry.cancelled:
                return
        holder: list = []
        last_step = [-1]

        def on_progress(step: int, total: int, eta_s) -> None:  # on the client's I/O thread: keep it short
            self._emit(self.job_progress, job_id, step, total, eta_s)
            if kind == "finetune" and holder and holder[0].loss is not None and step != last_step[0]:
                last_step[0] = step
                self._emit(self.loss, job_id, step, float(holder[0].loss))

        def on_validation(step: int, prompt: str, audio) -> None:
            self._emit(self.validation, job_id, step, prompt, audio)

        try:
            if kind == "finetune":
                params = dict(params)
                folder = params.pop("folder")
                job = self._client.finetune(folder, **params, on_progress=on_progress, on_validation=on_validation)
            else:
                job = getattr(self._client, f"submit_{kind}")(**params, on_progress=on_progress)
        except Exception as exc:  # noqa: BLE001 — bad input or a dead engine: the job fails, the link carries on
            self._finish(job_id)
            self._emit(self.job_failed, job_id, describe(exc))
            self._check_alive(exc)
            return
        holder.append(job)
        with self._lock:
            entry.job = job
        threading.Thread(target=self._wait, args=(job_id, kind, job), name=f"soundloom-{job_id}", daemon=True).start()
        self._poll_status()

    def _wait(self, job_id: str, kind: str, job) -> None:
        from soundloom.sdk import ClientClosedError, EngineDiedError, JobCancelledError

        try:
            result = job.result()
        except JobCancelledError:
            self._finish(job_id)
            self._emit(self.job_cancelled, job_id)
        except ClientClosedError:
            self._finish(job_id)
            self._emit(self.job_failed, job_id, "the app closed its connection to the engine")
        except EngineDiedError as exc:
            self._finish(job_id)
            self._emit(self.job_failed, job_id, describe(exc))
            self._commands.put(("check",))  # notice the death now, not at the next poll
        except Exception as exc:  # noqa: BLE001 — the engine's error reply: shown on the job
            self._finish(job_id)
            self._emit(self.job_failed, job_id, describe(exc))
        else:
            self._finish(job_id)
            if kind == "finetune":
                self._emit(self.finetune_result, job_id, result)
                self._commands.put(("models",))  # a new variant exists
            else:
                self._emit(self.job_result, job_id, result if isinstance(result, list) else [result])
        self._commands.put(("check",))

    def _finish(self, job_id: str) -> None:
        with self._lock:
            entry = self._jobs.get(job_id)
            if entry is not None:
                entry.finished = True

    def _cancel(self, job_id: str) -> None:
        with self._lock:
            entry = self._jobs.get(job_id)
        if entry is None or entry.job is None:
            return
        try:
            entry.job.cancel()  # the job's own wait reports job_cancelled when the engine confirms
        except Exception as exc:  # noqa: BLE001 — e.g. the engine died meanwhile: its wait reports that
            self._check_alive(exc)

    def _preview(self, folder, callback) -> None:
        def run() -> None:
            try:
                value = self._client.library_preview(folder)
            except Exception as exc:  # noqa: BLE001 — handed to the caller as a value
                value = exc if isinstance(exc, SoundloomError) else SoundloomError(ErrorCode.INTERNAL, describe(exc))
            self._emit(self._deliver, callback, value)

        threading.Thread(target=run, name="soundloom-library-preview", daemon=True).start()

    def _poll_status(self) -> None:
        if self._client is None:
            return
        try:
            info = self._client.info()
        except Exception as exc:  # noqa: BLE001
            self._check_alive(exc)
            return
        queued = int(info.get("queue_length") or 0)
        self._set_status(EngineStatus(True, device=str(info.get("device") or ""),
                                      model=str(info.get("default_model") or ""), queue=queued, busy=queued > 0))

    def _list_models(self) -> None:
        if self._client is None:
            return
        try:
            models = self._client.models.list()
            adapters = self._client.adapters.list()
        except Exception as exc:  # noqa: BLE001
            self._check_alive(exc)
            return
        self._emit(self.models_changed, model_entries(models, adapters))

    def _check_alive(self, error: BaseException) -> None:
        """After a failed call: if the engine is gone, drop the client so the loop connects again."""
        from soundloom.sdk import ClientClosedError, EngineDiedError

        if isinstance(error, (EngineDiedError, ClientClosedError, TimeoutError)) and self._client is not None:
            self._close_client()
            self._set_status(EngineStatus(False, message=f"Engine: lost ({describe(error)}); reconnecting…"))

    def _close_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.close()
            except Exception as exc:  # noqa: BLE001 — closing a dead engine's client must not stop the link
                print(f"soundloom desktop: closing the engine connection: {describe(exc)}", file=sys.stderr)

    def _set_status(self, status: EngineStatus) -> None:
        self._emit(self.status_changed, status)


def model_entries(models: list[dict], adapters: list[dict]) -> list[dict]:
    """The picker's list: every model the engine lists (a variant has a `base`), each marked as a
    base model or a fine-tuned variant, plus adapters still training (not usable yet)."""
    entries = []
    names = set()
    by_variant = {a.get("model"): a for a in adapters}
    for model in models:
        name = str(model.get("name"))
        names.add(name)
        adapter = by_variant.get(name)
        base = model.get("base")
        entry = dict(model, name=name, kind="adapter" if base else "base", base=base or name)
        if adapter is not None:
            entry.update(adapter=adapter.get("name"), state=adapter.get("state", "ready"))
        entries.append(entry)
    for adapter in adapters:
        if adapter.get("model") not in names:
            entries.append({"name": adapter.get("model"), "kind": "adapter", "base": adapter.get("base"),
                            "adapter": adapter.get("name"), "state": adapter.get("state"), "usable": False})
    return entries


def _total_steps(kind: str, params: dict) -> int:
    """The steps a job will run, 0 while unknown (the model's own default: its progress tells)."""
    if not params.get("steps"):
        return 0
    steps = int(params["steps"])
    if kind == "transfer":
        return max(1, round(float(params.get("strength", 0.5)) * steps))
    return steps
