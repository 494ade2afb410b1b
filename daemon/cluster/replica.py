"""One engine replica: a Ray Serve deployment that keeps a model warm and runs batches as the local worker does.

Each request is one batch. Its events come back as a Serve streaming response (an async generator
method): progress flows over the same call that carries the result, in order, with no second
channel to clean up, and cancelling the response raises CancelledError here at once, which stops
the engine at its next sampling step. The engine runs in a thread so the replica's event loop
stays free to pass events and cancellations along.

Serve's model multiplexing carries the model's path as the model id, so requests for a model
already warm on a replica are routed to that replica first.

Loading and unloading a model (`model_job`) is sent to every replica at once (Serve's broadcast):
each keeps one model warm, so a load warms it everywhere and an unload frees it everywhere.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from pathlib import Path

from ray import serve

from soundloom.daemon.jobs import CANCELLED, Job
from soundloom.daemon.worker import PROGRESS_INTERVAL_S, execute_batch
from soundloom.engine.engine import Engine
from soundloom.engine.files import is_within
from soundloom.protocol.errors import ErrorCode, SoundloomError


def _replica_id() -> str:
    try:
        return serve.get_replica_context().replica_id.unique_id
    except Exception:  # outside Serve (a direct test of the class)
        return f"pid{os.getpid()}"


class EngineReplica:
    """Runs batches sent as lists of (job_id, action, request, model entry); see `run`."""

    def __init__(self, engine_options: dict, model_roots: list[str], adapter_roots: list[str]):
        self.engine = Engine(**engine_options)
        # The daemon already resolved the model through its registry; a replica reaches only the
        # same folders, so a replica on another host never loads anything else from its disk.
        self.model_roots = [Path(p).expanduser().resolve() for p in model_roots]
        self.adapter_roots = [Path(p).expanduser().resolve() for p in adapter_roots]
        self.served = 0
        self._busy = asyncio.Lock()

    def describe(self) -> dict:
        """Who this replica is and what it holds warm."""
        model = self.engine.model
        return {"replica": _replica_id(), "host": socket.gethostname(), "pid": os.getpid(),
                "device": str(self.engine.device), "dtype": str(self.engine.dtype).removeprefix("torch."),
                "models_warm": [str(model.path)] if model is not None else [], "served": self.served}

    def _check_reachable(self, entry) -> None:
        if not is_within(Path(entry.path).resolve(), self.model_roots):
            raise SoundloomError(ErrorCode.MODEL_NOT_FOUND, f"{entry.name!r} is not among this replica's model folders", "model")
        if entry.adapter is not None and not is_within(Path(entry.adapter).resolve(), self.adapter_roots):
            raise SoundloomError(ErrorCode.MODEL_NOT_FOUND, f"the adapter of {entry.name!r} is not in the shared adapters folder", "model")
        # The daemon found the folder on its own host; a replica on another host needs it at the same path.
        for what, folder in (("model folder", entry.path), ("adapter folder", entry.adapter)):
            if folder is not None and not Path(folder).is_dir():
                raise SoundloomError(ErrorCode.MODEL_NOT_FOUND, f"the {what} {folder} of {entry.name!r} does not exist on "
                                     f"replica host {socket.gethostname()}; every replica host needs it at the same path "
                                     "(a shared or synced folder)", "model")

    @serve.multiplexed(max_num_models_per_replica=1)
    async def _warm(self, model_id: str) -> str:
        # The engine keeps one model warm; its loading happens in `execute_batch` (a no-op when warm).
        # Registering the id here is what lets Serve route this model's requests to this replica.
        return model_id

    async def model_job(self, action: str, entry) -> tuple:
        """Load ("model_load") or unload ("model_unload") `entry` here; the daemon sends it to every replica.

        Returns ("done", the local worker's reply, description) or ("error", code, message, field):
        errors as values, so the daemon reads them without Ray's exception wrapping."""
        async with self._busy:  # after the batch running now, which keeps its model
            try:
                if action == "model_load":
                    self._check_reachable(entry)
                job = Job(job_id="", action=action, request=None, model=entry, priority="interactive", session="", header={})
                reply = (await asyncio.to_thread(execute_batch, self.engine, [job], None))[0]
            except SoundloomError as exc:
                return ("error", exc.code.value, exc.message, exc.field)
            except Exception as exc:  # reported to the daemon as the job's error, the replica keeps serving
                return ("error", ErrorCode.INTERNAL.value, f"{type(exc).__name__}: {exc}", None)
            if action == "model_load":
                await self._warm(str(entry.path))  # routes this model's requests here first
            return ("done", reply, self.describe())

    async def run(self, jobs: list[tuple]):
        """Yield ("progress", step, total, description) at most every PROGRESS_INTERVAL_S (the first
        with this replica's description, the others with None), then ("done", results, description,
        total steps) or ("error", code, message, field).

        Every event is an item through Ray that both processes handle while the engine computes, so
        a short job sends none: the first progress leaves once the batch has run PROGRESS_INTERVAL_S,
        and the last step's progress rides on "done" (the daemon reports it from there)."""
        await self._warm(serve.get_multiplexed_model_id())
        async with self._busy:  # Serve sends one request at a time; this keeps it so if configured otherwise
            loop = asyncio.get_running_loop()
            events: asyncio.Queue = asyncio.Queue()
            stop = threading.Event()
            # When progress was last sent (at first: when the batch began), whether any was, and the steps in all.
            sent = {"at": time.monotonic(), "any": False, "total": None}

            def on_step(step: int, total: int) -> None:
                if stop.is_set():
                    raise SoundloomError(ErrorCode.CANCELLED, CANCELLED.message)
                sent["total"] = total
                now = time.monotonic()
                if step < total and now - sent["at"] >= PROGRESS_INTERVAL_S:
                    description = None if sent["any"] else self.describe()
                    sent["at"], sent["any"] = now, True
                    loop.call_soon_threadsafe(events.put_nowait, ("progress", step, total, description))

            def work() -> None:
                try:
                    batch = [Job(job_id=job_id, action=action, request=request, model=entry, priority="interactive",
                                 session="", header={}) for job_id, action, request, entry in jobs]
                    for job in batch:
                        self._check_reachable(job.model)
                    outcome = ("done", execute_batch(self.engine, batch, on_step))
                except SoundloomError as exc:
                    outcome = ("error", exc.code.value, exc.message, exc.field)
                except Exception as exc:  # reported to the daemon as the job's error, the replica keeps serving
                    outcome = ("error", ErrorCode.INTERNAL.value, f"{type(exc).__name__}: {exc}", None)
                loop.call_soon_threadsafe(events.put_nowait, outcome)

            thread = threading.Thread(target=work, name="soundloom-replica-batch", daemon=True)
            thread.start()
            try:
                while True:
                    event = await events.get()
                    if event[0] == "done":
                        self.served += len(jobs)
                        yield ("done", event[1], self.describe(), sent["total"])
                        return
                    yield event
                    if event[0] == "error":
                        return
            finally:
                # Reached on cancellation too: the engine stops at its next step, and the next
                # request waits until it has. After a result the thread has mostly ended already:
                # then the request ends without a hop through another thread, and Serve sees this
                # replica free for the next batch sooner.
                stop.set()
                if thread.is_alive():
                    await asyncio.to_thread(thread.join)
