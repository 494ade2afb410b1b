"""The daemon's overheads, each measured side by side with its baseline in one run.

  * ping round trip through the SDK (p50, p99);
  * fetching a 10 s 48 kHz stereo float32 result vs the same bytes over a bare pyzmq pair;
  * generate through the SDK and daemon vs generate in-process, on the same small model;
  * 8 concurrent generate requests (batched by the engine) vs the same 8 one after another.

The model is the random-weight "realistic" preset: AudioLDM's layout at narrow widths, built offline.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import zmq

warnings.filterwarnings("ignore")
QUICK = dict(seconds=1.0, steps=10, guidance=3.0)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def start_engine(model: Path, root: Path) -> tuple[subprocess.Popen, Path]:
    connection = root / "engine.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "soundloom.engine", "serve", "--model", str(model), "--data-dir", str(root / "data"),
         "--connection-file", str(connection), "--log-level", "WARNING"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    while not connection.exists():
        time.sleep(0.05)
    return process, connection


def bare_pair_seconds(payload: np.ndarray, repeats: int) -> list[float]:
    """Request → reply carrying `payload` over a bare DEALER/ROUTER pair on loopback tcp."""
    context = zmq.Context()
    server, client = context.socket(zmq.ROUTER), context.socket(zmq.DEALER)
    port = server.bind_to_random_port("tcp://127.0.0.1")
    client.connect(f"tcp://127.0.0.1:{port}")

    def serve() -> None:
        for _ in range(repeats):
            identity, _ = server.recv_multipart()
            server.send_multipart([identity, payload], copy=False)

    thread = threading.Thread(target=serve)
    thread.start()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        client.send(b"get")
        frame = client.recv(copy=False)
        np.frombuffer(frame.buffer, dtype=np.float32).copy()  # the SDK hands out a writable copy too
        times.append(time.perf_counter() - start)
    thread.join()
    context.destroy(linger=0)
    return times


def main() -> None:
    from soundloom.engine.models.loading import load_model
    from soundloom.engine.models.untrained import build_untrained_audioldm
    from soundloom.engine.pipelines import GenerateRequest, generate
    from soundloom.sdk import Client

    root = Path(tempfile.mkdtemp())
    model_path = build_untrained_audioldm(root / "realistic-audioldm", "realistic")
    os.environ["SOUNDLOOM_RUNTIME_DIR"] = str(root)
    process, connection = start_engine(model_path, root)
    local = load_model(model_path)
    try:
        with Client.connect(connection, start=False) as client:
            client.generate("warm up", **QUICK)
            generate(local, GenerateRequest(prompt="warm up", **QUICK))

            pings = [client.ping() for _ in range(500)]
            print(f"ping round trip through the SDK: p50 {percentile(pings, 50) * 1e3:.3f} ms, "
                  f"p99 {percentile(pings, 99) * 1e3:.3f} ms (500 pings)")

            # A 10 s 48 kHz stereo result: inpaint keeps the input's rate and channels.
            clip = (0.1 * np.random.default_rng(0).standard_normal((2, 480_000))).astype(np.float32)
            job = client.submit_inpaint((clip, 48_000), "x", [(1.0, 1.5)], steps=2, seed=0)
            job.result()
            fetch, bare = [], []
            for _ in range(20):  # interleaved, so drift hits both alike
                start = time.perf_counter()
                client.job_result(job.job_id)
                fetch.append(time.perf_counter() - start)
                bare += bare_pair_seconds(clip, 1)
            ratio = statistics.median(fetch) / statistics.median(bare)
            print(f"fetch 10 s 48 kHz stereo result ({clip.nbytes / 1e6:.1f} MB): SDK {statistics.median(fetch) * 1e3:.2f} ms, "
                  f"bare pyzmq {statistics.median(bare) * 1e3:.2f} ms, ratio {ratio:.2f} (goal <= 1.5)")

            through, inside = [], []
            for i in range(6):
                start = time.perf_counter()
                client.generate("rain", seed=i, **QUICK)
                through.append(time.perf_counter() - start)
                start = time.perf_counter()
                generate(local, GenerateRequest(prompt="rain", seed=i, **QUICK))
                inside.append(time.perf_counter() - start)
            ratio = statistics.median(through) / statistics.median(inside)
            print(f"generate {QUICK['seconds']:g} s, {QUICK['steps']} steps: daemon+SDK {statistics.median(through) * 1e3:.1f} ms, "
                  f"in-process {statistics.median(inside) * 1e3:.1f} ms, ratio {ratio:.3f} (goal <= 1.05)")

            start = time.perf_counter()
            for i in range(8):
                client.generate(f"sound {i}", seed=i, **QUICK)
            sequential = time.perf_counter() - start
            start = time.perf_counter()
            jobs = [client.submit_generate(f"sound {i}", seed=i, **QUICK) for i in range(8)]
            for job in jobs:
                job.result()
            concurrent = time.perf_counter() - start
            print(f"8 generate requests: sequential {sequential:.2f} s, concurrent {concurrent:.2f} s, "
                  f"throughput x{sequential / concurrent:.2f} (goal >= 1.5)")
    finally:
        process.terminate()
        process.wait(30)


if __name__ == "__main__":
    main()
