"""`soundloom serve`: run the engine as a local service (`python -m soundloom.daemon serve`).

Options left out on the command line come from the settings file (soundloom.settings), then
from the defaults. An engine bound to loopback or ipc is reachable only with the key in its 0600
connection file, so only by its own user: it reads any folder that user can. Library roots limit
fine-tuning only on an engine started with --allow-remote.
"""

from __future__ import annotations

import argparse
import json
import logging
import logging.handlers
import signal
import sys
import time
from pathlib import Path

from soundloom.daemon.cluster.cli import add_arguments as add_cluster_arguments
from soundloom.daemon.cluster.cli import options_from as cluster_options
from soundloom.settings.paths import DATA_DIR_ENV, data_dir  # noqa: F401  (data_dir: the one definition, re-exported)

# --precision's names for the engine's compute dtypes (soundloom.engine.device).
PRECISION_DTYPES = {"auto": "auto", "fp32": "float32", "bf16": "bfloat16", "fp16": "float16"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="soundloom serve", description="Serve soundloom's engine to local clients.")
    parser.add_argument("--transport", choices=("tcp", "ipc"),
                        help="ipc (default where the platform has it): sockets in a private folder; "
                             "tcp: encrypted with CURVE, also on loopback")
    parser.add_argument("--ip", help="address to bind, which implies tcp (default 127.0.0.1); non-loopback needs --allow-remote")
    parser.add_argument("--allow-remote", action="store_true", help="allow a non-loopback address (turns on CURVE)")
    parser.add_argument("--connection-file", type=Path, help="where to write the connection file")
    parser.add_argument("--data-dir", type=Path, help="results, logs and adapters (default: the user data dir)")
    parser.add_argument("--model", type=Path, action="append", default=[], help="a model folder; the first is the default")
    parser.add_argument("--models-dir", type=Path, action="append", default=[], help="a folder of model folders")
    parser.add_argument("--library-root", type=Path, action="append", default=[],
                        help="with --allow-remote: a folder whose subfolders fine-tuning may read (default: the "
                             "library_roots setting, else your home folder); a local engine reads any folder you can")
    parser.add_argument("--device", help="cpu, cuda or cuda:N (default: the device setting; auto: cuda when available)")
    parser.add_argument("--precision", choices=tuple(PRECISION_DTYPES),
                        help="the UNet's arithmetic (default: the precision setting; auto: bf16 on a CPU that "
                             "computes it in hardware, bf16 or fp16 on a CUDA GPU, else fp32; fp16: CUDA only)")
    parser.add_argument("--preload", metavar="FOLDER",
                        help="a model folder to start loading at once, while the engine finishes starting "
                             "(default: the default model; none: load models on first use)")
    parser.add_argument("--idle-timeout", type=float, metavar="SECONDS",
                        help="exit after this many seconds with no work (default: never; engines that commands "
                             "start get the idle_timeout setting)")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="longest clip a request may ask for")
    parser.add_argument("--max-queued", type=int, default=32, help="jobs one client may have queued or running")
    parser.add_argument("--max-message-mb", type=float, default=256.0, help="largest message accepted, in MB")
    parser.add_argument("--max-batch", type=int, default=8, help="most clips generated in one batch")
    parser.add_argument("--result-max-age-h", type=float, default=168.0, help="prune stored results older than this")
    parser.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    add_cluster_arguments(parser)
    return parser


log = logging.getLogger("soundloom.daemon")


