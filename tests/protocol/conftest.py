"""Shared fixtures: real ZeroMQ sockets on 127.0.0.1 with timeouts, so a lost message fails fast."""

from __future__ import annotations

import pytest
import zmq

TIMEOUT_MS = 5000


@pytest.fixture
def context():
    ctx = zmq.Context()
    yield ctx
    ctx.destroy(linger=0)


def _socket(ctx: zmq.Context, kind: int) -> zmq.Socket:
    sock = ctx.socket(kind)
    sock.linger = 0
    sock.rcvtimeo = TIMEOUT_MS
    sock.sndtimeo = TIMEOUT_MS
    return sock


@pytest.fixture
def make_socket(context):
    """make_socket(kind) -> a socket with linger 0 and 5 s send/receive timeouts, closed after the test."""
    sockets = []

    def make(kind: int) -> zmq.Socket:
        sockets.append(_socket(context, kind))
        return sockets[-1]

    yield make
    for sock in sockets:
        sock.close(linger=0)


@pytest.fixture
def router_dealer(make_socket):
    """(router, dealer): the engine's shell socket and a connected client socket over tcp."""
    router = make_socket(zmq.ROUTER)
    port = router.bind_to_random_port("tcp://127.0.0.1")
    dealer = make_socket(zmq.DEALER)
    dealer.connect(f"tcp://127.0.0.1:{port}")
    return router, dealer
