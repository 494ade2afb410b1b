"""What a model folder is, read from its config files without loading weights: family, rate, channels, operations.

Folders come from explicit paths, from folders of model folders, and from the user's Hugging Face
cache (each cached repo's snapshot, named by its repo id).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from soundloom.engine.models.hf_cache import cached_snapshots, is_hub_cache
from soundloom.engine.models.tango_release import is_tango_release

# Every family runs every operation: they share the one sampling loop (engine.pipelines).
OPERATIONS = ("generate", "inpaint", "transfer", "extend")


@dataclass(frozen=True)
class ModelDescription:
    family: str  # "unknown" for a folder no family loads
    sample_rate: int  # Hz of its output; 0 when the folder does not say
    channels: int
    operations: tuple[str, ...]  # empty when the engine cannot load it


def is_model_folder(path: Path) -> bool:
    """A diffusers-format folder or a Tango release folder."""
    return (Path(path) / "model_index.json").is_file() or is_tango_release(Path(path))


def _json(path: Path) -> dict:
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _sample_rate(path: Path) -> int:
    for file, keys in (
        ("vocoder/config.json", ("sampling_rate", "sample_rate")), ("mel/config.json", ("sample_rate",)),
        ("stft_config.json", ("sampling_rate",)), ("codec/config.json", ("sample_rate",)),
        ("vae/config.json", ("sampling_rate",)),  # Stable Audio's Oobleck autoencoder decodes to waveforms
    ):
        config = _json(path / file)
        for key in keys:
            if isinstance(config.get(key), (int, float)):
                return int(config[key])
    return 0


def describe(path: Path) -> ModelDescription:
    """Family, rate, channels and supported operations of the folder at `path`."""
    from soundloom.engine.models.families import FAMILIES

    path = Path(path)
    if is_tango_release(path):
        cls = FAMILIES.get("TangoPipeline")
    else:
        cls = FAMILIES.get(str(_json(path / "model_index.json").get("_class_name", "")))
    if cls is None:
        name = str(_json(path / "model_index.json").get("_class_name", ""))
        return ModelDescription(name.removesuffix("Pipeline").lower() or "unknown", _sample_rate(path), 1, ())
    return ModelDescription(cls.family, _sample_rate(path), int(getattr(cls, "audio_channels", 1)), OPERATIONS)


def discover(root: Path) -> list[tuple[str, Path]]:
    """(name, folder) of the models in `root`: a hub cache's snapshots by repo id, else its model sub-folders."""
    root = Path(root).expanduser().resolve()
    if not root.is_dir():
        return []
    if is_hub_cache(root):
        return [(s.repo_id, s.path) for s in cached_snapshots(root) if is_model_folder(s.path)]
    return [(p.name, p) for p in sorted(root.iterdir()) if p.is_dir() and is_model_folder(p)]
