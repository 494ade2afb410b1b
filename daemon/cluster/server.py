"""The daemon in cluster mode: the same sockets, job board, result store and limits, with batches run on replicas."""

from __future__ import annotations

from pathlib import Path

from soundloom.daemon.adapters import AdapterStore
from soundloom.daemon.cluster.deployment import Cluster
from soundloom.daemon.cluster.dispatcher import ClusterWorker
from soundloom.daemon.cluster.options import ClusterOptions
from soundloom.daemon.cluster.training import ClusterFinetuneRunner
from soundloom.daemon.server import EngineServer, ServerConfig
from soundloom.daemon.supervisor import WorkerSupervisor
from soundloom.engine.engine import Engine


class ClusterServer(EngineServer):
    """An EngineServer whose worker dispatches to `cluster` (started already); the cluster closes with it.

    `engine` stays on the daemon for what it answers itself (limits, device of the info reply); it
    loads no model."""

    def __init__(self, config: ServerConfig, engine: Engine, cluster: Cluster):
        super().__init__(config, engine)
        self.cluster = cluster
        # Fine-tuning runs as a Ray task of a replica's size per training process; its adapters land where every node reads them.
        self.service.adapters = AdapterStore(adapters_folder(config, cluster.options))
        self.service.refresh_variants()
        self.finetuning = ClusterFinetuneRunner(self.board, self.outbox, lambda: self.service.refresh_variants(),
                                                config.data_dir, gpus=cluster.options.replica_gpus,
                                                cpus=cluster.options.replica_cpus,
                                                processes=cluster.options.train_processes)
        self.service.finetuning = self.finetuning
        self.supervisor = WorkerSupervisor(
            lambda: ClusterWorker(cluster, self.board, self.store, self.outbox, config.max_batch_rows), self.board, self.outbox)
        self.service.supervisor = self.supervisor
        self.service.cluster = cluster

    def stop(self) -> None:
        if self._stopped.is_set():
            return
        try:
            super().stop()
        finally:
            self.cluster.close()


def model_roots(config: ServerConfig) -> list:
    """The folders replicas may load models from: the daemon's model folders and models dirs."""
    return [*config.models, *config.model_roots]


def adapters_folder(config: ServerConfig, options: ClusterOptions) -> Path:
    """Where fine-tuned adapters live: `--shared-dir`, else the daemon's data dir; replicas on other
    hosts need this folder at the same path."""
    return (options.shared_dir or config.data_dir) / "adapters"


def adapter_roots(config: ServerConfig, options: ClusterOptions) -> list:
    return [adapters_folder(config, options)]
