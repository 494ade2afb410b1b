"""Another local user learns nothing from the engine: not over ipc (a private folder), not over tcp
(CURVE on every socket, loopback included). The eavesdropper is a keyless ZMTP subscriber run as
`nobody` under the system Python, the way any other account on the machine could run it."""

import os
import pwd
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
import zmq

SUBSCRIBER = (Path(__file__).parent / "data" / "zmtp_subscriber.py").read_text()
SYSTEM_PYTHON = shutil.which("python3", path="/usr/bin:/usr/local/bin:/bin")

pytestmark = pytest.mark.skipif(
    os.name != "posix" or os.geteuid() != 0 or SYSTEM_PYTHON is None,
    reason="needs root to run a process as another user, and a system python3 that user can run",
)


class Eavesdropper:
    """The subscriber as user `nobody`; lines it printed are collected until `stop()`."""

    def __init__(self, endpoint: str):
        nobody = pwd.getpwnam("nobody")

        def become_nobody():
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)

        # The source goes on the command line: the test's own folder may be closed to other users.
        self.process = subprocess.Popen([SYSTEM_PYTHON, "-c", SUBSCRIBER, endpoint], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd="/",
                                        preexec_fn=become_nobody, env={"PATH": "/usr/bin:/bin"})
        self.lines: list[str] = []
        self._first = threading.Event()
        self._handshake = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.strip())
            self._first.set()
            if line.startswith(("peer mechanism", "closed", "refused")):
                self._handshake.set()
        self._first.set()
        self._handshake.set()

    def wait_for_handshake(self, timeout: float = 60) -> None:
        assert self._handshake.wait(timeout), f"the subscriber said nothing in {timeout} s: {self.lines}"

    def messages(self) -> list[str]:
        return [line for line in self.lines if line.startswith("message")]

    def stop(self) -> list[str]:
        self.process.stdin.close()
        self.process.wait(timeout=30)
        return self.lines


def test_the_eavesdropper_does_hear_an_unprotected_publisher():
    """The control: the same subscriber, as the same user, receives from a plain tcp PUB socket."""
    context = zmq.Context()
    pub = context.socket(zmq.PUB)
    port = pub.bind_to_random_port("tcp://127.0.0.1")
    spy = Eavesdropper(f"tcp://127.0.0.1:{port}")
    try:
        spy.wait_for_handshake()
        for _ in range(600):  # publish until it arrives: a subscription takes a moment to reach the PUB
            pub.send_multipart([b"progress", b"job 1234 step 3"])
            if spy.messages():
                break
            time.sleep(0.05)
        assert spy.messages(), spy.lines
    finally:
        spy.stop()
        context.destroy(linger=0)


def _run_job_and_collect_events(connection_file) -> list:
    from soundloom.sdk import Client

    with Client.connect(connection_file, start=False) as client:
        job = client.submit_generate("a secret prompt", seconds=0.5, steps=30, guidance=1.0)
        events = list(job.progress)
        job.result()
    return events


def test_another_user_cannot_reach_the_default_ipc_sockets(make_daemon):
    engine = make_daemon()
    info = engine.start()
    assert info.transport == "ipc"
    folder = Path(info.ip).parent
    assert folder.stat().st_mode & 0o777 == 0o700
    spies = [Eavesdropper(info.endpoint(channel)) for channel in ("iopub", "shell", "control", "hb")]
    try:
        for spy in spies:
            spy.wait_for_handshake()
        assert _run_job_and_collect_events(engine.connection_file)  # the owner hears the job
    finally:
        heard = [spy.stop() for spy in spies]
    for lines in heard:
        assert lines[0].startswith("refused:") and "Permission denied" in lines[0], lines
        assert not [line for line in lines if line.startswith("message")]


def test_another_user_hears_nothing_from_a_tcp_engine_even_on_loopback(make_daemon):
    engine = make_daemon("--transport", "tcp")
    info = engine.start()
    assert info.transport == "tcp" and info.ip == "127.0.0.1" and len(info.curve_server_key) == 40
    spy = Eavesdropper(info.endpoint("iopub"))
    try:
        spy.wait_for_handshake()
        assert _run_job_and_collect_events(engine.connection_file)  # the owner (with the key) hears the job
    finally:
        lines = spy.stop()
    # The engine hangs up during the handshake (a NULL-mechanism peer against CURVE): no READY, no message.
    assert "closed" in lines, lines
    assert not [line for line in lines if line.startswith(("command", "message"))], lines
