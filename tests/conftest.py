"""Shared fixtures: tiny random-weight models built offline, and a real engine daemon to talk to."""

from __future__ import annotations

import os

# One compute thread per process. The suite runs an engine daemon, training subprocesses and the
# tests side by side; with a thread pool per process sized to the machine's cores, the pools spin
# against one another on a busy machine and a test's duration then depends on the core count and
# the load instead of on its own work. Set before anything imports torch; subprocesses inherit it.
os.environ.setdefault("OMP_NUM_THREADS", "1")

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
# Settings come from the test run's own file, never from the user's settings.toml. In it, an engine
# that a command or a client starts exits with it (idle_timeout 0), as the tests expect unless
# they set their own; engines started in subprocesses inherit the variable.
if "SOUNDLOOM_CONFIG_DIR" not in os.environ:
    import tempfile

    os.environ["SOUNDLOOM_CONFIG_DIR"] = tempfile.mkdtemp(prefix="soundloom-test-settings-")
    Path(os.environ["SOUNDLOOM_CONFIG_DIR"], "settings.toml").write_text("idle_timeout = 0\n", encoding="utf-8")
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
    """`python -m soundloom.daemon serve` with its own runtime and data folders."""

    def __init__(self, root: Path, model: Path, *extra: str):
        self.root, self.model, self.extra = root, model, extra
        self.runtime = root / "run"
        self.data = root / "data"
        self.runtime.mkdir(mode=0o700, exist_ok=True)
        self.connection_file = self.runtime / "engine.json"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 180) -> ConnectionInfo:
        self.connection_file.unlink(missing_ok=True)
        env = dict(os.environ, SOUNDLOOM_RUNTIME_DIR=str(self.runtime))
        command = [
            sys.executable, "-m", "soundloom.daemon", "serve", "--model", str(self.model),
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

    @property
    def engine_log(self) -> Path:
        return self.data / "logs" / "engine.log"

    def log_count(self, text: str) -> int:
        """How often `text` occurs in the engine's log, rotated parts included."""
        count = 0
        for path in self.engine_log.parent.glob(self.engine_log.name + "*"):
            try:
                count += path.read_text(errors="replace").count(text)
            except FileNotFoundError:  # rotated away meanwhile
                pass
        return count

    def wait_for_log(self, text: str, count: int, timeout: float = 60) -> None:
        """Wait until `text` occurs at least `count` times in the engine's log."""
        deadline = time.monotonic() + timeout
        while self.log_count(text) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{text!r} did not reach {count} occurrences in {self.engine_log} within {timeout} s")
            time.sleep(0.05)

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
    """A client speaking the wire protocol directly: DEALER shell and control, SUB iopub.

    It speaks CURVE when the connection file names a server key, unless `curve` is False.
    """

    def __init__(self, info: ConnectionInfo, key: str | None = None, curve: bool = True):
        self.context = zmq.Context()
        self.session = Session(info.key if key is None else key)
        self.curve_server_key = info.curve_server_key if curve else ""
        if self.curve_server_key:
            self.curve_public, self.curve_secret = zmq.curve_keypair()
        self.shell = self._connect(zmq.DEALER, info.endpoint("shell"))
        self.control = self._connect(zmq.DEALER, info.endpoint("control"))
        self.iopub = self._connect(zmq.SUB, info.endpoint("iopub"))
        self.iopub.setsockopt(zmq.SUBSCRIBE, b"")

    def _connect(self, kind: int, endpoint: str) -> zmq.Socket:
        socket = self.context.socket(kind)
        socket.linger = 0
        if self.curve_server_key:
            socket.curve_serverkey = self.curve_server_key.encode("ascii")
            socket.curve_publickey, socket.curve_secretkey = self.curve_public, self.curve_secret
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

    def event(self, timeout: float = 30) -> dict:
        """The next iopub message."""
        return self.recv("iopub", timeout)

    def events_until_idle(self, job_id: str, timeout: float = 120) -> list[dict]:
        """iopub messages of `job_id` up to and including its idle status, the last thing the engine
        publishes for a job (right after its reply)."""
        mine, deadline = [], time.monotonic() + timeout
        while True:
            msg = self.event(max(0.0, deadline - time.monotonic()))
            if msg["parent_header"].get("msg_id") != job_id:
                continue
            mine.append(msg)
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return mine

    def wait_for_events(self, timeout: float = 120) -> None:
        """Return once iopub delivers this peer the engine's events.

        A SUB socket misses whatever is published before its subscription reaches the publisher,
        and nothing tells the subscriber when that has happened. So run the cheapest job there is
        (loading the default model, a no-op once it is loaded) until its idle status comes through;
        every event published after that reaches this peer.
        """
        model = self.request("info_request", channel="control", timeout=timeout)["content"]["default_model"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job_id = self.send("model_load_request", {"model": model})["header"]["msg_id"]
            reply = self.recv(timeout=max(0.0, deadline - time.monotonic()))
            assert reply["parent_header"]["msg_id"] == job_id and reply["content"]["status"] == "ok", reply["content"]
            # The idle status is published right after the reply: once subscribed, it follows at once.
            try:
                self.events_until_idle(job_id, timeout=1.0)
                return
            except TimeoutError:
                continue
        raise TimeoutError(f"iopub delivered nothing within {timeout} s")

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
    """A Peer of the module's engine whose iopub already receives events."""
    client = Peer(daemon.info)
    client.wait_for_events()
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
    """Open extra peers: connect(info, key=None, curve=True, events=False) → Peer; all closed after the test.

    `events=True` waits until the peer's iopub receives events (needs the right key).
    """
    peers = []

    def _connect(info: ConnectionInfo, key: str | None = None, curve: bool = True, events: bool = False) -> Peer:
        client = Peer(info, key, curve)
        peers.append(client)
        if events:
            client.wait_for_events()
        return client

    yield _connect
    for client in peers:
        client.close()
