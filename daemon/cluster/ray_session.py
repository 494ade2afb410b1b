"""Joining a Ray cluster (or starting one on this machine) and making sure Serve runs on it."""

from __future__ import annotations

import logging
import os

from soundloom.daemon.cluster.options import LOCAL, ClusterOptions
from soundloom.protocol.errors import ErrorCode, SoundloomError

log = logging.getLogger("soundloom.daemon")
INSTALL_HINT = "cluster mode needs Ray Serve: pip install 'soundloom[cluster]'"
# How long joining an existing cluster may take before the address is reported unreachable, in seconds.
CONNECT_TIMEOUT_S = 20


def require_ray():
    """The `ray` module, or an error saying how to install it."""
    try:
        import ray
        from ray import serve  # noqa: F401
    except ImportError as exc:
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{INSTALL_HINT} ({exc})", "cluster") from None
    return ray


def connect(options: ClusterOptions) -> bool:
    """Start or join Ray and start Serve without its HTTP proxy; True when this process started Ray."""
    ray = require_ray()
    from ray import serve

    started_here = False
    if not ray.is_initialized():
        kwargs: dict = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.WARNING}
        if options.address == LOCAL:
            kwargs.update(num_cpus=options.local_cpus, num_gpus=None)
            if options.temp_dir is not None:
                kwargs["_temp_dir"] = str(options.temp_dir)
        else:
            kwargs = {"address": options.address, "log_to_driver": False, "logging_level": logging.WARNING}
            # A head that does not answer fails the start instead of retrying for minutes.
            os.environ.setdefault("RAY_gcs_rpc_server_connect_timeout_s", str(CONNECT_TIMEOUT_S))
        try:
            ray.init(**kwargs)
        except Exception as exc:  # Ray raises ConnectionError, RuntimeError or its own types
            where = "a local Ray instance could not start" if options.address == LOCAL else \
                f"the Ray cluster at {options.address!r} is unreachable"
            raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{where}: {' '.join(str(exc).split())[:300]}", "cluster") from None
        started_here = True
    # No HTTP proxy: requests reach replicas only through this daemon's signed sockets.
    serve.start(proxy_location="Disabled")
    return started_here
