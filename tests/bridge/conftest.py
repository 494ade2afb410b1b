"""Bridge fixtures: one real engine daemon with the tiny model (16 kHz) for the whole session, a
client connected to it, and deterministic test clips (clips.py, importable from subfolders as
`from clips import write_clip`).

Point the CLI at the engine with `--connection-file <bridge_engine.connection_file>`, or set
SOUNDLOOM_RUNTIME_DIR=<bridge_engine.runtime> so every command (and Client.connect()) finds it
as the user's engine.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
if str(HERE) not in sys.path:  # pytest runs with --import-mode=importlib: make the helpers importable
    sys.path.insert(0, str(HERE))

from clips import write_clip  # noqa: E402,F401  (re-exported for the tests)

FAST = {"steps": 2, "guidance": 1.0}  # the quickest settings the tiny model runs with


@pytest.fixture(scope="session")
def bridge_engine(tiny_model_path, tmp_path_factory):
    """A real engine daemon serving the tiny model; `.connection_file`, `.runtime` (a folder to
    use as SOUNDLOOM_RUNTIME_DIR), `.info` (its ConnectionInfo), `.model` (the model folder)."""
    from tests.conftest import Daemon

    engine = Daemon(tmp_path_factory.mktemp("bridge-engine"), tiny_model_path)
    engine.start()
    yield engine
    engine.stop()


@pytest.fixture
def bridge_client(bridge_engine):
    """A `soundloom.sdk.Client` connected to the session's engine (never starts one)."""
    from soundloom.sdk import Client

    client = Client.connect(bridge_engine.connection_file, start=False, timeout=120)
    yield client
    client.close()


@pytest.fixture
def clip_folder(tmp_path) -> Path:
    folder = tmp_path / "session"
    folder.mkdir()
    return folder
