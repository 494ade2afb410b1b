"""A fine-tuning run as its own process, driven by the engine daemon.

    python -m soundloom.engine.training.finetune_process SPEC.json

Events go to stdout as JSON lines ({"event": "started" | "progress" | "validation" | "done" |
"error", ...}); anything else a library prints is sent to stderr so it cannot corrupt them. A line
"cancel" on stdin, or stdin closing (the engine went away), stops the run after the current step
with a checkpoint written. Running apart from the engine keeps generation requests served while
training, and returns all of training's memory to the system when it ends.

A spec asking for several `processes` (data parallel, one per GPU) makes this process hand over to
torch's elastic launcher (what `accelerate launch --multi_gpu` runs), which starts that many copies
of this module; Accelerate sets each up from the launcher's environment. The first of them reads
stdin and writes the events, so the engine sees one training process either way.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

from soundloom.protocol.errors import ErrorCode, SoundloomError


def _event_writer():
    stream = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    sys.stdout = sys.stderr  # prints from libraries must not land in the event stream
    lock = threading.Lock()

    def emit(event: dict) -> None:
        with lock:
            stream.write(json.dumps(event) + "\n")

    return emit


def _no_events(event: dict) -> None:
    """The events of a copy other than the first: the first one's stand for them."""


def _watch_stdin(stop: threading.Event) -> None:
    for line in sys.stdin:
        if line.strip() == "cancel":
            break
    stop.set()  # "cancel", or EOF: nobody is listening any more


def _launch_processes(spec_file: str, processes: int, device: str) -> None:
    """Replace this process by the elastic launcher running `processes` copies of this module.

    It keeps stdin, stdout and stderr, which the copies inherit, and passes a terminate signal on to them.
    """
    env = dict(os.environ)
    if device == "cpu":
        # Share out the threads this run may use (a Ray task's OMP_NUM_THREADS, else the machine's
        # cores) rather than let every copy use them all.
        threads = int(env.get("OMP_NUM_THREADS") or os.cpu_count() or 1)
        env["OMP_NUM_THREADS"] = str(max(1, threads // processes))
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={processes}",
               "--module", "soundloom.engine.training.finetune_process", spec_file]
    os.execve(sys.executable, command, env)


def _rank_device(device: str) -> str:
    """This copy's device: with several processes on CUDA, the GPU of its local rank."""
    local_rank = os.environ.get("LOCAL_RANK")
    return f"cuda:{local_rank}" if device.startswith("cuda") and local_rank is not None else device


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    spec_json = _read_spec(argv[0])
    processes = int(spec_json.get("processes", 1)) if spec_json else 1
    if processes > 1 and "WORLD_SIZE" not in os.environ:
        _launch_processes(argv[0], processes, spec_json.get("device", "cpu"))
    stop = threading.Event()
    if int(os.environ.get("RANK", "0")) == 0:
        emit = _event_writer()
        threading.Thread(target=_watch_stdin, args=(stop,), daemon=True).start()
    else:  # the other copies of a several-process run: the first one speaks for them all
        sys.stdout = sys.stderr
        emit = _no_events
    try:
        import torch

        from soundloom.engine.models.loading import load_model
        from soundloom.engine.training.finetune import FinetuneSpec, train_adapter

        if spec_json is None:
            raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{argv[0]} is not a readable fine-tuning spec", "spec")
        spec = FinetuneSpec(**spec_json)
        if hasattr(os, "nice"):
            os.nice(10)  # generation requests, which someone is waiting for, go first
        torch.set_num_threads(max(1, int(os.environ.get("SOUNDLOOM_TRAIN_THREADS", torch.get_num_threads()))))
        spec.device = _rank_device(spec.device)
        model = load_model(spec.model_path, device=spec.device)
        record = train_adapter(spec, model, emit, stop.is_set)
        emit({"event": "done", "record": record})
        return 0
    except SoundloomError as exc:
        emit({"event": "error", **exc.to_dict()})
        # A cancel is an orderly end (checkpoint written, as asked): status 0, which also keeps a
        # several-process launcher from reporting its copies as failed.
        return 0 if exc.code == ErrorCode.CANCELLED else 1
    except Exception as exc:  # report, never a silent death
        import traceback

        traceback.print_exc()
        emit({"event": "error", **SoundloomError(ErrorCode.INTERNAL, f"{type(exc).__name__}: {exc}").to_dict()})
        return 1
    finally:
        _leave_process_group()


def _read_spec(path: str) -> dict | None:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


def _leave_process_group() -> None:
    """Several processes: leave their group cleanly, so none waits on the others at exit."""
    distributed = sys.modules.get("torch.distributed")
    if distributed is not None and distributed.is_available() and distributed.is_initialized():
        distributed.destroy_process_group()


if __name__ == "__main__":
    sys.exit(main())
