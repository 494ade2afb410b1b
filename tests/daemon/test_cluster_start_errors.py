"""`soundloom serve --cluster` refuses clearly, with exit status 2, when it cannot have a cluster.

Each test starts `soundloom serve`, whose imports alone take tens of seconds on a loaded machine: all are slow."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def _serve(tmp_path, *args: str, without_ray: bool = False) -> subprocess.CompletedProcess:
    # Blocking the import stands in for an environment without the cluster extra installed.
    prelude = "import sys; " + ("sys.modules['ray'] = None; " if without_ray else "")
    code = prelude + "from soundloom.daemon.serve import main; sys.exit(main(sys.argv[1:]))"
    command = [sys.executable, "-c", code, "--data-dir", str(tmp_path / "data"),
               "--connection-file", str(tmp_path / "engine.json"), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def test_cluster_mode_without_ray_says_how_to_install_it(tmp_path):
    done = _serve(tmp_path, "--cluster", "--replicas", "2", without_ray=True)
    assert done.returncode == 2, done.stderr
    assert "pip install 'soundloom[cluster]'" in done.stderr
    assert not (tmp_path / "engine.json").exists()


def test_an_unreachable_ray_address_is_a_clear_error(tmp_path):
    with socket.socket() as sock:  # a port nothing listens on: bound, never listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        done = _serve(tmp_path, "--cluster", f"127.0.0.1:{port}")
    assert done.returncode == 2, done.stderr
    assert f"the Ray cluster at '127.0.0.1:{port}' is unreachable" in done.stderr
    assert not (tmp_path / "engine.json").exists()


def test_bad_replica_counts_name_the_option(tmp_path):
    done = _serve(tmp_path, "--cluster", "--autoscale", "4:2")
    assert done.returncode == 2 and "autoscale: 4:2 is out of range" in done.stderr
    done = _serve(tmp_path, "--cluster", "--replicas", "0")
    assert done.returncode == 2 and "replicas: 0 is out of range" in done.stderr
    done = _serve(tmp_path, "--cluster", "--train-processes", "0")
    assert done.returncode == 2 and "train_processes: 0 is out of range; allowed: 1 to 64" in done.stderr
