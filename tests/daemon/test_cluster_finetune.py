"""Fine-tuning in cluster mode on a real local Ray instance: the training runs as a Ray task of two
data-parallel processes (CPU here, one per GPU on a GPU node), its events reach iopub as the local
engine's do, the adapter lands in the shared folder, and the replica, warm and running all along,
generates with it.

Ray's start and a training run take minutes here: slow.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from soundloom.engine.training.lora import WEIGHTS_FILE
from soundloom.protocol.codec import extract_audio
from tests.daemon.test_finetune_daemon import QUICK, Session, write_library

pytestmark = pytest.mark.slow
FIELDS = {"prompt": "a punchy kick", "seconds": 1.0, "steps": 4, "seed": 7}


@pytest.fixture(scope="module")
def cluster_server(tiny_model_path, tmp_path_factory, cluster_server_on):
    root = tmp_path_factory.mktemp("cluster-finetune")
    (root / "libraries").mkdir()
    # Ray's CPUs: one for the replica, two for the training task's two processes.
    options = {"replicas": 1, "shared_dir": root / "shared", "train_processes": 2, "local_cpus": 3}
    with cluster_server_on(tiny_model_path, root, options, {"library_roots": [root / "libraries"]}) as server:
        server.root = root
        yield server


def _replicas(client) -> list[dict]:
    return client.request("info_request", channel="control")["content"]["cluster"]["replicas"]


def test_an_adapter_trained_as_a_ray_task_is_generated_with_by_the_running_replica(cluster_server, connect):
    client = connect(cluster_server.info, events=True)
    session = Session(client)
    base = client.request("generate_request", FIELDS, timeout=300)
    assert base["content"]["status"] == "ok", base["content"]
    (replica,) = _replicas(client)

    library = write_library(cluster_server.root / "libraries" / "kicks")
    job_id = session.start({"folder": str(library), "name": "kicks", "validation_prompts": ["a punchy kick"], **QUICK})
    events, reply = session.events(job_id, timeout=900)
    content = reply["content"]
    assert content["status"] == "ok", content
    assert content["model"] == "tiny-audioldm+kicks" and content["steps"] == 4 and np.isfinite(content["loss"])
    progress = [e["content"] for e in events if e["msg_type"] == "progress"]
    assert progress[-1]["step"] == progress[-1]["total"] == 4 and all(np.isfinite(p["loss"]) for p in progress)
    assert [e["content"]["step"] for e in events if e["msg_type"] == "validation"] == [2, 4]
    # Written by the task into the shared folder (where it also logs), not the daemon's data dir.
    adapter = cluster_server.root / "shared" / "adapters" / "kicks"
    assert (adapter / "lora" / WEIGHTS_FILE).is_file() and (adapter / "finetune.log").is_file()
    assert json.loads((adapter / "adapter.json").read_text())["processes"] == 2
    assert not (cluster_server.config.data_dir / "adapters" / "kicks").exists()

    adapted = client.request("generate_request", dict(FIELDS, model="tiny-audioldm+kicks"), timeout=300)
    assert adapted["content"]["status"] == "ok", adapted["content"]
    assert adapted["content"]["metadata"]["model"] == "tiny-audioldm+kicks"
    # The same replica process, never restarted, loaded the new adapter.
    assert [(r["replica"], r["pid"]) for r in _replicas(client)] == [(replica["replica"], replica["pid"])]
    base_audio = extract_audio(base, base["content"]["audio"][0])[0]
    adapted_audio = extract_audio(adapted, adapted["content"]["audio"][0])[0]
    assert base_audio.shape == adapted_audio.shape and not np.allclose(base_audio, adapted_audio, atol=1e-6)


def test_a_cancelled_cluster_fine_tune_keeps_a_checkpoint_and_resumes_where_it_stopped(cluster_server, connect):
    session = Session(connect(cluster_server.info, events=True))
    library = write_library(cluster_server.root / "libraries" / "long")
    settings = {"folder": str(library), "name": "long", "steps": 100000, "checkpoint_every": 1000, "batch_size": 1}
    job_id = session.start(settings)
    session.events(job_id, until="progress", timeout=600)
    # The task trains beside the replica: a generate request is served meanwhile.
    generated = session.call("generate_request", {"prompt": "rain", "seconds": 0.5, "steps": 3, "seed": 1}, timeout=300)
    assert generated["status"] == "ok", generated
    # The cancel reaches the task's training process, which writes a checkpoint before it stops.
    assert session.call("cancel_request", {"job_id": job_id})["state"] == "cancelled"
    _, reply = session.events(job_id, timeout=300)  # 100000 steps would take hours
    assert reply["content"]["code"] == "cancelled", reply["content"]
    adapter = {a["name"]: a for a in session.call("adapters_list_request", {})["adapters"]}["long"]
    assert adapter["state"] == "partial" and 1 <= adapter["steps"] < 100000

    job_id = session.start(dict(settings, steps=adapter["steps"] + 2, resume=True))
    events, reply = session.events(job_id, timeout=600)
    assert reply["content"]["status"] == "ok", reply["content"]
    first = next(e["content"] for e in events if e["msg_type"] == "progress")
    assert first["step"] == adapter["steps"] + 1  # it continued, it did not start over
