"""Which models the engine may load, by name: only folders under configured roots are reachable.

A request names a model by name, or by a path inside a configured root; nothing else on disk can be
reached through a request. A root may be a Hugging Face hub cache: its snapshots are listed by repo
id, and an explicit model may be a repo id found in the user's cache, offline.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from soundloom.daemon.adapters import variant_name
from soundloom.engine.files import is_within
from soundloom.engine.models.catalog import describe, discover, is_model_folder
from soundloom.engine.models.hf_cache import is_hub_cache, is_repo_id, snapshot_path
from soundloom.engine.models.settings import FALLBACK_STEPS, read_settings
from soundloom.protocol.errors import ErrorCode, SoundloomError


@dataclass(frozen=True)
class ModelEntry:
    name: str
    path: Path
    family: str
    sample_rate: int = 0  # Hz of its output; 0 when the folder does not say
    base: str | None = None  # for a fine-tuned variant, the model it adapts
    adapter: Path | None = None  # for a fine-tuned variant, its adapter folder (peft format)
    default_steps: int = FALLBACK_STEPS  # sampling steps when a request leaves them unset
    channels: int = 1  # channels of its output
    operations: tuple[str, ...] = ()  # what it can run; empty for a folder no family loads


def _default_steps_of(path: Path) -> int:
    try:
        return read_settings(path).default_steps
    except SoundloomError:
        return FALLBACK_STEPS  # loading the model reports what is wrong with its soundloom.json


def _explicit_folder(model: Path) -> tuple[Path, str | None]:
    """A model folder given on the command line, or a repo id ("org/name") found in the Hugging Face cache."""
    if is_repo_id(str(model)):
        return snapshot_path(str(model)), str(model)
    return Path(model).expanduser().resolve(), None


class ModelRegistry:
    """Models from explicit folders (`models`, the first is the default) and from `roots` scanned one level deep."""

    def __init__(self, models: list[Path] = (), roots: list[Path] = ()):
        self._entries: dict[str, ModelEntry] = {}
        explicit = [_explicit_folder(Path(m)) for m in models]
        self._roots = [folder for folder, _ in explicit] + [Path(p).expanduser().resolve() for p in roots]
        self.default: str | None = None
        for folder, repo_id in explicit:
            entry = self._add(folder, repo_id)
            self.default = self.default or entry.name
        for root in roots:
            for name, folder in discover(Path(root)):
                self._add(folder, name if "/" in name else None)

    def _add(self, folder: Path, name: str | None = None) -> ModelEntry:
        """Offer `folder` under `name` (default: the folder's name)."""
        folder = folder.expanduser().resolve()
        if not is_model_folder(folder):
            raise SoundloomError(
                ErrorCode.MODEL_NOT_FOUND,
                f"{folder} is not a model folder (no model_index.json, nor a Tango release's main_config.json)", "model",
            )
        for entry in self._entries.values():
            if entry.path == folder and entry.base is None:
                return entry
        name = name or folder.name
        if name in self._entries and self._entries[name].path != folder:
            name = f"{folder.parent.name}/{folder.name}"
        about = describe(folder)
        entry = ModelEntry(name, folder, about.family, about.sample_rate, default_steps=_default_steps_of(folder),
                           channels=about.channels, operations=about.operations)
        self._entries[name] = entry
        return entry

    def set_variants(self, variants: list[tuple[str, str, Path]]) -> None:
        """Offer fine-tuned variants: (base name, adapter name, adapter folder); a missing base is left out."""
        for name in [n for n, e in self._entries.items() if e.base is not None]:
            del self._entries[name]
        for base, adapter, folder in variants:
            entry = self._entries.get(base)
            if entry is not None and entry.base is None:
                name = variant_name(base, adapter)
                self._entries[name] = replace(entry, name=name, base=base, adapter=folder)

    def entries(self) -> list[ModelEntry]:
        return list(self._entries.values())

    def resolve(self, name: str | None) -> ModelEntry:
        """The entry for `name` (None: the default); a path is accepted only inside a configured root."""
        if name is None or name == "":
            if self.default is None:
                raise SoundloomError(ErrorCode.MODEL_NOT_FOUND, "the engine has no default model; name one", "model")
            return self._entries[self.default]
        if not isinstance(name, str):
            raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"expected a model name, got {name!r}", "model")
        if name in self._entries:
            return self._entries[name]
        path = Path(name).expanduser()
        if path.is_absolute():
            resolved = path.resolve()
            if is_within(resolved, self._roots) and resolved.is_dir():
                for entry in self._entries.values():
                    if entry.path == resolved:
                        return entry
                return self._add(resolved)
        cached = self._cached(name)
        if cached is not None:
            return cached
        known = ", ".join(sorted(self._entries)) or "none"
        raise SoundloomError(ErrorCode.MODEL_NOT_FOUND, f"no model named {name!r}; known: {known}", "model")

    def _cached(self, repo_id: str) -> ModelEntry | None:
        """A model cached under `repo_id` in a hub cache among the roots since the registry scanned it."""
        if not is_repo_id(repo_id):
            return None
        for root in self._roots:
            if is_hub_cache(root):
                try:
                    folder = snapshot_path(repo_id, root)
                except SoundloomError:
                    continue
                if is_model_folder(folder):
                    return self._add(folder, repo_id)
        return None
