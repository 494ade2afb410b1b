"""Cluster mode against the local worker: per-job overhead of going through Ray Serve, and throughput
and latency with 1 and 2 engine replicas, measured side by side in one run.

The same short generate jobs (tiny random-weight model) go through the daemon's job board to
(a) the local worker thread, (b) a ClusterWorker over one replica, (c) one over two replicas.
Batching is off (one job per batch) so every job pays the dispatch once.

- overhead: jobs one at a time; the median time from submit to stored result, cluster minus
  local, in ms and as a fraction of the local job's time; once from the separate runs, and once
  with local and cluster jobs alternated (the fairer figure on a machine others share);
- throughput: `--jobs` jobs submitted at once; jobs per second, and p50/p99 submit-to-result
  latency.

Every replica loads the model and runs a first generate before anything is timed.

On a 2-core machine the local worker and each replica compute with one thread, so two replicas
can at best double throughput, and only while nothing else uses the cores; the overhead figure is
the meaningful one here, and it varies by several ms from run to run when other work shares the
machine (run it twice). What a GPU host gains from replicas, or a network hop between hosts costs,
this machine cannot show.

    python bench/cluster.py [--jobs 16] [--sequential 10] [--steps 2] [--seconds 0.5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import threading
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("RAY_AUTH_MODE", "disabled")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")


class Rig:
    """A job board, result store and outbox with one worker taking batches from them."""

    def __init__(self, folder: Path, make_worker):
        import zmq

        from soundloom.daemon.jobs import JobBoard
        from soundloom.daemon.outbox import Outbox
        from soundloom.daemon.results import ResultStore

        class SignallingOutbox(Outbox):
            """Wakes the waiting thread when a job finishes, so waiting costs the worker no CPU."""

            def put(inner, item) -> None:
                super().put(item)
                with self.finished:
                    self.finished.notify_all()

        self.finished = threading.Condition()
        self.context = zmq.Context()
        self.board, self.outbox = JobBoard(max_queued_per_client=10_000), SignallingOutbox(self.context)
        self.store = ResultStore(folder)
        self.worker = make_worker(self.board, self.store, self.outbox)
        self.worker.start()
        self.count = 0

    def submit(self, entry, fields: dict):
        from soundloom.engine.engine import build_request

        request = build_request("generate", dict(fields))
        request.validate(60.0)
        return self._submit("generate", request, entry)

    def load(self, entry):
        """A model_load job: on a cluster it reaches every replica, so none loads the model mid-measurement."""
        return self._submit("model_load", None, entry)

    def _submit(self, action: str, request, entry):
        from soundloom.daemon.jobs import Job

        self.count += 1
        job = Job(job_id=f"bench-{id(self)}-{self.count}", action=action, request=request, model=entry,
                  priority="interactive", session="bench", header={"msg_id": f"bench-{self.count}"})
        job.submitted = time.perf_counter()
        self.board.submit(job)
        return job

    def wait(self, jobs) -> list[float]:
        """Seconds from submit to finish, per job, in order of submission."""
        finished: dict = {}
        while len(finished) < len(jobs):
            with self.finished:
                for job in jobs:
                    if job.finished and job not in finished:
                        assert job.state == "done", job.reply[0]
                        finished[job] = time.perf_counter() - job.submitted
                if len(finished) < len(jobs):
                    self.finished.wait(1.0)
            self.outbox.drain()
        return [finished[job] for job in jobs]

    def close(self) -> None:
        self.worker.stopping.set()
        self.worker.join(60)
        self.outbox.close()
        self.context.term()


def measure(rig: Rig, entry, args) -> dict:
    quick = {"prompt": "a short click", "steps": args.steps, "seconds": args.seconds, "guidance": 1.0}
    # Warm: the model loads on every replica, and each runs a first generate (which allocates), so
    # the figures below time jobs on warm replicas only.
    rig.wait([rig.load(entry)])
    rig.wait([rig.submit(entry, dict(quick, seed=i)) for i in range(4)])
    single = [rig.wait([rig.submit(entry, dict(quick, seed=i))])[0] for i in range(args.sequential)]
    started = time.perf_counter()
    latencies = rig.wait([rig.submit(entry, dict(quick, seed=i)) for i in range(args.jobs)])
    wall = time.perf_counter() - started
    latencies.sort()
    return {"single_ms": statistics.median(single) * 1000, "jobs_per_s": args.jobs / wall,
            "p50_ms": latencies[len(latencies) // 2] * 1000,
            "p99_ms": latencies[min(len(latencies) - 1, int(round(0.99 * (len(latencies) - 1))))] * 1000}


def interleaved(local: Rig, cluster: Rig, entry, args) -> tuple[float, float]:
    """Median one-job times, in ms, of the local worker and the cluster, run alternately: each pair
    sees the same load from the rest of the machine, which separate runs minutes apart do not."""
    quick = {"prompt": "a short click", "steps": args.steps, "seconds": args.seconds, "guidance": 1.0}
    pairs = [(local.wait([local.submit(entry, dict(quick, seed=i))])[0], cluster.wait([cluster.submit(entry, dict(quick, seed=i))])[0])
             for i in range(args.sequential)]
    return statistics.median(p[0] for p in pairs) * 1000, statistics.median(p[1] for p in pairs) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=16)
    parser.add_argument("--sequential", type=int, default=10)
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=0.5)
    args = parser.parse_args()

    from soundloom.daemon.cluster.deployment import Cluster
    from soundloom.daemon.cluster.dispatcher import ClusterWorker
    from soundloom.daemon.cluster.options import ClusterOptions
    from soundloom.daemon.registry import ModelRegistry
    from soundloom.daemon.worker import Worker
    from soundloom.engine.engine import Engine
    from soundloom.engine.models.untrained import build_untrained_audioldm

    folder = Path(tempfile.mkdtemp(prefix="slb-", dir="/tmp"))
    try:
        model = build_untrained_audioldm(folder / "models" / "tiny", "tiny", seed=0)
        entry = ModelRegistry([model]).resolve(None)
        rows = {}
        local = Rig(folder / "local", lambda b, s, o: Worker(Engine(device="cpu"), b, s, o, max_batch_rows=1))
        rows["local worker"] = measure(local, entry, args)
        clusters = []  # the local worker runs again after them: the spread of the two is the machine's noise
        for replicas in (1, 2):
            # Half a CPU each so both deployments fit a 2-CPU Ray instance; each replica computes on one thread.
            options = ClusterOptions(replicas=replicas, replica_cpus=0.5, local_cpus=2, temp_dir=folder / "ray",
                                     app_name=f"bench{replicas}", engine={"device": "cpu"})
            cluster = Cluster(options, [model], [folder / "adapters"])
            cluster.start()
            clusters.append(cluster)
            rig = Rig(folder / f"cluster{replicas}", lambda b, s, o: ClusterWorker(cluster, b, s, o, max_batch_rows=1))
            rows[f"cluster, {replicas} replica{'s' if replicas > 1 else ''}"] = measure(rig, entry, args)
            if replicas == 1:
                paired = interleaved(local, rig, entry, args)
            rig.close()
        local.close()
        local = Rig(folder / "local-again", lambda b, s, o: Worker(Engine(device="cpu"), b, s, o, max_batch_rows=1))
        rows["local worker, again"] = measure(local, entry, args)
        local.close()
        for cluster in reversed(clusters):  # the first one started Ray and stops it
            cluster.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print(f"{args.jobs} concurrent / {args.sequential} sequential generate jobs, {args.steps} steps, {args.seconds} s clips, "
          f"{os.cpu_count()} CPUs")
    print(f"{'':22s} {'one job ms':>10s} {'jobs/s':>8s} {'p50 ms':>8s} {'p99 ms':>8s}")
    for name, row in rows.items():
        print(f"{name:22s} {row['single_ms']:10.1f} {row['jobs_per_s']:8.2f} {row['p50_ms']:8.1f} {row['p99_ms']:8.1f}")
    base = min((rows["local worker"], rows["local worker, again"]), key=lambda row: row["single_ms"])
    one = rows["cluster, 1 replica"]
    overhead = one["single_ms"] - base["single_ms"]
    print(f"per-job overhead through Ray (1 replica vs the faster local worker run, one job at a time): {overhead:.1f} ms, "
          f"{overhead / base['single_ms']:.2f}x a short generate")
    local_ms, cluster_ms = paired
    print(f"per-job overhead, local and cluster jobs alternated ({args.sequential} pairs, medians): "
          f"{cluster_ms - local_ms:.1f} ms ({cluster_ms:.1f} vs {local_ms:.1f} ms), "
          f"{(cluster_ms - local_ms) / local_ms:.2f}x a short generate (goal: <= 30 ms)")
    print(f"throughput, 2 replicas / 1 replica: {rows['cluster, 2 replicas']['jobs_per_s'] / one['jobs_per_s']:.2f}x; "
          f"1 replica / local worker: {one['jobs_per_s'] / base['jobs_per_s']:.2f}x")


if __name__ == "__main__":
    main()
