"""The options of `soundloom serve` for cluster mode, and the server they make. Importing this needs no Ray."""

from __future__ import annotations

import argparse
from pathlib import Path

from soundloom.daemon.cluster.options import LOCAL, ClusterOptions, parse_autoscale


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("cluster mode (needs pip install 'soundloom[cluster]')")
    group.add_argument("--cluster", nargs="?", const=LOCAL, metavar="RAY_ADDRESS",
                       help="run operations on engine replicas with Ray Serve: with no address on a local Ray "
                            "instance; 'auto' or HEAD_HOST:PORT joins a running cluster from one of its hosts")
    sizes = group.add_mutually_exclusive_group()
    sizes.add_argument("--replicas", type=int, default=1, help="engine replicas to run (default 1)")
    sizes.add_argument("--autoscale", metavar="MIN:MAX", help="let Serve scale replicas between MIN and MAX with the queue")
    group.add_argument("--replica-gpus", type=float, default=0.0, help="GPUs each replica takes (default 0)")
    group.add_argument("--replica-cpus", type=float, default=1.0, help="CPUs each replica takes (default 1)")
    group.add_argument("--train-processes", type=int, default=1, metavar="N",
                       help="fine-tune with N data-parallel processes in one Ray task of N times a replica's GPUs "
                            "and CPUs, on one node (default 1)")
    group.add_argument("--shared-dir", type=Path, metavar="PATH",
                       help="a folder every cluster host reaches at this path: fine-tuned adapters are written and "
                            "loaded there (default: the data dir, which must then be shared)")


def options_from(args: argparse.Namespace, engine: dict) -> ClusterOptions | None:
    """The cluster options the command line asks for (None: no --cluster), checked: Ray is installed
    and a head given by address accepts connections, before the engine spends time starting.

    `engine`: each replica's Engine keyword arguments (device, dtype, max_seconds)."""
    if args.cluster is None:
        return None
    from soundloom.daemon.cluster.ray_session import probe, require_ray

    require_ray()
    options = ClusterOptions(address=args.cluster, replicas=args.replicas,
                             autoscale=parse_autoscale(args.autoscale) if args.autoscale else None,
                             replica_gpus=args.replica_gpus, replica_cpus=args.replica_cpus,
                             train_processes=args.train_processes, engine=engine,
                             shared_dir=args.shared_dir.expanduser().resolve() if args.shared_dir else None)
    options.check()
    probe(options.address)
    return options


def start_server(config, engine, options: ClusterOptions):
    """Deploy the replicas (raising a SoundloomError when Ray is missing or unreachable) and build the server."""
    from soundloom.daemon.cluster.ray_session import require_ray

    require_ray()
    from soundloom.daemon.cluster.deployment import Cluster
    from soundloom.daemon.cluster.server import ClusterServer, adapter_roots, model_roots

    cluster = Cluster(options, model_roots(config), adapter_roots(config, options))
    cluster.start()
    try:
        return ClusterServer(config, engine, cluster)
    except BaseException:
        cluster.close()
        raise
