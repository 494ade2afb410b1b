"""Joining a Ray cluster (or starting one on this machine) and making sure Serve runs on it."""

from __future__ import annotations

import logging
import os
import socket

from soundloom.daemon.cluster.options import LOCAL, ClusterOptions
from soundloom.protocol.errors import ErrorCode, SoundloomError

log = logging.getLogger("soundloom.daemon")
INSTALL_HINT = "cluster mode needs Ray Serve: pip install 'soundloom[cluster]'"
# How long a cluster's head may take to accept a connection before it is reported unreachable, in seconds.
CONNECT_TIMEOUT_S = 20
# Ray ends a process whose head has been unreachable for a minute; the daemon must outlive the
# cluster (it fails jobs and joins again), so it waits for the head as long as it runs (a year, in s).
GCS_RECONNECT_TIMEOUT_S = str(365 * 24 * 3600)


def require_ray():
    """The `ray` module, or an error saying how to install it."""
    os.environ.setdefault("RAY_gcs_rpc_server_reconnect_timeout_s", GCS_RECONNECT_TIMEOUT_S)  # read when Ray loads
    try:
        import ray
        from ray import serve  # noqa: F401
    except ImportError as exc:
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{INSTALL_HINT} ({exc})", "cluster") from None
    return ray


def _unreachable(address: str, reason: str) -> SoundloomError:
    return SoundloomError(ErrorCode.INVALID_ARGUMENT, f"the Ray cluster at {address!r} is unreachable: {reason}", "cluster")


def probe(address: str) -> None:
    """Fail fast when a head given as host:port does not accept connections (ray:// is refused).

    Ray itself keeps retrying an unreachable head for minutes; "auto" is looked up locally by Ray."""
    if address in (LOCAL, "auto"):
        return
    if address.startswith("ray://"):
        # Ray Client carries no streaming responses, and progress streams with every job.
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{address!r}: joining through Ray Client (ray://) is not supported; "
                             "run the engine on a host of the cluster (ray start --address HEAD:6379) and use "
                             "--cluster auto, or give the head as HEAD:6379", "cluster")
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{address!r} is not an address; allowed: auto or the "
                             "head's host:port", "cluster")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        raise _unreachable(address, exc.strerror or str(exc)) from None


def connect(options: ClusterOptions) -> bool:
    """Start or join Ray and start Serve without its HTTP proxy; True when this process started Ray
    (and so stops it), False when it joined a cluster (or one was already connected)."""
    ray = require_ray()
    from ray import serve

    started_here = False
    # Nothing is reported to Ray's usage statistics service: the engine works offline.
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if not ray.is_initialized():
        probe(options.address)
        kwargs: dict = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.WARNING}
        if options.address == LOCAL:
            # Ray starts its workers 15 steps nicer than itself, so replicas would yield the CPU to
            # every other program; on this machine they compute at the daemon's priority instead,
            # as the local worker does. (A cluster joined by address keeps its head's setting.)
            os.environ.setdefault("RAY_worker_niceness", "0")
            kwargs.update(num_cpus=options.local_cpus, num_gpus=None)
            if options.temp_dir is not None:
                kwargs["_temp_dir"] = str(options.temp_dir)
        else:
            kwargs = {"address": options.address, "log_to_driver": False, "logging_level": logging.WARNING}
        try:
            ray.init(**kwargs)
        except Exception as exc:  # Ray raises ConnectionError, RuntimeError or its own types
            reason = " ".join(str(exc).split())[:300]
            if options.address != LOCAL:
                raise _unreachable(options.address, reason) from None
            raise SoundloomError(ErrorCode.INTERNAL, f"a local Ray instance could not start: {reason}", "cluster") from None
        started_here = options.address == LOCAL
    # No HTTP proxy: requests reach replicas only through this daemon's signed sockets.
    serve.start(proxy_location="Disabled")
    return started_here


def gcs_address() -> str:
    """host:port of the head's control store (GCS) of the cluster this process joined."""
    import ray

    return ray.get_runtime_context().gcs_address


def head_answers(address: str, timeout: float = 2.0) -> bool:
    """Whether the head at host:port accepts connections: asked without Ray, whose own calls wait
    for a lost head instead of failing."""
    host, _, port = address.rpartition(":")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
        return True
    except (OSError, ValueError):
        return False
