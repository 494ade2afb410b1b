"""Cluster mode when the cluster goes away and comes back: a real Ray head (`ray start --head`) that
the test stops and starts again, and a real `soundloom serve --cluster HOST:PORT` joined to it.

Jobs get `cluster_unavailable` while it is gone, the daemon keeps answering, and it serves again
once the head is back. Starting Ray and its replicas takes minutes here: slow.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from soundloom.protocol.codec import extract_audio

pytestmark = pytest.mark.slow
SHORT = {"prompt": "a kettle boils", "seed": 5, "seconds": 0.5, "steps": 2, "guidance": 1.0}
LONG = {"prompt": "a long drone", "seed": 6, "seconds": 0.5, "steps": 1000, "guidance": 1.0}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(condition, what: str, timeout: float = 300):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout} s"
        time.sleep(0.2)


class RayHead:
    """A one-node Ray cluster started with `ray start --head --block`, in a process group of its own
    so that stopping it ends every Ray process it started, and only those."""

    def __init__(self):
        self.port = _free_port()
        self.temp_dir = Path(tempfile.mkdtemp(prefix="slh-", dir="/tmp"))  # short: socket paths have a length limit
        self.process: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        ray = Path(sys.executable).with_name("ray")
        command = [str(ray), "start", "--head", "--block", "--port", str(self.port), "--node-ip-address", "127.0.0.1", "--num-cpus", "2", "--temp-dir",
                   str(self.temp_dir), "--include-dashboard=false", "--disable-usage-stats"]
        with open(self.temp_dir.with_suffix(".log"), "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

        def accepting() -> bool:
            assert self.process.poll() is None, self.temp_dir.with_suffix(".log").read_text()[-2000:]
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return True
            except OSError:
                return False

        _wait(accepting, "the Ray head accepting connections")

    def stop(self) -> None:
        if self.process is None:
            return
        group = self.process.pid  # the group's id: the head was started in a session of its own
        try:
            os.killpg(group, signal.SIGTERM)
            self.process.wait(120)
        except subprocess.TimeoutExpired:
            pass
        except ProcessLookupError:
            pass
        try:
            os.killpg(group, signal.SIGKILL)  # workers that did not follow their raylet
        except ProcessLookupError:
            pass
        self.process.wait()
        self.process = None


@pytest.fixture
def ray_head(monkeypatch):
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    head = RayHead()
    head.start()
    yield head
    head.stop()
    shutil.rmtree(head.temp_dir, ignore_errors=True)
    head.temp_dir.with_suffix(".log").unlink(missing_ok=True)


def _cluster(client) -> dict:
    return client.request("info_request", channel="control")["content"]["cluster"]


def test_jobs_fail_clearly_while_the_cluster_is_lost_and_run_again_once_it_is_back(ray_head, make_daemon, connect):
    daemon = make_daemon("--cluster", ray_head.address, "--replicas", "1")
    client = connect(daemon.start(timeout=600), events=True)
    before = client.request("generate_request", SHORT, timeout=300)["content"]
    assert before["status"] == "ok", before

    running = client.send("generate_request", LONG)["header"]["msg_id"]
    _wait(lambda: client.event(timeout=300)["msg_type"] == "progress", "the long job running on the replica")
    ray_head.stop()

    lost = client.recv(timeout=300)
    assert lost["parent_header"]["msg_id"] == running
    assert lost["content"]["code"] == "cluster_unavailable", lost["content"]
    assert f"the Ray cluster ({ray_head.address}) is lost" in lost["content"]["message"]
    # The daemon answers on both channels, says what it knows, and fails new jobs at once.
    assert client.request("ping_request", channel="control")["content"]["status"] == "ok"
    info = _cluster(client)
    assert info["status"].startswith("unreachable") and info["replicas_running"] == 0
    refused = client.request("generate_request", SHORT, timeout=60)["content"]
    assert refused["code"] == "cluster_unavailable", refused
    assert daemon.process.poll() is None

    ray_head.start()
    _wait(lambda: _cluster(client)["status"] == "RUNNING", "the daemon rejoining the cluster", timeout=600)
    after = client.request("generate_request", SHORT, timeout=300)
    assert after["content"]["status"] == "ok", after["content"]
    again = client.request("job_result_request", {"job_id": running}, channel="shell")["content"]
    assert again["code"] == "cluster_unavailable"  # the lost job stays answered as it was; nothing stored for it
    first = client.request("job_result_request", {"job_id": before["job_id"]})
    np.testing.assert_array_equal(extract_audio(after, after["content"]["audio"][0])[0],
                                  extract_audio(first, first["content"]["audio"][0])[0])
    daemon.stop()
