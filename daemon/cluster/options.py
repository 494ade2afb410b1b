"""What `soundloom serve --cluster` asks of Ray: where the cluster is, and how many replicas of what size."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from soundloom.protocol.errors import ErrorCode, SoundloomError

LOCAL = "local"  # no address: start a Ray instance on this machine
MAX_REPLICAS = 1024
MAX_TRAIN_PROCESSES = 64  # one per GPU of the node the training task runs on


@dataclass
class ClusterOptions:
    """Replica counts and sizes; `address` is LOCAL, "auto" or the head's "host:port"."""

    address: str = LOCAL
    replicas: int = 1
    autoscale: tuple[int, int] | None = None  # (min, max) replicas; None: a fixed count
    replica_gpus: float = 0.0
    replica_cpus: float = 1.0
    train_processes: int = 1  # data-parallel processes of a fine-tuning run, each with a replica's GPUs and CPUs
    local_cpus: int | None = None  # CPUs a local Ray instance offers (None: all of the machine's)
    temp_dir: Path | None = None  # a local Ray instance's session files (None: Ray's default)
    shared_dir: Path | None = None  # where adapters live for every node (None: the daemon's data dir)
    app_name: str = "soundloom"
    engine: dict = field(default_factory=dict)  # Engine keyword arguments for each replica: device, dtype, max_seconds

    def check(self) -> None:
        if not 1 <= self.replicas <= MAX_REPLICAS:
            raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{self.replicas} is out of range; allowed: 1 to {MAX_REPLICAS}", "replicas")
        if self.autoscale is not None:
            low, high = self.autoscale
            if not 0 <= low <= high or not 1 <= high <= MAX_REPLICAS:
                raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{low}:{high} is out of range; allowed: MIN:MAX with "
                                     f"0 <= MIN <= MAX and 1 <= MAX <= {MAX_REPLICAS}", "autoscale")
        if self.replica_gpus < 0:
            raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{self.replica_gpus:g} is out of range; allowed: 0 or more", "replica_gpus")
        if self.replica_cpus <= 0:
            raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{self.replica_cpus:g} is out of range; allowed: more than 0", "replica_cpus")
        if not 1 <= self.train_processes <= MAX_TRAIN_PROCESSES:
            raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{self.train_processes} is out of range; allowed: 1 to "
                                 f"{MAX_TRAIN_PROCESSES}", "train_processes")

    @property
    def most_replicas(self) -> int:
        return self.autoscale[1] if self.autoscale else self.replicas


def parse_autoscale(text: str) -> tuple[int, int]:
    """"MIN:MAX" → (MIN, MAX); a clear error naming the option otherwise."""
    low, sep, high = text.partition(":")
    try:
        if not sep:
            raise ValueError
        return int(low), int(high)
    except ValueError:
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{text!r} is not MIN:MAX (for example 1:8)", "autoscale") from None
