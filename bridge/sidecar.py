"""The takes of a folder: one JSON file, `.soundloom-takes.json`, beside the takes it describes.

    {"version": 1,
     "takes": {"kick.take-1.wav": {"parent": "kick.wav", "prompt": "...", "seed": 7, "regions": [[1.2, 2.45]],
                                   "model": "starter", "adapter": null, "adapter_scale": null,
                                   "negative": "", "steps": 25, "guidance": 3.0, "variation": 0,
                                   "variations": 1, "in_place": false, "backup": null,
                                   "created": "2026-12-04T00:10:00Z", "order": 1}, ...}}

Paths inside are relative to the folder when the file is in it, else absolute. It is rewritten
atomically (temporary file, then rename) under a lock, so two takes recorded at the same moment
both stay. `soundloom regen FILE --again` and `--next-variation` read it; nothing else depends on
it: a take also carries its settings inside the file.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
from pathlib import Path
from typing import Iterator

from soundloom.bridge.errors import BridgeError
from soundloom.protocol.atomic_files import write_text_atomically

SIDECAR_NAME = ".soundloom-takes.json"
VERSION = 1
_LOCK_SUFFIX = ".lock"


def sidecar_path(folder: str | os.PathLike) -> Path:
    return Path(folder) / SIDECAR_NAME


def _stored_path(path: Path, folder: Path) -> str:
    """`path` relative to `folder` when it lies directly in it, else absolute."""
    absolute = Path(os.path.abspath(path))
    return absolute.name if absolute.parent == Path(os.path.abspath(folder)) else str(absolute)


def _loaded_path(text: str | None, folder: Path) -> str | None:
    if not text:
        return None
    path = Path(text)
    return str(path if path.is_absolute() else Path(os.path.abspath(folder)) / path)


def _read(folder: Path) -> dict:
    try:
        data = json.loads(sidecar_path(folder).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"version": VERSION, "takes": {}}
    except (OSError, ValueError):
        # A damaged sidecar must not block making takes; the takes themselves keep their settings.
        return {"version": VERSION, "takes": {}}
    if not isinstance(data, dict) or not isinstance(data.get("takes"), dict):
        return {"version": VERSION, "takes": {}}
    return data


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold the folder's sidecar lock (POSIX advisory lock; elsewhere nothing to hold)."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    fd = os.open(sidecar_path(folder).with_name(SIDECAR_NAME + _LOCK_SUFFIX), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _write(folder: Path, data: dict) -> None:
    write_text_atomically(sidecar_path(folder), json.dumps(data, indent=1, ensure_ascii=False), mode=0o644)


def record_take(take: str | os.PathLike, entry: dict) -> None:
    """Add (or replace) the entry of `take` in its folder's sidecar. `entry` holds prompt, seed,
    regions ([[start_s, end_s], …]), parent (a path), model, adapter, adapter_scale, negative,
    steps, guidance and whatever else describes the take; "created" and "order" are added."""
    take = Path(take)
    folder = take.parent
    try:
        with _locked(folder):
            data = _read(folder)
            order = 1 + max((e.get("order", 0) for e in data["takes"].values() if isinstance(e, dict)), default=0)
            stored = dict(entry)
            for key in ("parent", "backup"):
                if stored.get(key):
                    stored[key] = _stored_path(Path(stored[key]), folder)
            stored.pop("take", None)
            stored["created"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
            stored["order"] = order
            data["version"] = VERSION
            data["takes"][take.name] = stored
            _write(folder, data)
    except OSError as exc:
        raise BridgeError(f"could not record the take in {sidecar_path(folder)} ({exc.strerror or exc})", "sidecar",
                          bad_input=False) from exc


def _resolved(name: str, entry: dict, folder: Path) -> dict:
    out = dict(entry)
    out["take"] = str(Path(os.path.abspath(folder)) / name)
    for key in ("parent", "backup"):
        out[key] = _loaded_path(entry.get(key), folder)
    return out


def recorded_names(folder: str | os.PathLike) -> set[str]:
    """File names of every take the folder's sidecar records (also those deleted since)."""
    return set(_read(Path(folder))["takes"])


def entry_of(take: str | os.PathLike) -> dict | None:
    """The sidecar entry of `take` itself (paths absolute), or None."""
    take = Path(take)
    entry = _read(take.parent)["takes"].get(take.name)
    return _resolved(take.name, entry, take.parent) if isinstance(entry, dict) else None


def _same(a: str | None, b: Path) -> bool:
    if not a:
        return False
    if os.path.abspath(a) == os.path.abspath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def last_take(source: str | os.PathLike, folder: str | os.PathLike | None = None) -> dict | None:
    """The newest take made from `source` (paths absolute: "take", "parent", "backup"); when none
    was made from it but `source` is itself a take, that take's own entry, so "again" on a take
    the DAW shows means "again from its parent". None when the sidecar knows neither. `folder` is
    where the takes were written (default: the source's folder)."""
    source = Path(source)
    folder = Path(folder) if folder is not None else source.parent
    takes = _read(folder)["takes"]
    children = [(entry.get("order", 0), name, entry) for name, entry in takes.items()
                if isinstance(entry, dict) and _same(_loaded_path(entry.get("parent"), folder), source)]
    if children:
        _, name, entry = max(children, key=lambda item: item[0])
        return _resolved(name, entry, folder)
    return entry_of(source)
