"""Continue a clip past its end: inpainting of an appended region."""

from __future__ import annotations

import numpy as np

from soundloom.engine.models.base import AudioModel
from soundloom.engine.pipelines import common
from soundloom.engine.pipelines.inpaint import regenerate
from soundloom.engine.pipelines.requests import ANY_LENGTH, ExtendRequest
from soundloom.engine.pipelines.result import Result
from soundloom.engine.pipelines.sampling import StepCallback


def extend(model: AudioModel, request: ExtendRequest, on_step: StepCallback | None = None) -> Result:
    """The clip followed by `request.seconds` of new audio; the original samples are untouched.

    The join has no crossfade: fading against the silence past the end would dip the level, and the
    new audio is generated in the context of the clip's last frames, so it continues it.
    """
    request.validate(ANY_LENGTH)
    clip = request.audio
    end = clip.shape[1] / request.sample_rate
    appended = int(round(request.seconds * request.sample_rate))
    padded = np.concatenate([clip, np.zeros((clip.shape[0], appended), dtype=np.float32)], axis=1)
    audio, warnings = regenerate(model, request, padded, [(end, end + appended / request.sample_rate)], on_step)
    return Result(
        audio=audio,
        sample_rate=request.sample_rate,
        metadata=common.metadata(model, request, "extend"),
        warnings=warnings,
    )
