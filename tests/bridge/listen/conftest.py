"""Listener test helpers: an OSC peer on a real UDP socket."""

from __future__ import annotations

import socket
import time

import pytest
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder


class OscPeer:
    """A controller or tool speaking OSC over UDP from its own port on 127.0.0.1."""

    def __init__(self, listener_address: tuple[str, int]):
        self.to = listener_address
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.progress: list[float] = []

    def send(self, address: str, *args) -> None:
        builder = OscMessageBuilder(address)
        for arg in args:
            builder.add_arg(arg)
        self.socket.sendto(builder.build().dgram, self.to)

    def receive(self, timeout: float = 120) -> tuple[str, list]:
        """The next reply other than /soundloom/progress (those are kept in `progress`)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no OSC reply within {timeout} s")
            self.socket.settimeout(left)
            data, _ = self.socket.recvfrom(65536)
            message = OscMessage(data)
            if message.address == "/soundloom/progress":
                self.progress.extend(message.params)
                continue
            return message.address, list(message.params)

    def ask(self, address: str, *args, timeout: float = 120) -> tuple[str, list]:
        self.send(address, *args)
        return self.receive(timeout)

    def close(self) -> None:
        self.socket.close()


@pytest.fixture
def osc_peer():
    """osc_peer(listener_address) -> OscPeer; closed after the test."""
    peers = []

    def _make(address):
        peers.append(OscPeer(address))
        return peers[-1]

    yield _make
    for peer in peers:
        peer.close()

