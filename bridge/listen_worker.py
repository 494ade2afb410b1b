"""Runs the listener's actions one at a time on a thread of its own, over one engine connection.

Messages keep arriving while a job runs: the OSC and MIDI front ends only queue actions here and
return, so nothing is dropped. The worker connects to the engine when it starts (launching one if
none runs), reconnects after the engine went away, and reports every action's outcome — the files
it made, or a one-line error — to the callback that came with it.
"""

from __future__ import annotations

import logging
import queue
import re
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from soundloom.bridge.errors import BridgeError
from soundloom.bridge.listen_actions import Action, Again, Generate, NextVariation, Regen, describe
from soundloom.bridge.regions import Region
from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.sdk.errors import ClientClosedError, EngineDiedError

log = logging.getLogger(__name__)

SEED_LIMIT = 2**32  # seeds are 0 to 2**32 - 1
SETTLE_S = 0.5  # how long a source must stay unchanged before it is read, as the bridge's own calls wait


@dataclass
class Outcome:
    """What became of one action: the files it wrote (absolute paths), or the one-line `error`."""

    action: Action
    paths: list[Path] = field(default_factory=list)
    error: str | None = None


Reply = Callable[[Outcome], None]
Progress = Callable[[float], None]  # 0.0–1.0


@dataclass
class _LastClip:
    """The last generated clip, so `again` and `next_variation` can follow it."""

    action: Generate
    seed: int


