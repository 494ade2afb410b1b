"""`soundloom serve`: run the engine as a local service (`python -m soundloom.daemon serve`)."""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import os
import signal
import sys
from pathlib import Path

import platformdirs

DATA_DIR_ENV = "SOUNDLOOM_DATA_DIR"


def data_dir(explicit: Path | None = None) -> Path:
    """Where results, logs and adapters live: --data-dir, $SOUNDLOOM_DATA_DIR, or the user data dir."""
    path = explicit or Path(os.environ.get(DATA_DIR_ENV) or platformdirs.user_data_dir("soundloom"))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


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
                        help="a folder whose subfolders fine-tuning may read (default: your home folder)")
    parser.add_argument("--device", help="cpu or cuda (default: cuda when available)")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="longest clip a request may ask for")
    parser.add_argument("--max-queued", type=int, default=32, help="jobs one client may have queued or running")
    parser.add_argument("--max-message-mb", type=float, default=256.0, help="largest message accepted, in MB")
    parser.add_argument("--max-batch", type=int, default=8, help="most clips generated in one batch")
    parser.add_argument("--result-max-age-h", type=float, default=168.0, help="prune stored results older than this")
    parser.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    return parser


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


def serve(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    folder = data_dir(args.data_dir)
    _setup_logging(folder, args.log_level)

    from soundloom.engine.engine import Engine, default_model_path
    from soundloom.daemon.instance_lock import ENGINE_RUNNING_EXIT, EngineLock
    from soundloom.daemon.server import DEFAULT_TRANSPORT, EngineServer, ServerConfig
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

    models = list(args.model)
    if not models:
        try:
            models.append(default_model_path())
        except SoundloomError:
            pass  # no default: requests must name a model from --models-dir
    config = ServerConfig(
        transport=args.transport or ("tcp" if args.ip or args.allow_remote else DEFAULT_TRANSPORT), ip=args.ip or "127.0.0.1", allow_remote=args.allow_remote, connection_file=connection_file,
        data_dir=folder, max_message_bytes=int(args.max_message_mb * 1024 * 1024), max_queued_per_client=args.max_queued,
        max_batch_rows=args.max_batch, result_max_age_s=args.result_max_age_h * 3600, models=models,
        model_roots=list(args.models_dir), library_roots=list(args.library_root) or [Path.home()],
    )
    try:
        server = EngineServer(config, Engine(device=args.device, max_seconds=args.max_seconds))
        server.start()
    except SoundloomError as exc:
        print(f"soundloom serve: error: {exc}", file=sys.stderr)
        return 2
    # SIGTERM and Ctrl-C end the engine cleanly (jobs cancelled, connection file removed).
    signal.signal(signal.SIGTERM, lambda *_: server.service.shutdown_requested.set())
    signal.signal(signal.SIGINT, lambda *_: server.service.shutdown_requested.set())
    server.serve_forever()
    lock.release()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:
        argv = argv[1:]
    return serve(argv)


if __name__ == "__main__":
    sys.exit(main())
