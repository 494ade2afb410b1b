"""The daemon's side of the replicas: deploys them on Serve, sends them batches, and keeps a picture of them.

The picture (replicas, devices, warm models, jobs running) is kept by a watcher thread and by the
events that come back with every batch, so the info reply reads it without waiting on Ray, and
still answers when the cluster is gone.

The same thread notices when the cluster is lost (Serve no longer answers): `reachable` is cleared,
so the dispatcher fails jobs at once instead of leaving them with a call that never returns, and
it tries every few seconds to join the cluster again and redeploy the replicas.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from soundloom.daemon.cluster.options import LOCAL, ClusterOptions
from soundloom.daemon.cluster.ray_session import connect, gcs_address, head_answers

log = logging.getLogger("soundloom.daemon")
WATCH_INTERVAL_S = 1.0
REJOIN_INTERVAL_S = 5.0  # how often a lost cluster is tried again, in seconds
LEAVE_TIMEOUT_S = 30.0  # how long leaving a lost cluster may take before joining again anyway, in seconds


class Cluster:
    """Engine replicas deployed as the Serve application `options.app_name`."""

    def __init__(self, options: ClusterOptions, model_roots: list[Path], adapter_roots: list[Path]):
        options.check()
        self.options = options
        self._model_roots = [str(p) for p in model_roots]
        self._adapter_roots = [str(p) for p in adapter_roots]
        self._lock = threading.Lock()
        self._transition = threading.Lock()  # one thread at a time decides that the cluster is lost
        self._replicas: dict[str, dict] = {}  # by replica id: its last description and what it runs now
        self._handles: dict = {}  # by model path: `handle` set up to stream, routed to replicas warm on it
        self._serve_state: dict = {"status": "starting", "replicas_running": 0, "replica_states": {}}
        self._stopping = threading.Event()
        self.reachable = threading.Event()  # set while Serve answers; cleared when the cluster is lost
        self.lost_reason = ""
        self._head = ""  # host:port of the cluster's head, asked before Serve (which waits for a lost head)
        self.started_ray = False
        self.handle = None

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Join (or start) Ray, deploy the replicas and wait until at least one runs."""
        self.started_ray = connect(self.options)
        self._head = gcs_address()
        self._deploy()
        self._refresh()
        self.reachable.set()
        threading.Thread(target=self._watch, name="soundloom-cluster-watch", daemon=True).start()
        log.info("cluster mode: %d replica(s) running on %s", self._serve_state["replicas_running"],
                 "a local Ray instance" if self.options.address == LOCAL else self.options.address)

    def _deploy(self) -> None:
        from ray import serve

        from soundloom.daemon.cluster.replica import EngineReplica

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
        self._handles = {}  # the old ones reach a deployment that is gone
        self.handle = serve.run(app, name=self.options.app_name, route_prefix=None)

    def close(self) -> None:
        """Remove the replicas; stop Ray if this process started it."""
        self._stopping.set()
        try:
            import ray
            from ray import serve

            if not self.reachable.is_set():  # asking a lost cluster to remove them would wait for it
                ray.shutdown()
                return
            serve.delete(self.options.app_name)
            if self.started_ray:
                serve.shutdown()
                ray.shutdown()
        except Exception as exc:  # the cluster may already be gone
            log.warning("cluster mode: the replicas could not be removed cleanly: %s", exc)

    # ------------------------------------------------------------ running batches

    def submit(self, jobs: list[tuple], model_path: Path):
        """Send one batch to a replica (one warm on `model_path` first); returns its stream of events."""
        handle = self._handles.get(model_path)
        if handle is None:  # made once per model: making one costs a little on every job
            handle = self._handles[model_path] = self.handle.options(stream=True, multiplexed_model_id=str(model_path))
        return handle.run.remote(jobs)

    def broadcast_model_job(self, action: str, entry) -> list[tuple]:
        """Run a model_load or model_unload on every running replica; one outcome per replica (see
        `EngineReplica.model_job`)."""
        return self.handle.broadcast("model_job", action, entry).results()

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

    def _refresh(self) -> bool:
        """Ask Serve for the replicas' states; False when it cannot be asked (the cluster is lost)."""
        from ray import serve

        try:
            if not head_answers(self._head):
                raise ConnectionError(f"the head at {self._head} does not accept connections")
            app = serve.status().applications.get(self.options.app_name)
            if app is None:  # a head that came back is a new cluster: the replicas went with the old one
                raise LookupError(f"Serve runs no application {self.options.app_name!r} there")
            deployment = app.deployments.get("EngineReplica") if app else None
            states = dict(deployment.replica_states) if deployment else {}
            state = {"status": str(app.status.value if hasattr(app.status, "value") else app.status) if app else "missing",
                     "replicas_running": int(states.get("RUNNING", 0)), "replica_states": states}
            answered = True
        except Exception as exc:  # Ray lost: report it; jobs sent meanwhile fail with the reason
            self.lost_reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
            state = {"status": f"unreachable: {self.lost_reason}", "replicas_running": 0, "replica_states": {}}
            answered = False
        with self._lock:
            self._serve_state = state
            if state["status"] != "RUNNING" or len(self._replicas) > state["replicas_running"]:
                # Forget replicas Serve replaced: keep the ones seen most recently, as many as run.
                keep = sorted(self._replicas.items(), key=lambda kv: kv[1].get("seen", 0), reverse=True)
                self._replicas = dict(keep[: state["replicas_running"]])
        return answered

    def still_reachable(self) -> bool:
        """Ask the cluster now rather than at the watcher's next look; when it is gone, mark it lost
        (as the watcher would) and return False.

        A job whose replica fails as the head goes down asks this first: its replica died with the
        cluster, and the job is to be answered `cluster_unavailable`, not retried on a replica that is
        gone too, however late a busy machine runs the watcher."""
        with self._transition:
            if not self.reachable.is_set():
                return False
            if self._refresh():
                return True
            self.reachable.clear()
            log.error("cluster mode: the cluster at %s is lost (%s); its jobs fail, and it is tried again "
                      "every %g s", self.options.address, self.lost_reason, REJOIN_INTERVAL_S)
            self._leave()
            return False

    def _watch(self) -> None:
        next_try = 0.0
        while not self._stopping.wait(WATCH_INTERVAL_S):
            if self.reachable.is_set():
                self.still_reachable()
            elif time.monotonic() >= next_try:
                next_try = time.monotonic() + REJOIN_INTERVAL_S
                self._rejoin()

    def _leave(self) -> None:
        """Disconnect from the lost cluster at once, so that a head coming back later is joined afresh
        rather than found by the old connection. On a thread, in case Ray waits for the head."""
        import ray

        def leave() -> None:
            try:
                ray.shutdown()
            except Exception as exc:
                log.debug("leaving the lost cluster: %s", exc)

        thread = threading.Thread(target=leave, name="soundloom-cluster-leave", daemon=True)
        thread.start()
        thread.join(LEAVE_TIMEOUT_S)
        _forget_serve_client()

    def _rejoin(self) -> None:
        """Join the cluster again and deploy the replicas anew (they went with it)."""
        import ray

        if ray.is_initialized():
            self._leave()
        try:
            self.started_ray = connect(self.options) or self.started_ray
            self._head = gcs_address()
            self._deploy()
        except Exception as exc:  # still gone (or coming up): the next try may succeed
            self.lost_reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
            self._set_status(f"unreachable: {self.lost_reason}")
            log.info("cluster mode: the cluster at %s is still unreachable: %s", self.options.address, self.lost_reason)
            return
        self.reachable.set()  # before the status says RUNNING: whoever reads that may send jobs at once
        if not self._refresh():
            self.reachable.clear()
        else:
            log.warning("cluster mode: the cluster at %s is back; %d replica(s) running", self.options.address,
                        self._serve_state["replicas_running"])

    def _set_status(self, status: str) -> None:
        with self._lock:
            self._serve_state = {"status": status, "replicas_running": 0, "replica_states": {}}
            self._replicas.clear()

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


def _forget_serve_client() -> None:
    """Serve caches its client to the cluster's controller per process; after losing the cluster the
    cache points at a controller that is gone, and the next `serve.start` must make a new one."""
    try:
        from ray.serve import context

        context._set_global_client(None)
    except (ImportError, AttributeError):  # a Ray without this cache: nothing to forget
        pass
