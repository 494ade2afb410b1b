"""Cluster mode with --autoscale 1:2 on a real local Ray instance: queued work adds a replica, idleness removes it.

Ray's start and Serve's scaling delays take minutes here: slow.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
LONG = {"seconds": 0.5, "steps": 150, "guidance": 1.0}


@pytest.fixture(scope="module")
def autoscaling_server(tiny_model_path, tmp_path_factory):
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray_dir = Path(tempfile.mkdtemp(prefix="slr-", dir="/tmp"))
    from soundloom.daemon.cluster.deployment import Cluster
    from soundloom.daemon.cluster.options import ClusterOptions
    from soundloom.daemon.cluster.server import ClusterServer, adapter_roots, model_roots
    from soundloom.daemon.server import ServerConfig
    from soundloom.engine.engine import Engine

    root = tmp_path_factory.mktemp("autoscale")
    (root / "run").mkdir(mode=0o700)
    config = ServerConfig(connection_file=root / "run" / "engine.json", data_dir=root / "data", models=[tiny_model_path],
                          max_batch_rows=1)
    options = ClusterOptions(autoscale=(1, 2), replica_cpus=1, local_cpus=2, temp_dir=ray_dir, engine={"device": "cpu"})
    cluster = Cluster(options, model_roots(config), adapter_roots(config))
    cluster.start()
    server = ClusterServer(config, Engine(device="cpu"), cluster)
    server.start()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.service.shutdown_requested.set()
    thread.join(120)
    shutil.rmtree(ray_dir, ignore_errors=True)


def _running(client) -> int:
    return client.request("info_request", channel="control")["content"]["cluster"]["replicas_running"]


def _wait_for(condition, what: str, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout} s"
        time.sleep(0.2)


def test_queued_work_adds_a_replica_and_idleness_removes_it(autoscaling_server, connect):
    client = connect(autoscaling_server.info)
    assert _running(client) == 1
    sent = [client.send("generate_request", {"prompt": f"hum {i}", "seed": i, **LONG})["header"]["msg_id"] for i in range(6)]
    _wait_for(lambda: _running(client) == 2, "a second replica")
    replies = {}
    while len(replies) < len(sent):
        reply = client.recv(timeout=600)
        replies[reply["parent_header"]["msg_id"]] = reply["content"]
    assert all(content["status"] == "ok" for content in replies.values()), replies
    _wait_for(lambda: _running(client) == 1, "the second replica going away", timeout=300)
