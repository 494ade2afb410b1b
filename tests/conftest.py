"""Shared fixtures: tiny random-weight models built offline, and a real engine daemon to talk to."""

from __future__ import annotations

import os
import warnings

import pytest
import signal
import subprocess
import sys
import time
from pathlib import Path

import zmq

from soundloom.protocol.codec import Session
from soundloom.protocol.connection import ConnectionInfo, read_connection_file

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
warnings.filterwarnings("ignore", message=".*deprecated.*")


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory):
    """A tiny AudioLDM-format folder (16 kHz, 64 mels, hop 160) saved with save_pretrained."""
    from soundloom.engine.models.untrained import build_untrained_audioldm

    return build_untrained_audioldm(tmp_path_factory.mktemp("models") / "tiny-audioldm", "tiny", seed=0)


@pytest.fixture(scope="session")
def tiny_model(tiny_model_path):
    from soundloom.engine.models.loading import load_model

    return load_model(tiny_model_path)


class Daemon:
    """`python -m soundloom.engine serve` with its own runtime and data folders."""

    def __init__(self, root: Path, model: Path, *extra: str):
        self.root, self.model, self.extra = root, model, extra
        self.runtime = root / "run"
        self.data = root / "data"
        self.runtime.mkdir(mode=0o700, exist_ok=True)
        self.connection_file = self.runtime / "engine.json"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> ConnectionInfo:
        self.connection_file.unlink(missing_ok=True)
        env = dict(os.environ, SOUNDLOOM_RUNTIME_DIR=str(self.runtime))
        command = [
            sys.executable, "-m", "soundloom.engine", "serve", "--model", str(self.model),
            "--data-dir", str(self.data), "--connection-file", str(self.connection_file), *self.extra,
        ]
        self.log = open(self.root / "daemon-stderr.log", "ab")
        self.process = subprocess.Popen(command, env=env, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + timeout
        while not self.connection_file.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"engine did not start: {(self.root / 'daemon-stderr.log').read_text()[-2000:]}")
            time.sleep(0.05)
        self.info = read_connection_file(self.connection_file)
        return self.info

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


class Peer:
    """A client speaking the wire protocol directly: DEALER shell and control, SUB iopub."""

    def __init__(self, info: ConnectionInfo, key: str | None = None):
        self.context = zmq.Context()
        self.session = Session(info.key if key is None else key)
        self.shell = self._connect(zmq.DEALER, info.endpoint("shell"))
        self.control = self._connect(zmq.DEALER, info.endpoint("control"))
        self.iopub = self._connect(zmq.SUB, info.endpoint("iopub"))
        self.iopub.setsockopt(zmq.SUBSCRIBE, b"")

    def _connect(self, kind: int, endpoint: str) -> zmq.Socket:
        socket = self.context.socket(kind)
        socket.linger = 0
        socket.connect(endpoint)
        return socket

    def send(self, msg_type: str, content: dict, channel: str = "shell", **kwargs) -> dict:
        return self.session.send(getattr(self, channel), msg_type, content, **kwargs)

    def recv(self, channel: str = "shell", timeout: float = 30) -> dict:
        socket = getattr(self, channel)
        if not socket.poll(int(timeout * 1000)):
            raise TimeoutError(f"no message on {channel} within {timeout} s")
        return self.session.recv(socket)

    def request(self, msg_type: str, content: dict | None = None, channel: str = "shell", timeout: float = 30, **kw) -> dict:
        sent = self.send(msg_type, content or {}, channel, **kw)
        reply = self.recv(channel, timeout)
        assert reply["parent_header"]["msg_id"] == sent["header"]["msg_id"]
        return reply

    def close(self) -> None:
        self.context.destroy(linger=0)


@pytest.fixture(scope="module")
def daemon(tiny_model_path, tmp_path_factory):
    engine = Daemon(tmp_path_factory.mktemp("daemon"), tiny_model_path)
    engine.start()
    yield engine
    engine.stop()


@pytest.fixture
def peer(daemon):
    client = Peer(daemon.info)
    time.sleep(0.1)  # let the SUB subscription reach the engine
    yield client
    client.close()


@pytest.fixture
def make_daemon(tiny_model_path, tmp_path):
    started = []

    def _make(*extra: str) -> Daemon:
        engine = Daemon(tmp_path, tiny_model_path, *extra)
        started.append(engine)
        return engine

    yield _make
    for engine in started:
        engine.stop()


@pytest.fixture
def connect():
    """Open extra peers: connect(info, key=None) → Peer; all closed after the test."""
    peers = []

    def _connect(info: ConnectionInfo, key: str | None = None) -> Peer:
        client = Peer(info, key)
        peers.append(client)
        time.sleep(0.1)
        return client

    yield _connect
    for client in peers:
        client.close()