def _setup_logging(folder: Path, level: str) -> None:
    logs = folder / "logs"
    logs.mkdir(exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(logs / "engine.log", maxBytes=2_000_000, backupCount=3)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(message)s"))
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(logging.Formatter("soundloom engine: %(levelname)s %(message)s"))
    root = logging.getLogger("soundloom")
    root.setLevel(level)
    root.handlers[:] = [handler, console]


def engine_choices(args: argparse.Namespace, settings) -> dict:
    """The Engine's device and compute dtype: the command line, else the settings (auto: None/"auto")."""
    device = args.device or settings["device"]
    return {"device": None if device == "auto" else device,
            "dtype": PRECISION_DTYPES[args.precision or settings["precision"]]}


def library_roots(args: argparse.Namespace, settings) -> list[Path]:
    """Where fine-tuning may read: anywhere for a local engine; for a remote one the roots given."""
    from soundloom.daemon.finetune_request import everywhere

    if not args.allow_remote:
        return everywhere()
    return list(args.library_root) or [Path(p) for p in settings["library_roots"]] or [Path.home()]


def _settings_or_exit():
    from soundloom.protocol.errors import SoundloomError
    from soundloom.settings.store import load

    try:
        return load()
    except SoundloomError as exc:
        print(f"soundloom serve: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return None


def _preload_folder(args: argparse.Namespace, models: list[Path]) -> Path | None:
    if args.preload:
        return None if args.preload == "none" else Path(args.preload)
    return Path(models[0]) if models else None


def serve(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    stages: dict[str, float] = {}

    def stage(name: str) -> None:
        """Record how long the part of the start since the previous stage took (seconds, in the log)."""
        stages[name] = round(time.perf_counter() - started - sum(stages.values()), 3)

    args = build_parser().parse_args(argv)
    if args.idle_timeout is not None and args.idle_timeout < 0:
        print(f"soundloom serve: error: idle-timeout: {args.idle_timeout:g} is out of range; allowed: 0 or more seconds "
              "(0: never)", file=sys.stderr)
        return 2
    settings = _settings_or_exit()
    if settings is None:
        return 2
    folder = data_dir(args.data_dir)
    _setup_logging(folder, args.log_level)

    from soundloom.daemon.instance_lock import ENGINE_RUNNING_EXIT, EngineLock
    from soundloom.protocol.connection import connection_path
    from soundloom.protocol.errors import ErrorCode, SoundloomError

    # Before anything slow: a second engine for the same connection file refuses at once.
    try:
        connection_file = args.connection_file or connection_path()
        lock = EngineLock(connection_file)
        lock.acquire()
    except SoundloomError as exc:
        print(f"soundloom serve: error: {exc}", file=sys.stderr)
        return ENGINE_RUNNING_EXIT if exc.code is ErrorCode.ENGINE_RUNNING else 2
    stage("start")

    from soundloom.engine.engine import default_model_path
    from soundloom.daemon.preload import PreloadingEngine
    from soundloom.daemon.server import DEFAULT_TRANSPORT, EngineServer, ServerConfig

    stage("imports")
    models = list(args.model)
    if not models and settings["default_model"]:
        models.append(Path(settings["default_model"]))
    if not models:
        try:
            models.append(default_model_path())
        except SoundloomError:
            pass  # no default: requests must name a model from --models-dir
    config = ServerConfig(
        transport=args.transport or ("tcp" if args.ip or args.allow_remote else DEFAULT_TRANSPORT), ip=args.ip or "127.0.0.1", allow_remote=args.allow_remote, connection_file=connection_file,
        data_dir=folder, max_message_bytes=int(args.max_message_mb * 1024 * 1024), max_queued_per_client=args.max_queued,
        max_batch_rows=args.max_batch, result_max_age_s=args.result_max_age_h * 3600, models=models,
        model_roots=list(args.models_dir), library_roots=library_roots(args, settings),
        idle_timeout_s=args.idle_timeout or 0.0,
    )
    try:
        cluster = cluster_options(args, {**engine_choices(args, settings), "max_seconds": args.max_seconds})
        engine = PreloadingEngine(max_seconds=args.max_seconds, **engine_choices(args, settings))
    except SoundloomError as exc:
        print(f"soundloom serve: error: {exc}", file=sys.stderr)
        return 2
    try:
        preload = None if cluster else _preload_folder(args, models)  # replicas load their models themselves
        if preload is not None:
            engine.preload(preload)  # goes on while the server is set up and the first client connects
        if cluster:
            from soundloom.daemon.cluster.cli import start_server as start_cluster_server

            server = start_cluster_server(config, engine, cluster)
        else:
            server = EngineServer(config, engine)
        stage("engine and server setup")
        server.start()
    except SoundloomError as exc:
        print(f"soundloom serve: error: {exc}", file=sys.stderr)
        engine.wait_for_preload()
        return 2
    stage("sockets and connection file")
    log.info("ready in %.2f s %s", time.perf_counter() - started, json.dumps(stages))
    # SIGTERM and Ctrl-C end the engine cleanly (jobs cancelled, connection file removed).
    signal.signal(signal.SIGTERM, lambda *_: server.service.shutdown_requested.set())
    signal.signal(signal.SIGINT, lambda *_: server.service.shutdown_requested.set())
    server.serve_forever()
    engine.wait_for_preload()  # a thread still inside the model's loading code must not meet interpreter shutdown
    lock.release()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:
        argv = argv[1:]
    return serve(argv)


if __name__ == "__main__":
    sys.exit(main())
