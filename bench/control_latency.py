"""Control round trip while the engine is idle and while a long job holds its worker, side by side.

Control is served on a thread of its own so that ping, info, job_status and cancel answer while a
job runs. This measures what that costs: the round trip of a signed control request (ping and
info, as the SDK sends them) with the worker idle and with a long generate job running, in
alternating rounds of one run, so machine noise hits both alike. Each line gives the median and
p95 of both conditions and the ratio of the medians.

    python bench/control_latency.py [--rounds N] [--samples N]

The model is the random-weight "realistic" preset: AudioLDM's layout at narrow widths, built offline.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from engine_process import start_engine  # bench/ is the script folder, so first on sys.path

warnings.filterwarnings("ignore")
LONG_JOB = dict(seconds=2.0, steps=1000, guidance=3.0)  # minutes of work: always cancelled, never finished


def summary(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1e3:.3f} ms, p95 {np.percentile(samples, 95) * 1e3:.3f} ms"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="idle/busy rounds, alternating (default 5)")
    parser.add_argument("--samples", type=int, default=100, help="requests of each kind per round and condition")
    args = parser.parse_args(argv)

    from soundloom.engine.models.untrained import build_untrained_audioldm
    from soundloom.sdk import Client, JobCancelledError

    root = Path(tempfile.mkdtemp())
    model_path = build_untrained_audioldm(root / "realistic-audioldm", "realistic")
    os.environ["SOUNDLOOM_RUNTIME_DIR"] = str(root)
    process, connection = start_engine(model_path, root)
    timings = {(kind, busy): [] for kind in ("ping", "info") for busy in (False, True)}
    try:
        with Client.connect(connection, start=False) as client:
            client.generate("warm up", seconds=1.0, steps=2)  # the model is loaded before anything is timed
            for _ in range(5):
                client.ping()
                client.info()

            def sample(busy: bool) -> None:
                for _ in range(args.samples):
                    started = time.perf_counter()
                    client.ping()
                    timings["ping", busy].append(time.perf_counter() - started)
                    started = time.perf_counter()
                    client.info()
                    timings["info", busy].append(time.perf_counter() - started)

            for _ in range(args.rounds):
                sample(busy=False)
                job = client.submit_generate("a long drone", **LONG_JOB)
                next(iter(job.progress))  # the worker is in the sampling loop
                sample(busy=True)
                if job.done():
                    raise SystemExit("the long job finished while it was being measured; raise LONG_JOB's steps")
                job.cancel()
                try:
                    job.result()
                except JobCancelledError:
                    pass
    finally:
        process.terminate()
        process.wait(60)

    print(f"control round trip through the SDK, {args.rounds} rounds of {args.samples} requests each:")
    for kind in ("ping", "info"):
        idle, busy = timings[kind, False], timings[kind, True]
        print(f"  {kind:4s}  idle {summary(idle)}  |  during a job {summary(busy)}  |  "
              f"ratio of medians {statistics.median(busy) / statistics.median(idle):.2f}")


if __name__ == "__main__":
    main()
