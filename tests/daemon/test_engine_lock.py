"""One engine per connection file: a second refuses to start, naming the first; a crash frees the file."""

import os
import subprocess
import sys

from soundloom.daemon.instance_lock import ENGINE_RUNNING_EXIT
from soundloom.protocol.connection import read_connection_file


def _serve(daemon, *extra) -> subprocess.CompletedProcess:
    env = dict(os.environ, SOUNDLOOM_RUNTIME_DIR=str(daemon.runtime))
    return subprocess.run(
        [sys.executable, "-m", "soundloom.daemon", "serve", "--model", str(daemon.model), "--data-dir",
         str(daemon.data), "--connection-file", str(daemon.connection_file), *extra],
        env=env, capture_output=True, text=True, timeout=120,
    )


def test_a_second_engine_for_the_same_connection_file_refuses_and_names_the_first(make_daemon, connect):
    first = make_daemon()
    info = first.start()
    second = _serve(first)
    assert second.returncode == ENGINE_RUNNING_EXIT
    assert f"pid {first.process.pid}" in second.stderr and "soundloom stop" in second.stderr
    assert len(second.stderr.strip().splitlines()) == 1
    # The first engine still owns the file and answers.
    assert read_connection_file(first.connection_file).pid == first.process.pid
    assert connect(info).request("ping_request")["content"]["status"] == "ok"


def test_a_crashed_engine_does_not_block_the_next_one(make_daemon):
    engine = make_daemon()
    engine.start()
    engine.kill()  # SIGKILL: no clean-up ran, the stale connection file and the lock file remain
    assert engine.connection_file.exists()
    info = engine.start()
    assert info.pid == engine.process.pid


def test_two_launchers_racing_share_one_engine(tiny_model_path, tmp_path, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from soundloom.sdk import Client

    monkeypatch.setenv("SOUNDLOOM_RUNTIME_DIR", str(tmp_path / "run"))
    path = tmp_path / "run" / "engine.json"
    args = ["--model", str(tiny_model_path), "--data-dir", str(tmp_path / "data")]

    def connect():
        return Client.connect(path, engine_args=args, timeout=240)

    with ThreadPoolExecutor(2) as pool:
        clients = list(pool.map(lambda _: connect(), range(2)))
    try:
        pids = {client.info()["pid"] for client in clients}
        assert len(pids) == 1
        assert read_connection_file(path).pid in pids
    finally:
        for client in clients:
            client.close()
