"""Which models the engine may load, by name: only folders under configured roots are reachable.

A request names a model by name, or by a path inside a configured root; nothing else on disk can be
reached through a request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from soundloom.daemon.adapters import variant_name
from soundloom.engine.files import is_within
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


def _sample_rate_of(path: Path) -> int:
    for component in ("vocoder", "mel"):
        try:
            config = json.loads((path / component / "config.json").read_text())
            return int(config.get("sampling_rate") or config.get("sample_rate"))
        except (OSError, ValueError, TypeError):
            continue
    return 0


def _default_steps_of(path: Path) -> int:
    try:
        return read_settings(path).default_steps
    except SoundloomError:
        return FALLBACK_STEPS  # loading the model reports what is wrong with its soundloom.json


def _family_of(path: Path) -> str | None:
    try:
        index = json.loads((path / "model_index.json").read_text())
    except (OSError, ValueError):
        return None
    name = str(index.get("_class_name", "")) if isinstance(index, dict) else ""
    return name.removesuffix("Pipeline").lower() or None


class ModelRegistry:
    """Models from explicit folders (`models`, the first is the default) and from `roots` scanned one level deep."""

    def __init__(self, models: list[Path] = (), roots: list[Path] = ()):
        self._entries: dict[str, ModelEntry] = {}
        self._roots = [Path(p).expanduser().resolve() for p in [*models, *roots]]
        self.default: str | None = None
        for folder in models:
            entry = self._add(Path(folder))
            self.default = self.default or entry.name
        for root in roots:
            root = Path(root).expanduser().resolve()
            for folder in sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []:
                if (folder / "model_index.json").is_file():
                    self._add(folder)

    def _add(self, folder: Path) -> ModelEntry:
        folder = folder.expanduser().resolve()
        if not (folder / "model_index.json").is_file():
            raise SoundloomError(ErrorCode.MODEL_NOT_FOUND, f"{folder} is not a model folder (no model_index.json)", "model")
        name = folder.name
        if name in self._entries and self._entries[name].path != folder:
            name = f"{folder.parent.name}/{folder.name}"
        entry = ModelEntry(name, folder, _family_of(folder) or "unknown", _sample_rate_of(folder),
                           default_steps=_default_steps_of(folder))
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
        known = ", ".join(sorted(self._entries)) or "none"
        raise SoundloomError(ErrorCode.MODEL_NOT_FOUND, f"no model named {name!r}; known: {known}", "model")
