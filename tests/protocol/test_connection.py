"""Connection files: 0600 atomic writes, validated reads, endpoints, staleness."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest
import zmq

from soundloom.protocol import (
    ConnectionInfo,
    ErrorCode,
    Session,
    SoundloomError,
    connection_path,
    new_key,
    read_connection_file,
    remove_connection_file,
    runtime_dir,
    write_connection_file,
)
from soundloom.protocol.connection import RUNTIME_DIR_ENV, pid_alive

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes and ipc are POSIX")


def info(**changes) -> ConnectionInfo:
    fields = dict(
        transport="tcp",
        ip="127.0.0.1",
        shell_port=50001,
        iopub_port=50002,
        control_port=50003,
        hb_port=50004,
        key=new_key(),
        pid=os.getpid(),
    )
    return ConnectionInfo(**{**fields, **changes})


@pytest.fixture(autouse=True)
def private_runtime_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(RUNTIME_DIR_ENV, str(tmp_path / "run"))
    return tmp_path / "run"


def test_round_trip_through_the_default_path(private_runtime_dir):
    original = info()
    path = write_connection_file(original)
    assert path == private_runtime_dir / "engine.json" == connection_path()
    assert read_connection_file() == original
    assert json.loads(path.read_text())["signature_scheme"] == "hmac-sha256"


@posix_only
def test_file_is_0600_even_with_a_permissive_umask(private_runtime_dir):
    old = os.umask(0)
    try:
        path = write_connection_file(info())
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(runtime_dir().stat().st_mode) == 0o700


@posix_only
def test_replacing_a_loose_file_leaves_a_0600_file_and_no_temporaries(tmp_path):
    path = tmp_path / "engine.json"
    path.write_text("{}")
    path.chmod(0o644)
    write_connection_file(info(), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["engine.json"]  # the temporary was renamed away
    assert read_connection_file(path).key == json.loads(path.read_text())["key"]


@posix_only
def test_runtime_dir_writable_by_others_is_refused(private_runtime_dir):
    private_runtime_dir.mkdir()
    private_runtime_dir.chmod(0o777)
    with pytest.raises(SoundloomError) as error:
        runtime_dir()
    assert error.value.code is ErrorCode.BAD_CONNECTION_FILE


def test_missing_file():
    with pytest.raises(SoundloomError) as error:
        read_connection_file()
    assert error.value.code is ErrorCode.FILE_NOT_FOUND


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '"engine"', ""])
def test_unparseable_file(tmp_path, text):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(SoundloomError) as error:
        read_connection_file(path)
    assert error.value.code is ErrorCode.BAD_CONNECTION_FILE


@pytest.mark.parametrize("field", [f for f in info().to_dict() if f != "curve_server_key"])
def test_missing_field_is_named(tmp_path, field):
    data = info().to_dict()
    del data[field]
    path = tmp_path / "c.json"
    path.write_text(json.dumps(data))
    with pytest.raises(SoundloomError) as error:
        read_connection_file(path)
    assert error.value.code is ErrorCode.BAD_CONNECTION_FILE
    assert error.value.field == field


def test_curve_server_key_is_optional(tmp_path):
    data = info().to_dict()
    del data["curve_server_key"]
    path = tmp_path / "c.json"
    path.write_text(json.dumps(data))
    assert read_connection_file(path).curve_server_key == ""


@pytest.mark.parametrize(
    "field,value",
    [
        ("transport", "udp"),
        ("transport", 1),
        ("ip", ""),
        ("shell_port", 0),
        ("iopub_port", 65536),
        ("control_port", "50003"),
        ("hb_port", True),
        ("key", None),
        ("signature_scheme", "hmac-md5"),
        ("pid", 0),
        ("pid", 1.5),
    ],
)
def test_bad_field_is_named(tmp_path, field, value):
    data = {**info().to_dict(), field: value}
    path = tmp_path / "c.json"
    path.write_text(json.dumps(data))
    with pytest.raises(SoundloomError) as error:
        read_connection_file(path)
    assert error.value.code is ErrorCode.BAD_CONNECTION_FILE
    assert error.value.field == field


def test_unknown_fields_are_ignored(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({**info().to_dict(), "kernel_name": "x", "stdin_port": 5}))
    assert read_connection_file(path).transport == "tcp"


def test_endpoints():
    tcp = info()
    assert tcp.endpoint("shell") == "tcp://127.0.0.1:50001"
    assert tcp.endpoint("iopub") == "tcp://127.0.0.1:50002"
    assert tcp.endpoint("control") == "tcp://127.0.0.1:50003"
    assert tcp.endpoint("hb") == "tcp://127.0.0.1:50004"
    assert info(ip="::1").endpoint("hb") == "tcp://[::1]:50004"
    assert info(ip="0.0.0.0").endpoint("shell") == "tcp://127.0.0.1:50001"  # a wildcard bind is reached over loopback
    assert info(ip="::").endpoint("shell") == "tcp://[::1]:50001"
    assert info(transport="ipc", ip="/run/sl/engine").endpoint("shell") == "ipc:///run/sl/engine-50001"
    with pytest.raises(SoundloomError):
        tcp.endpoint("stdin")


@posix_only
def test_ipc_endpoints_carry_real_messages(tmp_path, make_socket):
    written = write_connection_file(info(transport="ipc", ip=str(tmp_path / "sl"), shell_port=1))
    conn = read_connection_file(written)
    router, dealer = make_socket(zmq.ROUTER), make_socket(zmq.DEALER)
    router.bind(conn.endpoint("shell"))
    dealer.connect(conn.endpoint("shell"))
    client, engine = Session(conn.key), Session(conn.key)
    client.send(dealer, "ping_request", {})
    engine.reply(router, engine.recv(router), {"status": "ok"})
    assert client.recv(dealer)["content"] == {"status": "ok"}
    assert (tmp_path / "sl-1").exists()


def test_stale_detection():
    assert not info(pid=os.getpid()).is_stale()
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # reaped, so its pid names no process (until the OS reuses it)
    assert not pid_alive(child.pid)
    assert info(pid=child.pid).is_stale()


def test_remove(tmp_path):
    path = write_connection_file(info(), tmp_path / "e.json")
    remove_connection_file(path)
    assert not path.exists()
    remove_connection_file(path)  # already gone: not an error


def test_keys_are_fresh_256_bit_hex():
    keys = {new_key() for _ in range(100)}
    assert len(keys) == 100
    assert all(len(k) == 64 and int(k, 16) >= 0 for k in keys)
