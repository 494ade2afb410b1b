"""A warm engine: it stays up between commands and exits on its own after its idle timeout."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import soundfile as sf

from soundloom.daemon.idle import IdleClock
from soundloom.protocol.connection import read_connection_file
from soundloom.sdk import Client
from soundloom.sdk.cli import main

WAIT_S = 120.0  # generous: engines start slowly on a loaded machine


def _wait_until(condition, what: str, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {timeout} s"
        time.sleep(0.05)


def _pid_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:  # our own exited child (the engine of a command run in this process) is a zombie until reaped
        return os.waitpid(pid, os.WNOHANG)[0] == pid
    except ChildProcessError:
        return False


class _Clock:
    """A hand-moved clock, so the idle rules are checked without waiting."""

    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_only_work_restarts_the_idle_clock():
    clock, busy = _Clock(), [False]
    idle = IdleClock(10.0, lambda: busy[0], clock)
    clock.now += 6
    for looking in ("ping_request", "info_request", "job_status_request", "models_list_request"):
        idle.saw(looking)  # a desktop polling the engine's state
    clock.now += 6
    assert idle.expired()
    idle.saw("generate_request")
    assert not idle.expired() and idle.idle_for() == 0
    busy[0] = True  # the job runs past the timeout: never idle meanwhile
    clock.now += 60
    assert not idle.expired()
    busy[0] = False
    clock.now += 9
    assert not idle.expired()  # counted from the end of the job
    clock.now += 1
    assert idle.expired()


def test_no_timeout_never_expires():
    clock = _Clock()
    idle = IdleClock(0.0, lambda: False, clock)
    clock.now += 1e9
    assert not idle.expired()


@pytest.fixture
def warm_settings(tmp_path, monkeypatch):
    """Settings with a 2 s idle timeout, and data folders of the test's own."""
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.toml").write_text("idle_timeout = 2\n", encoding="utf-8")
    monkeypatch.setenv("SOUNDLOOM_CONFIG_DIR", str(config))
    monkeypatch.setenv("SOUNDLOOM_DATA_DIR", str(tmp_path / "data"))
    run = tmp_path / "run"
    run.mkdir(mode=0o700)
    return run / "engine.json"


def _generate(connection: Path, model: Path, out: Path) -> None:
    code = main(["generate", "x", "--seconds", "0.5", "--steps", "2", "-o", str(out), "--model", str(model),
                 "--connection-file", str(connection)])
    assert code == 0 and sf.info(out).frames == 8000


@pytest.mark.slow  # one engine start: ~10 s on a quiet machine, 35 s on a loaded one
def test_an_engine_a_client_started_outlives_it_and_exits_when_idle(tiny_model_path, tmp_path, monkeypatch):
    monkeypatch.setenv("SOUNDLOOM_DATA_DIR", str(tmp_path / "data"))
    connection = tmp_path / "engine.json"
    with Client.connect(connection, timeout=WAIT_S, engine_args=["--model", str(tiny_model_path), "--idle-timeout", "1"]) as client:
        assert not client.started_engine  # launched detached: closing this client does not shut it down
        pid = client.info()["pid"]
    _wait_until(lambda: not connection.exists(), "the idle engine removed its connection file")
    _wait_until(lambda: _pid_gone(pid), "the idle engine exited")
    log = (tmp_path / "data" / "logs" / "engine.log").read_text()
    assert "idle timeout" in log and f"engine {pid} stopped" in log and "shutdown" not in log


@pytest.mark.slow  # three engine starts and four renders: ~40 s on a loaded machine
def test_commands_reuse_a_warm_engine_and_start_a_fresh_one_after_it_exits(warm_settings, tiny_model_path, tmp_path,
                                                                           capsys):
    connection = warm_settings
    (warm_settings.parent.parent / "config" / "settings.toml").write_text("idle_timeout = 30\n", encoding="utf-8")
    _generate(connection, tiny_model_path, tmp_path / "a.wav")
    first = read_connection_file(connection).pid
    _generate(connection, tiny_model_path, tmp_path / "b.wav")
    assert read_connection_file(connection).pid == first  # the second command used the warm engine
    assert main(["stop", "--connection-file", str(connection)]) == 0  # ends it now, not after the timeout
    _wait_until(lambda: not connection.exists() and _pid_gone(first), "the stopped engine exited")

    (warm_settings.parent.parent / "config" / "settings.toml").write_text("idle_timeout = 2\n", encoding="utf-8")
    _generate(connection, tiny_model_path, tmp_path / "c.wav")
    second = read_connection_file(connection).pid
    assert second != first
    _wait_until(lambda: not connection.exists(), "the idle engine removed its connection file")
    _generate(connection, tiny_model_path, tmp_path / "d.wav")  # after an idle exit: a fresh engine again
    third = read_connection_file(connection).pid
    assert third not in (first, second)
    assert main(["stop", "--connection-file", str(connection)]) == 0
    _wait_until(lambda: not connection.exists() and _pid_gone(third), "the stopped engine exited")
    capsys.readouterr()


@pytest.mark.slow  # a long render on the real engine
def test_a_job_longer_than_the_idle_timeout_is_not_cut_off(make_daemon, connect):
    engine = make_daemon("--idle-timeout", "1")
    peer = connect(engine.start())
    started = time.monotonic()
    sent = peer.send("generate_request", {"prompt": "rain", "seconds": 1.0, "steps": 60, "seed": 1})
    reply = peer.recv(timeout=600)
    took = time.monotonic() - started
    assert reply["parent_header"]["msg_id"] == sent["header"]["msg_id"]
    assert reply["content"]["status"] == "ok", reply["content"]
    assert took > 1.0, "the render was too short to outlast the timeout; give it more steps"
    assert engine.process.wait(WAIT_S) == 0  # and once idle, it exits by itself
    assert not engine.connection_file.exists()


@pytest.mark.slow  # starts its own engine
def test_a_model_folder_a_warm_engine_cannot_reach_says_how_to_get_one_that_can(make_daemon, tiny_model_path, tmp_path,
                                                                                capsys):
    import shutil

    other = tmp_path / "other-model"
    shutil.copytree(tiny_model_path, other)
    engine = make_daemon()
    engine.start()
    code = main(["generate", "x", "--seconds", "0.5", "--steps", "2", "-o", str(tmp_path / "o.wav"), "--model", str(other),
                 "--connection-file", str(engine.connection_file)])
    err = capsys.readouterr().err
    assert code == 2 and "model_not_found" in err and "run `soundloom stop`, then this command again" in err
    assert not (tmp_path / "o.wav").exists()