class ActionWorker:
    """A queue of actions and the one thread that runs them against the engine.

    `connect()` returns a connected `soundloom.sdk.Client`; it is called on the worker's thread.
    `output_dir` receives generated clips. `steps`, `guidance` and `model` (None: the engine's defaults)
    apply to every new regeneration and clip; `again`/`next_variation` reuse the last take's.
    """

    def __init__(self, connect: Callable[[], object], *, output_dir: Path, steps: int | None = None,
                 guidance: float | None = None, model: str | None = None, report: Callable[[str], None] = log.info):
        self._connect = connect
        self.report = report
        self.output_dir = Path(output_dir)
        self.options = {key: value for key, value in (("steps", steps), ("guidance", guidance), ("model", model))
                        if value is not None}
        self._queue: queue.Queue = queue.Queue()
        self._client = None
        self._client_lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="soundloom-listen-worker", daemon=True)
        self.last_source: Path | None = None  # the clip of the last take made here
        self._last_clip: _LastClip | None = None
        self._last_was_clip = False
        self._busy = 0  # 1 while an action runs

    def start(self) -> None:
        self._thread.start()

    @property
    def stopping(self) -> bool:
        """True once close() has begun: new actions are refused."""
        return self._stopping.is_set()

    def pending(self) -> int:
        """How many actions wait or run now."""
        return self._queue.qsize() + self._busy

    def submit(self, action: Action, reply: Reply, progress: Progress | None = None) -> None:
        """Queue `action`; `reply` gets its Outcome on the worker thread, `progress` fractions 0–1 while it runs."""
        if self._stopping.is_set():
            _deliver(reply, Outcome(action, error="the listener is stopping"))
            return
        self._queue.put((action, reply, progress))

    def close(self, timeout: float = 30.0) -> None:
        """Stop: a running job is abandoned (its client call ends), queued ones are answered with an error."""
        self._stopping.set()
        self._queue.put(None)
        self._drop_client()  # ends a call in flight at once instead of waiting for the job
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._drop_client()

    # ------------------------------------------------------------------ the worker thread

    def _serve(self) -> None:
        try:
            self._engine()  # connect now, so the first action does not wait for an engine to start
            self.report("connected to the engine")
        except Exception as exc:  # the first action tries again, and reports it if it fails again
            if not self._stopping.is_set():
                self.report(f"cannot reach the engine yet: {_one_line(exc)}")
        while True:
            item = self._queue.get()
            if item is None:
                break
            if self._stopping.is_set():
                self._queue.put(item)  # answered with the rest below
                break
            self._busy = 1
            try:
                self._answer(*item)
            finally:
                self._busy = 0
        while True:  # answer what is still queued, so no sender waits forever
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is not None:
                action, reply, _ = item
                _deliver(reply, Outcome(action, error="the listener stopped before this action ran"))

    def _answer(self, action: Action, reply: Reply, progress: Progress | None) -> None:
        log.info("%s", describe(action))
        try:
            paths = self._run(action, _progress_callback(progress))
            outcome = Outcome(action, [Path(p).absolute() for p in paths])
        except SoundloomError as exc:
            if isinstance(exc, (EngineDiedError, ClientClosedError)):
                self._drop_client()
            outcome = Outcome(action, error=_one_line(exc))
        except Exception as exc:  # a failure of this listener: report it and keep serving
            log.exception("%s failed", describe(action))
            outcome = Outcome(action, error=f"internal error: {_one_line(exc)}")
        if self._stopping.is_set() and outcome.error:
            outcome.error = f"the listener stopped while this action ran ({outcome.error})"
        _deliver(reply, outcome)

    def _run(self, action: Action, on_progress) -> list[Path]:
        from soundloom.bridge import regen as bridge

        if isinstance(action, Generate):
            seed = action.seed if action.seed is not None else secrets.randbelow(SEED_LIMIT)
            return [self._generate(action, seed, on_progress)]
        if isinstance(action, Regen):
            scale = {} if action.adapter_scale is None else {"adapter_scale": action.adapter_scale}
            takes = bridge.regen(action.source, [Region(action.start, action.end)], action.prompt,
                                 client=self._engine(), on_progress=on_progress, **self.options, **scale)
            return self._took(action.source, takes)
        # again / next variation: of the named clip, else of whatever this listener made last
        if action.source is None and self._last_was_clip:
            last = self._last_clip
            seed = last.seed if isinstance(action, Again) else (last.seed + 1) % SEED_LIMIT
            scale = action.adapter_scale if action.adapter_scale is not None else last.action.adapter_scale
            generate = Generate(last.action.prompt, last.action.seconds, last.action.loop, seed, scale)
            return [self._generate(generate, seed, on_progress)]
        source = action.source if action.source is not None else self.last_source
        if source is None:
            raise BridgeError("nothing to follow yet: make a take first (/soundloom/regen) or name a file",
                              "source", ErrorCode.INVALID_ARGUMENT)
        takes = self._follow(source, isinstance(action, NextVariation), action.adapter_scale, on_progress)
        return self._took(source, takes)

    def _follow(self, source: Path, next_seed: bool, adapter_scale: float | None, on_progress):
        """again / next_variation of `source`'s last take, at `adapter_scale` when one is given."""
        from soundloom.bridge import regen as bridge

        operation = bridge.next_variation if next_seed else bridge.again
        return operation(source, client=self._engine(), on_progress=on_progress, settle_s=SETTLE_S,
                         adapter_scale=adapter_scale)

    def _generate(self, action: Generate, seed: int, on_progress) -> Path:
        from soundloom.bridge import regen as bridge

        options = dict(self.options)
        if action.adapter_scale is not None:
            options["adapter_scale"] = action.adapter_scale
        path = bridge.generate_clip(action.prompt, action.seconds, self._clip_path(action.prompt, seed), seed=seed,
                                    loop=action.loop, client=self._engine(), on_progress=on_progress,
                                    **options)
        self._last_clip = _LastClip(action, seed)
        self._last_was_clip = True
        return Path(path)

    def _took(self, source: Path, takes) -> list[Path]:
        self.last_source = Path(source).absolute()
        self._last_was_clip = False
        return [take.path for take in takes]

    def _clip_path(self, prompt: str, seed: int) -> Path:
        """`<output dir>/<prompt words>_<seed>.wav`, numbered on when that name is taken."""
        self.output_dir.mkdir(parents=True, exist_ok=True)
        stem = f"{_slug(prompt)}_{seed}"
        path, number = self.output_dir / f"{stem}.wav", 1
        while path.exists():
            number += 1
            path = self.output_dir / f"{stem}_{number}.wav"
        return path

    # ------------------------------------------------------------------ the engine connection

    def _engine(self):
        """The engine connection, made on first use; only the worker thread connects."""
        with self._client_lock:
            if self._stopping.is_set():
                raise ClientClosedError("the listener is stopping")
            if self._client is not None:
                return self._client
        client = self._connect()  # outside the lock: launching an engine takes a while, and close() must not wait
        with self._client_lock:
            if not self._stopping.is_set():
                self._client = client
                return client
        client.close()
        raise ClientClosedError("the listener is stopping")

    def _drop_client(self) -> None:
        with self._client_lock:
            client, self._client = self._client, None
        if client is not None:
            try:
                client.close()
            except Exception as exc:  # already gone: nothing left to release
                log.debug("closing the engine connection: %s", exc)


def _slug(text: str, limit: int = 40) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit] or "clip"


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _deliver(reply: Reply, outcome: Outcome) -> None:
    try:
        reply(outcome)
    except Exception:  # a reply that cannot be sent must not stop the worker
        log.exception("reporting %s", describe(outcome.action))


def _progress_callback(progress: Progress | None):
    """An on_progress for the bridge calls (`(fraction 0–1, message)`) that forwards the fraction."""
    if progress is None:
        return None

    def forward(fraction: float, _message: str = "") -> None:
        try:
            progress(min(1.0, max(0.0, float(fraction))))
        except Exception:  # a progress report that cannot be sent must not fail the job
            log.debug("progress report failed", exc_info=True)

    return forward
