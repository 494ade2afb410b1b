"""The daemon's side of the replicas: deploys them on Serve, sends them batches, and keeps a picture of them.

The picture (replicas, devices, warm models, jobs running) is kept by a watcher thread and by the
events that come back with every batch, so the info reply reads it without waiting on Ray, and
still answers when the cluster is gone.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from soundloom.daemon.cluster.options import LOCAL, ClusterOptions
from soundloom.daemon.cluster.ray_session import connect

log = logging.getLogger("soundloom.daemon")
WATCH_INTERVAL_S = 1.0


class Cluster:
    """Engine replicas deployed as the Serve application `options.app_name`."""

    def __init__(self, options: ClusterOptions, model_roots: list[Path], adapter_roots: list[Path]):
        options.check()
        self.options = options
        self._model_roots = [str(p) for p in model_roots]
        self._adapter_roots = [str(p) for p in adapter_roots]
        self._lock = threading.Lock()
        self._replicas: dict[str, dict] = {}  # by replica id: its last description and what it runs now
        self._serve_state: dict = {"status": "starting", "replicas_running": 0, "replica_states": {}}
        self._stopping = threading.Event()
        self.started_ray = False
        self.handle = None

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Join (or start) Ray, deploy the replicas and wait until at least one runs."""
        from ray import serve

        from soundloom.daemon.cluster.replica import EngineReplica

        self.started_ray = connect(self.options)
        actor = {"num_cpus": self.options.replica_cpus, "num_gpus": self.options.replica_gpus}
        settings: dict = {"max_ongoing_requests": 1, "ray_actor_options": actor, "name": "EngineReplica",
                          # A replica that dies is replaced by Serve; its job is retried by the daemon.
                          "health_check_period_s": 2, "health_check_timeout_s": 30}
        if self.options.autoscale:
            low, high = self.options.autoscale
            settings["autoscaling_config"] = {"min_replicas": low, "max_replicas": high, "initial_replicas": max(low, 1),
                                              "target_ongoing_requests": 1, "upscale_delay_s": 2, "downscale_delay_s": 30}
        else:
            settings["num_replicas"] = self.options.replicas
        deployment = serve.deployment(EngineReplica).options(**settings)
        app = deployment.bind(self.options.engine, self._model_roots, self._adapter_roots)
        self.handle = serve.run(app, name=self.options.app_name, route_prefix=None)
        self._refresh()
        threading.Thread(target=self._watch, name="soundloom-cluster-watch", daemon=True).start()
        log.info("cluster mode: %d replica(s) running on %s", self._serve_state["replicas_running"],
                 "a local Ray instance" if self.options.address == LOCAL else self.options.address)

    def close(self) -> None:
        """Remove the replicas; stop Ray if this process started it."""
        self._stopping.set()
        try:
            import ray
            from ray import serve

            serve.delete(self.options.app_name)
            if self.started_ray:
                serve.shutdown()
                ray.shutdown()
        except Exception as exc:  # the cluster may already be gone
            log.warning("cluster mode: the replicas could not be removed cleanly: %s", exc)

    # ------------------------------------------------------------ running batches

    def submit(self, jobs: list[tuple], model_path: Path):
        """Send one batch to a replica (one warm on `model_path` first); returns its stream of events."""
        return self.handle.options(stream=True, multiplexed_model_id=str(model_path)).run.remote(jobs)

    def capacity(self) -> int:
        """How many batches to keep in flight: one per running replica; one more while autoscaling may add one,
        so queued work shows Serve that more replicas are needed."""
        with self._lock:
            running = self._serve_state["replicas_running"]
        extra = 1 if self.options.autoscale and running < self.options.autoscale[1] else 0
        return max(running, 1) + extra

    # ------------------------------------------------------------ the picture

    def saw_replica(self, description: dict, running_jobs: int) -> None:
        with self._lock:
            entry = self._replicas.setdefault(description["replica"], {})
            entry.update(description, jobs_running=running_jobs, seen=time.time())

    def lost_replica(self, replica_id: str | None) -> None:
        with self._lock:
            self._replicas.pop(replica_id, None)

    def _refresh(self) -> None:
        from ray import serve

        try:
            app = serve.status().applications.get(self.options.app_name)
            deployment = app.deployments.get("EngineReplica") if app else None
            states = dict(deployment.replica_states) if deployment else {}
            state = {"status": str(app.status.value if hasattr(app.status, "value") else app.status) if app else "missing",
                     "replicas_running": int(states.get("RUNNING", 0)), "replica_states": states}
        except Exception as exc:  # Ray lost: report it; jobs sent meanwhile fail with the reason
            state = {"status": f"unreachable: {' '.join(str(exc).split())[:200]}", "replicas_running": 0, "replica_states": {}}
        with self._lock:
            self._serve_state = state
            if state["status"] != "RUNNING" or len(self._replicas) > state["replicas_running"]:
                # Forget replicas Serve replaced: keep the ones seen most recently, as many as run.
                keep = sorted(self._replicas.items(), key=lambda kv: kv[1].get("seen", 0), reverse=True)
                self._replicas = dict(keep[: state["replicas_running"]])

    def _watch(self) -> None:
        while not self._stopping.wait(WATCH_INTERVAL_S):
            self._refresh()

    def describe(self, queued: int) -> dict:
        """The info reply's `cluster` field: Serve's view, each replica seen, and jobs waiting in the daemon."""
        with self._lock:
            replicas = [{k: v for k, v in entry.items() if k != "seen"} for entry in self._replicas.values()]
            state = dict(self._serve_state)
        return {"address": self.options.address, "status": state["status"], "replicas_running": state["replicas_running"],
                "replica_states": state["replica_states"],
                "autoscale": list(self.options.autoscale) if self.options.autoscale else None,
                "replica_gpus": self.options.replica_gpus, "replica_cpus": self.options.replica_cpus,
                "replicas": sorted(replicas, key=lambda r: r["replica"]), "jobs_queued": queued}
