"""Cluster mode with a real local Ray instance: two CPU engine replicas behind the daemon's sockets.

Ray's own start takes tens of seconds on this machine, so every test here is slow. The Ray
instance, its session files and the replicas live for the module, in a temporary folder.
"""

from __future__ import annotations

import shutil
import time

import numpy as np
import pytest

from soundloom.protocol.codec import extract_audio

pytestmark = pytest.mark.slow
LONG = {"seconds": 1.0, "steps": 400, "guidance": 1.0}  # long enough to act on while it runs


@pytest.fixture(scope="module")
def cluster_server(tiny_model_path, tmp_path_factory, cluster_server_on):
    root = tmp_path_factory.mktemp("cluster")
    # A second model the daemon knows, whose folder a test takes away from the replicas' host.
    doomed = shutil.copytree(tiny_model_path, root / "models" / "doomed-model")
    with cluster_server_on(tiny_model_path, root, {"replicas": 2}, {"models": [tiny_model_path, doomed]}) as server:
        yield server


@pytest.fixture
def client(cluster_server, connect):
    return connect(cluster_server.info, events=True)


def _cluster_info(client) -> dict:
    return client.request("info_request", channel="control")["content"]["cluster"]


def _wait(condition, what: str, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout} s"
        time.sleep(0.05)


def _local_audio(model_path, action: str, fields: dict) -> np.ndarray:
    """What the single-process engine makes of the same request."""
    from soundloom.engine.engine import Engine

    result = Engine(device="cpu").run(action, dict(fields), model=model_path)
    return result.audio[0]


def _stored_results(server) -> int:
    return len(list((server.config.data_dir / "results").iterdir()))


def test_two_replicas_serve_concurrent_clients_with_the_results_of_the_local_engine(cluster_server, client, connect, tiny_model_path):
    other = connect(cluster_server.info, events=True)
    # Different lengths: the two requests cannot share a batch, so each takes a replica.
    first = {"prompt": "rain on a tin roof", "seed": 11, "seconds": 0.5, "steps": 3, "guidance": 1.0}
    second = {"prompt": "a door creaks", "seed": 12, "seconds": 0.75, "steps": 3, "guidance": 1.0}
    sent = [peer.send("generate_request", fields) for peer, fields in ((client, first), (other, second))]
    replies = [peer.recv(timeout=180) for peer in (client, other)]
    for reply, request in zip(replies, sent):
        assert reply["parent_header"]["msg_id"] == request["header"]["msg_id"]
        assert reply["content"]["status"] == "ok", reply["content"]
        assert reply["content"]["metadata"]["model"] == "tiny-audioldm"
    for reply, fields in zip(replies, (first, second)):
        audio, rate = extract_audio(reply, reply["content"]["audio"][0])
        assert rate == 16000
        np.testing.assert_array_equal(audio, _local_audio(tiny_model_path, "generate", fields))
    progress = [m["content"] for m in client.events_until_idle(sent[0]["header"]["msg_id"]) if m["msg_type"] == "progress"]
    # A replica sends progress sparingly, but the client sees steps in order, ending with the last one.
    steps = [p["step"] for p in progress]
    assert steps == sorted(set(steps)) and steps[-1] == 3 and all(p["total"] == 3 for p in progress), progress
    info = _cluster_info(client)
    assert info["replicas_running"] == 2 and info["status"] == "RUNNING"
    served = _wait(lambda: [r for r in _cluster_info(client)["replicas"] if r["served"]], "replicas reporting")
    assert all(r["device"] == "cpu" and r["models_warm"] == [str(tiny_model_path)] for r in served)


