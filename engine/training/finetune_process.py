"""A fine-tuning run as its own process, driven by the engine daemon.

    python -m soundloom.engine.training.finetune_process SPEC.json

Events go to stdout as JSON lines ({"event": "started" | "progress" | "validation" | "done" |
"error", ...}); anything else a library prints is sent to stderr so it cannot corrupt them. A line
"cancel" on stdin, or stdin closing (the engine went away), stops the run after the current step
with a checkpoint written. Running apart from the engine keeps generation requests served while
training, and returns all of training's memory to the system when it ends.
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


def _watch_stdin(stop: threading.Event) -> None:
    for line in sys.stdin:
        if line.strip() == "cancel":
            break
    stop.set()  # "cancel", or EOF: nobody is listening any more


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    emit = _event_writer()
    stop = threading.Event()
    threading.Thread(target=_watch_stdin, args=(stop,), daemon=True).start()
    try:
        import torch

        from soundloom.engine.models.loading import load_model
        from soundloom.engine.training.finetune import FinetuneSpec, train_adapter

        spec = FinetuneSpec(**json.loads(Path(argv[0]).read_text()))
        if hasattr(os, "nice"):
            os.nice(10)  # generation requests, which someone is waiting for, go first
        torch.set_num_threads(max(1, int(os.environ.get("SOUNDLOOM_TRAIN_THREADS", torch.get_num_threads()))))
        model = load_model(spec.model_path, device=spec.device)
        record = train_adapter(spec, model, emit, stop.is_set)
        emit({"event": "done", "record": record})
        return 0
    except SoundloomError as exc:
        emit({"event": "error", **exc.to_dict()})
        return 1
    except Exception as exc:  # report, never a silent death
        import traceback

        traceback.print_exc()
        emit({"event": "error", **SoundloomError(ErrorCode.INTERNAL, f"{type(exc).__name__}: {exc}").to_dict()})
        return 1


if __name__ == "__main__":
    sys.exit(main())
