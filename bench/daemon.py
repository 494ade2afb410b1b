"""The daemon's overheads, each measured side by side with its baseline in one run.

  * ping round trip through the SDK (p50, p99);
  * fetching a 10 s 48 kHz stereo float32 result vs the same bytes over a bare pyzmq pair;
  * generate through the SDK and daemon vs generate in-process, on the same small model;
  * 8 concurrent generate requests (batched by the engine) vs the same 8 one after another.

Both sides of each comparison are warm (connections, threads and the model set up before timing)
and their samples alternate within one run, so machine noise hits both alike. Each line gives the
medians, the ratio of the medians and the p10–p90 range of the per-pair ratios.

    python bench/daemon.py [--rounds N] [--only fetch]

The model is the random-weight "realistic" preset: AudioLDM's layout at narrow widths, built offline.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
import warnings
from pathlib import Path
from typing import Callable

import numpy as np
import zmq

from engine_process import start_engine  # bench/ is the script folder, so first on sys.path

warnings.filterwarnings("ignore")
QUICK = dict(seconds=1.0, steps=10, guidance=3.0)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


class BarePair:
    """Request → reply carrying `payload` over a bare DEALER/ROUTER pair on loopback tcp.

    Context, sockets and the serving thread live as long as the pair, as the SDK's and the
    daemon's do, so a timed fetch pays for the transfer only.
    """

    def __init__(self, payload: np.ndarray):
        self.context = zmq.Context()
        server, self.client = self.context.socket(zmq.ROUTER), self.context.socket(zmq.DEALER)
        port = server.bind_to_random_port("tcp://127.0.0.1")
        self.client.connect(f"tcp://127.0.0.1:{port}")

        def serve() -> None:
            while True:
                identity, request = server.recv_multipart()
                if request == b"stop":
                    server.close(linger=0)
                    return
                server.send_multipart([identity, payload], copy=False)

        self.thread = threading.Thread(target=serve)
        self.thread.start()

    def fetch(self) -> np.ndarray:
        self.client.send(b"get")
        frame = self.client.recv(copy=False)
        return np.frombuffer(frame.buffer, dtype=np.float32).copy()  # the SDK hands out a writable copy too

    def close(self) -> None:
        self.client.send(b"stop")
        self.thread.join()
        self.client.close(linger=0)
        self.context.term()


def side_by_side(a: Callable[[], object], b: Callable[[], object], rounds: int) -> tuple[list[float], list[float]]:
    """Seconds of `rounds` calls of each, alternating which goes first so neither always follows the other."""
    times_a, times_b = [], []
    for i in range(rounds):
        for run, times in ((a, times_a), (b, times_b))[:: 1 if i % 2 == 0 else -1]:
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
    return times_a, times_b


def ratio_and_range(a: list[float], b: list[float]) -> str:
    """Ratio of medians a/b, with the p10–p90 of the ratios of samples taken together."""
    pairs = [x / y for x, y in zip(a, b)]
    return (f"{statistics.median(a) / statistics.median(b):.2f} "
            f"(per-pair p10–p90 {percentile(pairs, 10):.2f}–{percentile(pairs, 90):.2f}, {len(pairs)} pairs)")


def median_and_range(times: list[float]) -> str:
    """Median and p10–p90 of durations in seconds, in ms below a second."""
    scale, unit = (1e3, "ms") if statistics.median(times) < 1 else (1, "s")
    low, median, high = (percentile(times, q) * scale for q in (10, 50, 90))
    return f"{median:.2f} {unit} (p10–p90 {low:.2f}–{high:.2f})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=1, help="scale every sample count by this (default 1)")
    parser.add_argument("--only", choices=("fetch",), help="measure the result fetch alone (ping and fetch)")
    args = parser.parse_args(argv)

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

            pings = [client.ping() for _ in range(500 * args.rounds)]
            print(f"ping round trip through the SDK: p50 {percentile(pings, 50) * 1e3:.3f} ms, "
                  f"p99 {percentile(pings, 99) * 1e3:.3f} ms ({len(pings)} pings)")

            # A 10 s 48 kHz stereo result: inpaint keeps the input's rate and channels.
            clip = (0.1 * np.random.default_rng(0).standard_normal((2, 480_000))).astype(np.float32)
            job = client.submit_inpaint((clip, 48_000), "x", [(1.0, 1.5)], steps=2, seed=0)
            job.result()
            bare = BarePair(clip)
            try:
                for _ in range(5):
                    client.job_result(job.job_id)
                    bare.fetch()
                fetch, baseline = side_by_side(lambda: client.job_result(job.job_id), bare.fetch, 60 * args.rounds)
            finally:
                bare.close()
            print(f"fetch 10 s 48 kHz stereo result ({clip.nbytes / 1e6:.2f} MB): SDK {median_and_range(fetch)}, "
                  f"bare pyzmq {median_and_range(baseline)}, ratio {ratio_and_range(fetch, baseline)} (goal <= 1.5)")
            if args.only == "fetch":
                return

            seeds = iter(range(10**6))
            through, inside = side_by_side(
                lambda: client.generate("rain", seed=next(seeds), **QUICK),
                lambda: generate(local, GenerateRequest(prompt="rain", seed=next(seeds), **QUICK)),
                8 * args.rounds)
            print(f"generate {QUICK['seconds']:g} s, {QUICK['steps']} steps: daemon+SDK {median_and_range(through)}, "
                  f"in-process {median_and_range(inside)}, ratio {ratio_and_range(through, inside)} (goal <= 1.05)")

            def sequential() -> None:
                for i in range(8):
                    client.generate(f"sound {i}", seed=i, **QUICK)

            def concurrent() -> None:
                for job in [client.submit_generate(f"sound {i}", seed=i, **QUICK) for i in range(8)]:
                    job.result()

            one_by_one, together = side_by_side(sequential, concurrent, 4 * args.rounds)
            print(f"8 generate requests: sequential {median_and_range(one_by_one)}, "
                  f"concurrent {median_and_range(together)}, throughput x{ratio_and_range(one_by_one, together)} "
                  f"(goal >= 1.5)")
    finally:
        process.terminate()
        process.wait(30)


if __name__ == "__main__":
    main()
