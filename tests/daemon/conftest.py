"""Fixtures of the daemon's tests: a daemon running its operations on a real local Ray instance."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest


@contextlib.contextmanager
def _cluster_server(model: Path, root: Path, options: dict, config: dict | None = None):
    """A ClusterServer serving `model` on Ray replicas set up by `options` (ClusterOptions fields),
    its connection file and data under `root`; stopped, with Ray's session files removed, on exit."""
    # Offline and out of the user's home: no auth token file, no usage reporting, session files in a temp folder.
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray_dir = Path(tempfile.mkdtemp(prefix="slr-", dir="/tmp"))  # short: Ray's socket paths have a length limit
    from soundloom.daemon.cluster.deployment import Cluster
    from soundloom.daemon.cluster.options import ClusterOptions
    from soundloom.daemon.cluster.server import ClusterServer, adapter_roots, model_roots
    from soundloom.daemon.server import ServerConfig
    from soundloom.engine.engine import Engine

    (root / "run").mkdir(mode=0o700)
    server_config = ServerConfig(**{"connection_file": root / "run" / "engine.json", "data_dir": root / "data",
                                    "models": [model], **(config or {})})
    cluster_options = ClusterOptions(**{"replica_cpus": 1, "local_cpus": 2, **options}, temp_dir=ray_dir, engine={"device": "cpu"})
    cluster = Cluster(cluster_options, model_roots(server_config), adapter_roots(server_config, cluster_options))
    try:
        cluster.start()
    except BaseException:  # Ray that timed out starting (a loaded machine) leaves neither itself nor its files
        cluster.close()
        shutil.rmtree(ray_dir, ignore_errors=True)
        raise
    server = ClusterServer(server_config, Engine(device="cpu"), cluster)
    server.start()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.service.shutdown_requested.set()
        thread.join(120)
        shutil.rmtree(ray_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def cluster_server_on():
    """`with cluster_server_on(model, root, options, config) as server:` — see `_cluster_server`."""
    return _cluster_server
