"""Noticing that the engine died: heartbeat echoes on the hb channel, and its process when local.

The watch runs on a thread of its own with plain blocking sockets, so a busy event loop or a slow
progress callback in the client can never make a live engine look dead.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

import zmq

log = logging.getLogger("soundloom.sdk")

PERIOD_S = 0.25  # one echo request this often (seconds)
ECHO_WAIT_S = 2.0  # a ping unanswered this long is written off and the socket recreated (seconds)
# No echo for this long means the engine is dead (seconds). Generous, because on a machine busy with
# other work this thread itself may wait seconds for a core; a local engine's exit is seen at once
# through its process anyway, so this window only bounds how long a hung engine goes unnoticed.
DEAD_AFTER_S = 10.0
_POLL_SLICE_MS = 50  # waits are sliced so stop() returns promptly


class Heartbeat:
    """Pings the engine's hb endpoint from a thread and reports its death once.

    `on_death(reason)` is called once, on the heartbeat thread, when no echo has come back for
    `dead_after` seconds or `alive()` (when given, e.g. a pid check) returns False. `configure`
    is applied to every new socket (CURVE keys). Times are in seconds.
    """

    def __init__(
        self,
        endpoint: str,
        on_death: Callable[[str], None],
        *,
        alive: Callable[[], bool] | None = None,
        configure: Callable[[zmq.Socket], None] | None = None,
        period: float = PERIOD_S,
        echo_wait: float = ECHO_WAIT_S,
        dead_after: float = DEAD_AFTER_S,
    ):
        self.endpoint = endpoint
        self.period = period
        self.echo_wait = echo_wait
        self.dead_after = dead_after
        self._on_death = on_death
        self._alive = alive
        self._configure = configure
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="soundloom-heartbeat", daemon=True)
        self.last_echo = time.monotonic()  # monotonic seconds of the latest echo
        self.echoes = 0  # echoes received so far

    def start(self) -> "Heartbeat":
        self.last_echo = time.monotonic()
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop watching; returns within about 50 ms."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)

    # ------------------------------------------------------------------ thread

    def _run(self) -> None:
        context = zmq.Context()
        sock: zmq.Socket | None = None
        try:
            while not self._stop.is_set():
                if sock is None:
                    sock = self._socket(context)
                    sock.send(b"ping")
                    sent = time.monotonic()
                if self._wait_for_echo(sock, min(self.period, sent + self.echo_wait - time.monotonic())):
                    sock.recv()
                    self.last_echo = time.monotonic()
                    self.echoes += 1
                    self._stop.wait(max(0.0, sent + self.period - time.monotonic()))
                    sock.send(b"ping")
                    sent = time.monotonic()
                elif time.monotonic() - sent >= self.echo_wait:
                    # A REQ socket that lost its reply may never send again: start over with a new one.
                    sock.close(linger=0)
                    sock = None
                reason = self._death_reason()
                if reason:
                    if not self._stop.is_set():
                        self._on_death(reason)
                    return
        except zmq.ZMQError as exc:  # the context was torn down under us at interpreter exit
            log.debug("heartbeat stopped: %s", exc)
        finally:
            if sock is not None:
                sock.close(linger=0)
            context.term()

    def _socket(self, context: zmq.Context) -> zmq.Socket:
        sock = context.socket(zmq.REQ)
        sock.linger = 0
        if self._configure is not None:
            self._configure(sock)
        sock.connect(self.endpoint)
        return sock

    def _wait_for_echo(self, sock: zmq.Socket, seconds: float) -> bool:
        deadline = time.monotonic() + max(0.0, seconds)
        while not self._stop.is_set():
            left_ms = int((deadline - time.monotonic()) * 1000)
            if sock.poll(max(0, min(_POLL_SLICE_MS, left_ms)), zmq.POLLIN):
                return True
            if left_ms <= 0:
                return False
        return False

    def _death_reason(self) -> str | None:
        if self._alive is not None and not self._alive():
            return "its process has exited"
        silent = time.monotonic() - self.last_echo
        if silent >= self.dead_after:
            return f"no heartbeat echo for {silent:.1f} s"
        return None
