"""Messages produced off the main thread (worker, control) wait here for the socket-owning thread.

ZeroMQ sockets must stay with one thread, so other threads queue what they want sent and ring
an inproc bell that the main loop polls alongside the shell socket.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass

import zmq


@dataclass
class Outgoing:
    """A reply to `waiters` (identities, request) or, with no waiters, an iopub event."""

    msg_type: str
    content: dict
    parent: dict | None = None
    buffers: list | None = None
    waiters: list | None = None


class Outbox:
    def __init__(self, context: zmq.Context):
        self.address = f"inproc://outbox-{id(self)}"
        self._bell_in = context.socket(zmq.PULL)
        self._bell_in.bind(self.address)
        self._bell_out = context.socket(zmq.PUSH)
        self._bell_out.connect(self.address)
        self._lock = threading.Lock()
        self._items: queue.Queue[Outgoing] = queue.Queue()

    @property
    def bell(self) -> zmq.Socket:
        """Poll this socket for POLLIN; then call `drain`."""
        return self._bell_in

    def put(self, item: Outgoing) -> None:
        self._items.put(item)
        with self._lock:
            self._bell_out.send(b"", zmq.NOBLOCK)

    def drain(self) -> list[Outgoing]:
        while True:
            try:
                self._bell_in.recv(zmq.NOBLOCK)
            except zmq.Again:
                break
        items = []
        while True:
            try:
                items.append(self._items.get_nowait())
            except queue.Empty:
                return items

    def close(self) -> None:
        self._bell_in.close(linger=0)
        self._bell_out.close(linger=0)
