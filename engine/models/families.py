"""Every model family the engine loads, keyed by the pipeline class a folder's `model_index.json` names.

A family's module is imported the first time a folder of that family is described or loaded: the
families pull in different parts of diffusers and transformers, and importing all of them would
add many seconds to every engine start.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from soundloom.engine.models.base import AudioModel

_WHERE = {  # pipeline class → (module in soundloom.engine.models, family class)
    "AudioLDMPipeline": ("audioldm", "AudioLDMModel"),
    "AudioLDM2Pipeline": ("audioldm2", "AudioLDM2Model"),
    "DiscoDiffPipeline": ("discodiff", "DiscoDiffModel"),
    "MusicLDMPipeline": ("musicldm", "MusicLDMModel"),
    "StableAudioPipeline": ("stable_audio", "StableAudioModel"),
    "SoundloomStarterPipeline": ("starter", "StarterModel"),
    "TangoPipeline": ("tango", "TangoModel"),
}


class _Families(Mapping):
    """A read-only mapping that imports a family's module on first access."""

    def __getitem__(self, pipeline_class: str) -> type[AudioModel]:
        module, name = _WHERE[pipeline_class]
        cls = getattr(importlib.import_module(f"soundloom.engine.models.{module}"), name)
        assert cls.pipeline_class == pipeline_class, f"{name} declares {cls.pipeline_class}"
        return cls

    def __iter__(self) -> Iterator[str]:
        return iter(_WHERE)

    def __len__(self) -> int:
        return len(_WHERE)


FAMILIES: Mapping[str, type[AudioModel]] = _Families()
