"""`Client`: the blocking twin of `AsyncClient`, for scripts, notebooks and GUI threads.

It runs one asyncio event loop on a background thread and submits the AsyncClient's coroutines
to it, so the protocol is implemented once. Every method has the AsyncClient method's name,
signature and docstring (`help()` and `inspect.signature` show them); methods that return an
`AsyncJob` there return a blocking `Job` here. A Client may be used from several threads.
`on_progress` and `on_validation` callbacks run on the client's I/O thread: keep them short, and
do not call the Client from inside them.
"""

from __future__ import annotations

import asyncio
import functools
import inspect  # already loaded by asyncio
import os
import threading
from typing import Any, Callable, Coroutine, Sequence

from soundloom.sdk.async_client import AsyncAdapters, AsyncClient, AsyncModels
from soundloom.sdk.errors import ClientClosedError
from soundloom.sdk.job import Job


CLEANUP_S = 10.0  # how long Ctrl-C waits for a cancelled call to clean up (an engine's shutdown grace and more)


class _Portal:
    """An asyncio event loop on a daemon thread that runs coroutines for blocking callers."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="soundloom-client", daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        """Run `coro` on the loop and return its result; Ctrl-C cancels it."""
        if self.loop.is_closed():
            coro.close()
            raise ClientClosedError()
        if threading.current_thread() is self.thread:
            coro.close()
            raise RuntimeError(
                "a blocking Client call from the client's own I/O thread (e.g. inside on_progress) would "
                "deadlock; use AsyncClient there"
            )
        finished = threading.Event()

        async def tracked():
            try:
                return await coro
            finally:
                finished.set()

        future = asyncio.run_coroutine_threadsafe(tracked(), self.loop)
        try:
            return future.result()
        except KeyboardInterrupt:
            # cancel() marks the future cancelled at once, before the coroutine has unwound; wait for
            # its clean-up (cancelling the engine job, stopping an engine it was starting) to finish.
            future.cancel()
            finished.wait(CLEANUP_S)
            raise

    def call_soon(self, callback: Callable[..., Any], *args: Any) -> None:
        """Run `callback(*args)` on the loop; a no-op once the loop is closed."""
        try:
            self.loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:  # closed: nothing is left to notify
            pass

    def stop(self) -> None:
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5.0)
        self.loop.close()


def _blocking(method: Callable[..., Coroutine[Any, Any, Any]], wrap: Callable[[Any, _Portal], Any] | None = None):
    """The blocking twin of an async method of `self._async`: same name, signature and docstring."""

    @functools.wraps(method)
    def call(self, *args: Any, **kwargs: Any) -> Any:
        result = self._portal.run(method(self._async, *args, **kwargs))
        return wrap(result, self._portal) if wrap is not None else result

    call.__module__ = __name__
    call.__qualname__ = call.__qualname__.replace("Async", "", 1)  # AsyncClient.ping -> Client.ping
    if wrap is not None:
        call.__signature__ = inspect.signature(method).replace(return_annotation=wrap.__name__)
        call.__doc__ = (call.__doc__ or "").replace("AsyncJob", wrap.__name__)
    return call


class Models:
    """`client.models`: list, load and unload the engine's models (blocking)."""

    def __init__(self, models: AsyncModels, portal: _Portal):
        self._async = models
        self._portal = portal

    list = _blocking(AsyncModels.list)
    load = _blocking(AsyncModels.load)
    unload = _blocking(AsyncModels.unload)


class Adapters:
    """`client.adapters`: list and remove the engine's fine-tuned adapters (blocking)."""

    def __init__(self, adapters: AsyncAdapters, portal: _Portal):
        self._async = adapters
        self._portal = portal

    list = _blocking(AsyncAdapters.list)
    remove = _blocking(AsyncAdapters.remove)


class Client:
    """Talks to one engine from blocking code; `Client.connect()` makes one.

    Use it as `with Client.connect() as client: audio = client.generate("rain on a tin roof")`.
    Times are in seconds, rates in Hz.
    """

    def __init__(self, client: AsyncClient, portal: _Portal):
        """Prefer `connect()`."""
        self._async = client
        self._portal = portal
        self.models = Models(client.models, portal)
        self.adapters = Adapters(client.adapters, portal)

    @classmethod
    def connect(
        cls,
        connection_file: str | os.PathLike[str] | None = None,
        *,
        start: bool = True,
        timeout: float = 60.0,
        engine_args: Sequence[str] = (),
    ) -> "Client":
        """Connect to the engine of `connection_file` (default: the user's default engine), starting one if needed.

        With `start`, a missing or stale connection file launches
        `python -m soundloom.daemon serve --connection-file PATH *engine_args`. That engine stays
        up for the next client until its idle timeout (the idle_timeout setting); launched with
        idle timeout 0 it is this client's own, and `close()` shuts it down (`started_engine`).
        `timeout` (seconds) bounds launching and the first answered ping.
        Raises EngineNotFoundError (no engine and `start=False`), EngineStartError, EngineDiedError.
        """
        portal = _Portal()
        try:
            client = portal.run(
                AsyncClient._connect(connection_file, start=start, timeout=timeout, engine_args=engine_args)
            )
        except BaseException:
            portal.stop()
            raise
        return cls(client, portal)

    def __repr__(self) -> str:
        return repr(self._async).replace("AsyncClient", "Client", 1)

    @property
    def engine_file(self):
        """The connection file this client uses (path, ConnectionInfo, CURVE key)."""
        return self._async.engine_file

    @property
    def started_engine(self) -> bool:
        """True when this client launched the engine (and so `close()` shuts it down)."""
        return self._async.started_engine

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        """Disconnect; an engine this client started is shut down (shutdown request, then terminate, then kill)."""
        if self._portal.loop.is_closed():
            return
        try:
            self._portal.run(self._async.close())
        finally:
            self._portal.stop()

    shutdown = _blocking(AsyncClient.shutdown)
    resend_pending = _blocking(AsyncClient.resend_pending)
    ping = _blocking(AsyncClient.ping)
    info = _blocking(AsyncClient.info)
    job_status = _blocking(AsyncClient.job_status)
    job_result = _blocking(AsyncClient.job_result)

    generate = _blocking(AsyncClient.generate)
    inpaint = _blocking(AsyncClient.inpaint)
    transfer = _blocking(AsyncClient.transfer)
    extend = _blocking(AsyncClient.extend)
    submit_generate = _blocking(AsyncClient.submit_generate, Job)
    submit_inpaint = _blocking(AsyncClient.submit_inpaint, Job)
    submit_transfer = _blocking(AsyncClient.submit_transfer, Job)
    submit_extend = _blocking(AsyncClient.submit_extend, Job)

    embed = _blocking(AsyncClient.embed)
    library_preview = _blocking(AsyncClient.library_preview)
    finetune = _blocking(AsyncClient.finetune, Job)
