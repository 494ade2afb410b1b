"""Fine-tuned adapters in the engine's data directory, one folder each.

    <data>/adapters/<name>/adapter.json   what it is: base model, library, steps, state, loss curve
    <data>/adapters/<name>/lora/          the finished adapter (peft format)
    <data>/adapters/<name>/checkpoints/   resumable training state
    <data>/adapters/<name>/validation/    validation renders

A ready adapter is offered to requests as the model variant "<base>+<name>".
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from soundloom.engine.training.checkpoint import list_checkpoints
from soundloom.engine.training.lora import WEIGHTS_FILE
from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.protocol.messages import ADAPTER_NAME_PATTERN

VARIANT_SEPARATOR = "+"


def variant_name(base: str, adapter: str) -> str:
    return f"{base}{VARIANT_SEPARATOR}{adapter}"


def check_name(name) -> str:
    if not isinstance(name, str) or not re.fullmatch(ADAPTER_NAME_PATTERN, name):
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{name!r} is not a valid adapter name; use 1 to 64 letters, "
                             "digits, '_', '.' or '-', starting with a letter or digit", "name")
    return name


def holds_training(folder: Path) -> bool:
    """Whether an adapter folder holds anything to resume or use: a checkpoint or finished weights."""
    return bool(list_checkpoints(folder / "checkpoints")) or (folder / "lora" / WEIGHTS_FILE).is_file()


class AdapterStore:
    def __init__(self, root: Path):
        self.root = Path(root)

    def folder(self, name: str) -> Path:
        return self.root / check_name(name)

    def record(self, name: str) -> dict | None:
        try:
            record = json.loads((self.folder(name) / "adapter.json").read_text())
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) else None

    def is_ready(self, name: str) -> bool:
        record = self.record(name)
        return bool(record) and record.get("state") == "ready" and (self.folder(name) / "lora" / WEIGHTS_FILE).is_file()

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and re.fullmatch(ADAPTER_NAME_PATTERN, p.name))

    def describe(self, name: str, training: bool = False) -> dict:
        record = self.record(name) or {}
        state = "training" if training else ("ready" if self.is_ready(name) else "partial")
        base = str(record.get("base", ""))
        return {
            "name": name, "base": base, "model": variant_name(base, name), "state": state,
            "steps": int(record.get("steps_done", 0)), "rank": int(record.get("rank", 0)),
            "clips": int(record.get("clips", 0)), "created": str(record.get("created", "")), "path": str(self.folder(name)),
        }

    def remove(self, name: str) -> None:
        folder = self.folder(name)
        if not folder.is_dir():
            raise SoundloomError(ErrorCode.ADAPTER_NOT_FOUND, f"no adapter named {name!r}", "name")
        shutil.rmtree(folder)