def test_cancel_reaches_the_replica_and_frees_it(cluster_server, client):
    job_id = client.send("generate_request", {"prompt": "a long drone", "seed": 3, **LONG})["header"]["msg_id"]
    _wait(lambda: client.event(timeout=120)["msg_type"] == "progress", "a progress event")
    running = _wait(lambda: [r for r in _cluster_info(client)["replicas"] if r["jobs_running"]], "the job on a replica")
    assert client.request("cancel_request", {"job_id": job_id}, channel="control")["content"]["state"] == "cancelled"
    reply = client.recv(timeout=120)
    assert reply["parent_header"]["msg_id"] == job_id and reply["content"]["code"] == "cancelled"
    # The replica stopped sampling: it reports no job running and takes the next one.
    _wait(lambda: not any(r["jobs_running"] for r in _cluster_info(client)["replicas"] if r["replica"] == running[0]["replica"]),
          "the replica going idle")
    again = client.request("generate_request", {"prompt": "short", "seed": 4, "seconds": 0.5, "steps": 2, "guidance": 1.0},
                           timeout=180)
    assert again["content"]["status"] == "ok"


def test_a_replica_killed_mid_job_has_its_job_finished_on_another_and_stored_once(cluster_server, client, tiny_model_path,
                                                                                     caplog):
    import ray

    fields = {"prompt": "wind through pines", "seed": 21, "seconds": 0.5, "steps": 120, "guidance": 1.0}
    before = _stored_results(cluster_server)
    job_id = client.send("generate_request", fields)["header"]["msg_id"]
    (busy,) = _wait(lambda: [r for r in _cluster_info(client)["replicas"] if r["jobs_running"]], "the job on a replica")
    (name,) = [a["name"] for a in ray.util.list_named_actors(all_namespaces=True) if busy["replica"] in a["name"]]
    ray.kill(ray.get_actor(name, namespace="serve"), no_restart=True)
    reply = client.recv(timeout=300)
    assert reply["parent_header"]["msg_id"] == job_id
    assert reply["content"]["status"] == "ok", reply["content"]
    # Run again from the same seed on the other replica, the result is the local engine's.
    np.testing.assert_array_equal(extract_audio(reply, reply["content"]["audio"][0])[0],
                                  _local_audio(tiny_model_path, "generate", fields))
    assert f"replica {busy['replica']} died running ['{job_id}']; retrying on another replica" in caplog.text
    assert _stored_results(cluster_server) == before + 1
    assert cluster_server.store.get(job_id)[0]["job_id"] == job_id


def test_a_replica_without_the_model_folder_names_it_and_the_engine_keeps_serving(cluster_server, client):
    doomed = next(e.path for e in cluster_server.registry.entries() if e.name == "doomed-model")
    shutil.rmtree(doomed)  # as on a replica host where the models folder is not mounted
    reply = client.request("generate_request", {"prompt": "x", "seed": 1, "seconds": 0.5, "steps": 2, "guidance": 1.0,
                                                "model": "doomed-model"}, timeout=180)["content"]
    assert reply["code"] == "model_not_found" and reply["field"] == "model", reply
    assert f"the model folder {doomed} of 'doomed-model' does not exist on replica host" in reply["message"]
    again = client.request("generate_request", {"prompt": "y", "seed": 2, "seconds": 0.5, "steps": 2, "guidance": 1.0},
                           timeout=180)
    assert again["content"]["status"] == "ok"


def test_model_load_and_unload_reach_every_replica(cluster_server, client, tiny_model_path):
    _wait(lambda: _cluster_info(client)["replicas_running"] == 2, "two replicas running")  # one may have been replaced
    unloaded = client.request("model_unload_request", {"model": "tiny-audioldm"}, timeout=180)["content"]
    assert unloaded["status"] == "ok" and unloaded["replicas"] == 2, unloaded
    assert all(r["models_warm"] == [] for r in _cluster_info(client)["replicas"])
    loaded = client.request("model_load_request", {"model": "tiny-audioldm"}, timeout=180)["content"]
    assert loaded["status"] == "ok" and loaded["replicas"] == 2 and loaded["load_s"] > 0, loaded
    replicas = _cluster_info(client)["replicas"]
    assert len(replicas) == 2 and all(r["models_warm"] == [str(tiny_model_path)] for r in replicas), replicas
