"""Cluster mode with --autoscale 1:2 on a real local Ray instance: queued work adds a replica, idleness removes it.

Ray's start and Serve's scaling delays take minutes here: slow.
"""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.slow
LONG = {"seconds": 0.5, "steps": 150, "guidance": 1.0}


@pytest.fixture(scope="module")
def autoscaling_server(tiny_model_path, tmp_path_factory, cluster_server_on):
    folder = tmp_path_factory.mktemp("autoscale")
    with cluster_server_on(tiny_model_path, folder, {"autoscale": (1, 2)}, {"max_batch_rows": 1}) as server:
        yield server


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
