"""Connecting: finding the engine's connection file, launching an engine, shutting down only our own, CURVE."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from fake_engine import FakeEngine

from soundloom.protocol.connection import ConnectionInfo, new_key, write_connection_file
from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.sdk import Client, EngineNotFoundError, EngineStartError
from soundloom.sdk.launcher import EngineProcess, engine_command

WAIT_S = 60.0  # long enough for a loaded machine to start a process, short of a hang


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_no_connection_file_and_no_start_is_a_clear_error(tmp_path):
    with pytest.raises(EngineNotFoundError) as caught:
        Client.connect(tmp_path / "engine.json", start=False)
    assert caught.value.code is ErrorCode.FILE_NOT_FOUND
    message = str(caught.value)
    assert "does not exist" in message and "\n" not in message
    # Both readers are told what to do: the command-line user and the Python user.
    assert "`soundloom serve`" in message and "`Client.connect(start=True)`" in message
    assert "python -m" not in message


def test_a_stale_connection_file_is_not_an_engine(tmp_path):
    path = tmp_path / "engine.json"
    write_connection_file(ConnectionInfo("tcp", "127.0.0.1", 1, 2, 3, 4, new_key(), _dead_pid()), path)
    with pytest.raises(EngineNotFoundError, match="stale"):
        Client.connect(path, start=False)
    assert path.exists()  # clients ignore stale files; only a launcher deletes them


def test_an_invalid_connection_file_names_the_field(tmp_path):
    path = tmp_path / "engine.json"
    path.write_text(json.dumps({"transport": "tcp", "ip": "127.0.0.1"}))
    with pytest.raises(SoundloomError) as caught:
        Client.connect(path)
    assert caught.value.code is ErrorCode.BAD_CONNECTION_FILE and caught.value.field == "shell_port"


def test_the_default_connection_file_is_in_the_runtime_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SOUNDLOOM_RUNTIME_DIR", str(tmp_path))
    fake = FakeEngine(tmp_path / "engine.json").start()
    try:
        with Client.connect(start=False, timeout=WAIT_S) as client:
            assert client.engine_file.path == tmp_path / "engine.json"
            assert client.info()["pid"] > 0
    finally:
        fake.stop()


def test_the_engine_command_runs_the_engine_module():
    assert engine_command("/run/x.json", ["--device", "cpu"])[1:] == [
        "-m", "soundloom.daemon", "serve", "--connection-file", "/run/x.json", "--device", "cpu"]


def test_connect_starts_an_engine_and_close_shuts_it_down(tmp_path, fake_command):
    path = tmp_path / "engine.json"
    write_connection_file(ConnectionInfo("tcp", "127.0.0.1", 1, 2, 3, 4, new_key(), _dead_pid()), path)
    with Client.connect(path, timeout=WAIT_S, engine_args=["--delay", "0.3"]) as client:
        assert client.started_engine
        pid = client.info()["pid"]
        assert pid == client._async._engine.pid  # the stale file was replaced by the new engine's
        assert client.generate("rain", seconds=0.5, steps=2).seconds == 0.5
        log_path = client._async._engine.log_path
        process = client._async._engine.process
    assert process.returncode == 0  # it exited by itself after the shutdown request
    assert not path.exists()
    assert f"fake engine {pid} starting" in log_path.read_text()


def test_a_second_client_does_not_shut_down_an_engine_it_did_not_start(tmp_path, fake_command):
    path = tmp_path / "engine.json"
    with Client.connect(path, timeout=WAIT_S) as owner:
        with Client.connect(path, start=True, timeout=WAIT_S) as guest:
            assert not guest.started_engine
            assert guest.ping() > 0
        assert owner.ping() > 0  # still running after the guest left
        assert owner.started_engine


def test_an_engine_that_crashes_at_start_up_reports_its_log(tmp_path, fake_command):
    started = time.monotonic()
    with pytest.raises(EngineStartError) as caught:
        Client.connect(tmp_path / "engine.json", timeout=10 * WAIT_S, engine_args=["--crash"])
    assert time.monotonic() - started < WAIT_S  # as soon as it exits, not at the timeout
    message = str(caught.value)
    assert "exited with code 3" in message and "no model could be loaded" in message
    assert str(tmp_path / "engine.log") in message


def test_an_engine_that_never_gets_ready_is_killed_at_the_timeout(tmp_path, fake_command):
    started = time.monotonic()
    with pytest.raises(EngineStartError, match="no connection file in time"):
        Client.connect(tmp_path / "engine.json", timeout=1.0, engine_args=["--delay", "3600"])
    assert time.monotonic() - started < WAIT_S  # the timeout plus terminating the process, not the engine's delay
    assert not (tmp_path / "engine.json").exists()


def test_stop_terminates_an_engine_that_ignores_shutdown(tmp_path, fake_command):
    import asyncio

    path = tmp_path / "engine.json"
    engine = EngineProcess.start(path, ["--ignore-shutdown"])
    try:
        engine_file = asyncio.run(engine.wait_ready(time.monotonic() + WAIT_S))
        assert engine_file.info.pid == engine.pid and engine.running()
        engine.stop(grace=0.2)  # it ignores the shutdown request, so it must be terminated
        assert not engine.running()
        assert not path.exists()  # the connection file it left behind is removed
    finally:
        if engine.running():
            engine.process.kill()


def test_curve_encrypted_engines_are_reached_with_the_key_from_the_file(tmp_path):
    fake = FakeEngine(tmp_path / "engine.json", curve=True).start()
    try:
        assert json.loads(fake.connection_file.read_text())["curve_server_key"]
        with Client.connect(fake.connection_file, start=False, timeout=WAIT_S) as client:
            assert client.engine_file.curve_server_key
            assert client.generate("rain", seconds=0.5, steps=2).sample_rate == 16000
            heartbeat = client._async._transport.heartbeat
            deadline = time.monotonic() + WAIT_S
            while heartbeat.echoes < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert heartbeat.echoes >= 2  # the heartbeat's own socket speaks CURVE too
    finally:
        fake.stop()


def test_close_stops_every_thread_and_later_calls_fail(engine):
    import threading

    from soundloom.sdk import ClientClosedError

    client = Client.connect(engine.connection_file, start=False, timeout=WAIT_S)
    job = client.submit_generate("x", seconds=0.5, steps=2)
    job.result(timeout=WAIT_S)
    client.close()
    client.close()  # twice is fine
    names = {t.name for t in threading.enumerate()}
    assert not names & {"soundloom-client", "soundloom-heartbeat"}
    assert job.status == "done" and list(job.progress)[-1][:2] == (2, 2)  # still readable
    with pytest.raises(ClientClosedError):
        client.ping()


def test_shutdown_cancels_running_jobs_and_ends_the_engine(client, engine):
    from soundloom.sdk import EngineDiedError, JobCancelledError

    engine.step_s = 0.02
    job = client.submit_generate("drone", seconds=0.5, steps=500)
    next(iter(job.progress))
    client.shutdown()
    with pytest.raises(JobCancelledError):
        job.result(timeout=WAIT_S)
    engine._thread.join(WAIT_S)
    assert not engine._thread.is_alive() and not engine.connection_file.exists()
    with pytest.raises(EngineDiedError, match="shut down"):
        client.ping()
    assert "shut down" in repr(client)
