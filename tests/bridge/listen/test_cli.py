"""`soundloom bridge listen` as a user runs it: bad options are one line and exit code 2; a running
listener says where it listens, answers OSC, and exits cleanly on SIGTERM or Ctrl-C."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from soundloom.sdk import Client
from soundloom.sdk.cli import main

CLI = [sys.executable, "-m", "soundloom.sdk.cli", "bridge", "listen"]


def _listen(capsys, *args) -> tuple[int, str, str]:
    code = main(["bridge", "listen", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_nothing_to_listen_on_is_a_usage_error(capsys):
    code, out, err = _listen(capsys)
    assert code == 2 and out == ""
    assert err.strip() == ("soundloom bridge listen: listen: nothing to listen on; give --osc PORT, --midi NAME or "
                           "both [invalid_argument]")


def test_bad_options_are_one_line_errors(capsys, tmp_path):
    bad_mapping = tmp_path / "pads.toml"
    bad_mapping.write_text('[[note]]\nnote = 200\naction = "again"\n')
    good_mapping = tmp_path / "good.toml"
    good_mapping.write_text('[[note]]\nnote = 36\naction = "again"\n')
    cases = [
        (["--osc", "70000"], "osc: 70000 is out of range; allowed: 1-65535"),
        (["--osc", "0", "--steps", "0"], "steps: 0 is out of range; allowed: 1-1000"),
        (["--osc", "0", "--guidance", "40"], "guidance: 40 is out of range; allowed: 0-30"),
        (["--midi", "pads", "--mapping", str(bad_mapping)],
         "mapping [[note]] #1 note: 200 is out of range; allowed: 0–127"),
        (["--midi", "pads", "--mapping", str(tmp_path / "none.toml")], "mapping: no mapping file at"),
        (["--osc", "0", "--mapping", str(good_mapping)], "mapping: a mapping is for MIDI; give --midi NAME with it"),
    ]
    for args, expected in cases:
        code, out, err = _listen(capsys, *args)
        assert code == 2, (args, err)
        assert err.count("\n") == 1 and expected in err, (args, err)


def test_a_port_in_use_is_named(capsys):
    taken = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    taken.bind(("127.0.0.1", 0))
    try:
        port = taken.getsockname()[1]
        code, _, err = _listen(capsys, "--osc", str(port))
    finally:
        taken.close()
    assert code == 2
    assert f"osc: cannot receive on 127.0.0.1:{port}" in err and "choose another port" in err


def _ping(port: int, timeout: float = 60) -> tuple[str, list]:
    from pythonosc.osc_message import OscMessage
    from pythonosc.osc_message_builder import OscMessageBuilder

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as peer:
        peer.bind(("127.0.0.1", 0))
        peer.settimeout(timeout)
        peer.sendto(OscMessageBuilder("/soundloom/ping").build().dgram, ("127.0.0.1", port))
        reply = OscMessage(peer.recvfrom(65536)[0])
    return reply.address, list(reply.params)


def _default_sigint() -> None:
    # The suite may run as a background job with SIGINT ignored, which a child inherits; a user's
    # terminal delivers Ctrl-C as SIGINT with its default disposition.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_the_listener_runs_until_stopped_and_leaves_the_engine_running(bridge_engine, tmp_path, stop):
    process = subprocess.Popen(
        [*CLI, "--osc", "0", "--connection-file", str(bridge_engine.connection_file), "--output-dir",
         str(tmp_path / "out"), "--steps", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_default_sigint,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 120
        while not any(line.startswith("listening for OSC on udp://127.0.0.1:") for line in lines):
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, lines
            time.sleep(0.05)
        line = next(line for line in lines if line.startswith("listening for OSC"))
        port = int(line.split("udp://127.0.0.1:")[1].split()[0])
        assert _ping(port) == ("/soundloom/pong", [])
        while not any(line.startswith("connected to the engine") for line in lines):
            assert time.monotonic() < deadline, lines
            time.sleep(0.05)
        process.send_signal(stop)
        assert process.wait(60) == 0, process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    reader.join(10)
    assert lines[-1] == "stopping\n", lines
    assert f"generated clips go to {tmp_path / 'out'}\n" in lines
    # The listener did not start the engine, so it leaves it running.
    with Client.connect(bridge_engine.connection_file, start=False) as client:
        client.ping()
    # The port is free again.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as again:
        again.bind(("127.0.0.1", port))
