"""Cluster mode with --autoscale 1:2 on a real local Ray instance: queued work adds a replica, idleness removes it.

Serve decides from request counts the daemon's handle reports every few seconds, averaged over
tens of seconds; so the test keeps work queued until the second replica runs a job (however fast
the jobs run), then cancels what is left. Ray's start and Serve's scaling delays take minutes: slow.
"""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.slow
# As long as a job may be, so the load lasts until the test ends it, on any machine.
LONG = {"seconds": 0.5, "steps": 1000, "guidance": 1.0}


@pytest.fixture(scope="module")
def autoscaling_server(tiny_model_path, tmp_path_factory, cluster_server_on):
    folder = tmp_path_factory.mktemp("autoscale")
    with cluster_server_on(tiny_model_path, folder, {"autoscale": (1, 2)}, {"max_batch_rows": 1}) as server:
        yield server


def _cluster(client) -> dict:
    return client.request("info_request", channel="control")["content"]["cluster"]


def _wait_for(condition, what: str, timeout: float = 300, while_waiting=lambda: None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout} s"
        while_waiting()
        time.sleep(0.2)


def test_queued_work_adds_a_replica_and_idleness_removes_it(autoscaling_server, connect):
    client = connect(autoscaling_server.info)
    assert _cluster(client)["replicas_running"] == 1
    sent: list[str] = []

    def keep_two_queued() -> None:
        if _cluster(client)["jobs_queued"] < 2:
            fields = {"prompt": f"hum {len(sent)}", "seed": len(sent), **LONG}
            sent.append(client.send("generate_request", fields)["header"]["msg_id"])

    def two_replicas_busy() -> bool:
        cluster = _cluster(client)
        return cluster["replicas_running"] == 2 and sum(1 for r in cluster["replicas"] if r["jobs_running"]) == 2

    _wait_for(two_replicas_busy, "a second replica running a job", while_waiting=keep_two_queued)
    for job_id in sent:
        client.request("cancel_request", {"job_id": job_id}, channel="control")
    # Every job is answered once: finished before the cancel, or cancelled; none lost.
    replies = {}
    while len(replies) < len(sent):
        reply = client.recv(timeout=300)
        replies[reply["parent_header"]["msg_id"]] = reply["content"]
    assert set(replies) == set(sent)
    assert all(c["status"] == "ok" or c["code"] == "cancelled" for c in replies.values()), replies
    _wait_for(lambda: _cluster(client)["replicas_running"] == 1, "the second replica going away")
