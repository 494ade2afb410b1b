"""Fixtures for the SDK client tests: fake engines on real 127.0.0.1 sockets, and clients connected to them."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).parent
if str(HERE) not in sys.path:  # pytest runs with --import-mode=importlib: make the helper importable
    sys.path.insert(0, str(HERE))

from fake_engine import FakeEngine  # noqa: E402

from soundloom.sdk import Client, launcher  # noqa: E402

FAKE_ENGINE_SCRIPT = HERE / "fake_engine.py"
WAIT_S = 60.0  # long enough for a loaded machine to start a thread or a process, short of a hang


@pytest.fixture
def engine(tmp_path):
    """A FakeEngine serving from a thread of this process; its connection file is engine.json in tmp_path."""
    fake = FakeEngine(tmp_path / "engine.json").start()
    yield fake
    fake.stop()


@pytest.fixture
def client(engine):
    """A blocking Client connected to `engine` (never starts one)."""
    with Client.connect(engine.connection_file, start=False, timeout=WAIT_S) as connected:
        yield connected


@pytest.fixture
def fake_command(monkeypatch):
    """Make the launcher start tests/sdk/fake_engine.py instead of the real engine."""

    def command(connection_file, engine_args=()):
        return [sys.executable, str(FAKE_ENGINE_SCRIPT), "serve", "--connection-file", str(connection_file),
                *engine_args]

    monkeypatch.setattr(launcher, "engine_command", command)
    return command


@pytest.fixture
def engine_process(tmp_path):
    """Start the fake engine as a subprocess (not through the SDK); yields (Popen, connection file).

    Its steps take 50 ms, so a job of many steps is still running whenever a test acts on it."""
    path = tmp_path / "proc.json"
    proc = subprocess.Popen([sys.executable, str(FAKE_ENGINE_SCRIPT), "serve", "--connection-file", str(path),
                             "--step-s", "0.05"], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + WAIT_S
    while not path.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    assert path.exists(), "the fake engine process wrote no connection file"
    yield proc, path
    proc.kill()
    proc.wait()
