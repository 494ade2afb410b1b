"""Checking a fine-tuning or library request before anything runs: every bad field named."""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Any

from soundloom.daemon.adapters import AdapterStore, check_name
from soundloom.engine.files import is_within
from soundloom.engine.pipelines.requests import check_number
from soundloom.daemon.registry import ModelRegistry
from soundloom.engine.training.finetune_spec import FinetuneSpec
from soundloom.protocol.errors import ErrorCode, SoundloomError, out_of_range
from soundloom.protocol.messages import FINETUNE_DEFAULTS, FINETUNE_RANGES, MAX_VALIDATION_PROMPTS

INTEGER_FIELDS = ("steps", "rank", "batch_size", "seed", "validate_every", "checkpoint_every")
BOOL_FIELDS = ("mix", "convolutions", "resume")


def everywhere() -> list[Path]:
    """The library roots of a local engine: the whole file system. Only its own user holds the key to
    it (the 0600 connection file), and that user can read those folders anyway."""
    return [Path(os.path.abspath(os.sep))]


def _outside_roots(folder: Path, roots: list[Path]) -> SoundloomError:
    """Refusal naming the roots and the two ways to let the engine read `folder`."""
    allowed = ", ".join(str(r) for r in roots) or "none configured"
    widened = shlex.join(["soundloom", "config", "set", "library_roots", *(str(r) for r in roots), str(folder)])
    return SoundloomError(
        ErrorCode.PATH_NOT_ALLOWED,
        f"{folder} is outside the library roots ({allowed}); start the engine with --library-root "
        f"{shlex.quote(str(folder))} or run `{widened}` and restart it", "folder")


def library_folder(value: Any, roots: list[Path]) -> Path:
    """The library folder named by a request, if it lies inside one of the engine's library roots
    (a local engine's roots are `everywhere()`)."""
    if not isinstance(value, str) or not value:
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, "expected an absolute folder path", "folder")
    path = Path(value).expanduser()
    if not path.is_absolute():
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{value!r} is not an absolute path", "folder")
    resolved = path.resolve()
    if not is_within(resolved, roots):
        raise _outside_roots(resolved, roots)
    if not resolved.is_dir():
        raise SoundloomError(ErrorCode.FILE_NOT_FOUND, f"{resolved} is not a folder", "folder")
    return resolved


def _prompts(value: Any) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(p, str) and p.strip() for p in value):
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, "expected a list of non-empty strings", "validation_prompts")
    if len(value) > MAX_VALIDATION_PROMPTS:
        raise out_of_range("validation_prompts", len(value), f"0 to {MAX_VALIDATION_PROMPTS} prompts")
    return list(value)


def parse_finetune(content: dict, registry: ModelRegistry, store: AdapterStore, roots: list[Path], device: str) -> FinetuneSpec:
    allowed = {"folder", "name", "model", "validation_prompts", *FINETUNE_DEFAULTS}
    for key in content:
        if key not in allowed:
            raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"not a field of finetune; allowed: {', '.join(sorted(allowed))}", key)
    folder = library_folder(content.get("folder"), roots)
    name = check_name(content.get("name"))
    base = registry.resolve(content.get("model"))
    if base.base is not None:
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{base.name!r} is a fine-tuned variant; fine-tune its base "
                             f"{base.base!r} instead", "model")
    settings = {}
    for key in FINETUNE_RANGES:
        if content.get(key) is not None:
            low, high = FINETUNE_RANGES[key]
            check_number(key, content[key], low, high, f"{low:g} to {high:g}", integer=key in INTEGER_FIELDS)
            settings[key] = content[key]
    for key in BOOL_FIELDS:
        if content.get(key) is not None:
            if not isinstance(content[key], bool):
                raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"expected true or false, got {content[key]!r}", key)
            settings[key] = content[key]
    adapter_dir = store.folder(name)
    if settings.get("resume"):
        # An adapter stopped before its first checkpoint (say, by an engine that died) resumes from
        # step 0, so the command printed when a run stops works whatever point it stopped at.
        if not adapter_dir.is_dir():
            raise SoundloomError(ErrorCode.ADAPTER_NOT_FOUND, f"no adapter named {name!r} to resume", "name")
        trained_on = (store.record(name) or {}).get("base")
        if trained_on and trained_on != base.name:
            raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"adapter {name!r} was trained on {trained_on!r}; resume it "
                                 "on the same model", "model")
    elif adapter_dir.exists():
        raise SoundloomError(ErrorCode.ADAPTER_EXISTS, f"an adapter named {name!r} exists; choose another name, remove it "
                             "(soundloom adapters remove), or resume it", "name")
    return FinetuneSpec(folder=str(folder), name=name, base=base.name, model_path=str(base.path), adapter_dir=str(adapter_dir),
                        validation_prompts=_prompts(content.get("validation_prompts")), device=device,
                        library_roots=[str(root) for root in roots], **settings)
