"""Every model family the engine loads, keyed by the pipeline class a folder's `model_index.json` names."""

from __future__ import annotations

from soundloom.engine.models.audioldm import AudioLDMModel
from soundloom.engine.models.audioldm2 import AudioLDM2Model
from soundloom.engine.models.base import AudioModel
from soundloom.engine.models.discodiff import DiscoDiffModel
from soundloom.engine.models.musicldm import MusicLDMModel
from soundloom.engine.models.stable_audio import StableAudioModel
from soundloom.engine.models.starter import StarterModel
from soundloom.engine.models.tango import TangoModel

FAMILIES: dict[str, type[AudioModel]] = {cls.pipeline_class: cls for cls in (AudioLDMModel, AudioLDM2Model, DiscoDiffModel, MusicLDMModel, StableAudioModel, StarterModel, TangoModel)}
