"""What the engine's replies hold, read and checked: clips, fine-tuning outcomes, embedding vectors.

Every reader checks the descriptors against the buffers that came with the reply (whose digests
the codec has already verified) and copies the samples out, so the result is the caller's to keep.
An error reply becomes the SoundloomError it describes.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from soundloom.protocol.codec import extract_audio
from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.protocol.messages import Status
from soundloom.sdk.audio import Audio
from soundloom.sdk.errors import EngineWarning, error_for_reply

SEED_MODULUS = 2**32  # variation i uses seed (seed + i) mod 2**32


def audio_from_reply(reply: dict[str, Any], single: bool | None = None) -> "Audio | list[Audio]":
    """The clips of an operation's ok reply, each with the reply's metadata and its own variation seed.

    `single` picks an `Audio` (True) or a `list[Audio]` (False); None decides by the metadata's
    `variations` (1 → Audio). Samples are copied out of the received frames, so they are writable.
    """
    content = reply["content"]
    metadata = content.get("metadata") or {}
    descriptors = content.get("audio")
    if not isinstance(descriptors, list):
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, "the reply holds no list of clips", "audio")
    seed = metadata.get("seed")
    clips = []
    for index, descriptor in enumerate(descriptors):
        samples, sample_rate = extract_audio(reply, descriptor, f"audio[{index}]")
        clip_metadata = dict(metadata)
        if isinstance(seed, int) and not isinstance(seed, bool):
            clip_metadata["seed"] = (seed + index) % SEED_MODULUS
        clips.append(Audio(np.array(samples, dtype=np.float32), sample_rate, clip_metadata))
    if single is None:
        single = metadata.get("variations", len(clips)) == 1
    if single:
        if len(clips) != 1:
            raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"expected one clip, the reply holds {len(clips)}", "audio")
        return clips[0]
    return clips


def result_or_raise(reply: dict[str, Any], single: bool | None = None) -> "Audio | list[Audio]":
    """The clips of an operation reply, or the SoundloomError of an error reply; warnings are issued."""
    content = reply["content"]
    if content.get("status") != Status.OK.value:
        raise error_for_reply(content)
    for text in content.get("warnings") or []:
        warnings.warn(str(text), EngineWarning, stacklevel=3)
    return audio_from_reply(reply, single)


def finetune_result_or_raise(reply: dict[str, Any]) -> dict[str, Any]:
    """A finetune reply's content without `status` (job_id, adapter, model, steps, loss, elapsed_s), or its error."""
    content = reply["content"]
    if content.get("status") != Status.OK.value:
        raise error_for_reply(content)
    return {key: value for key, value in content.items() if key != "status"}


def is_finetune_reply(reply: dict[str, Any]) -> bool:
    """True for the ok reply of a fine-tuning job, for a caller that does not know which operation made it.

    Only audio replies carry `audio`; only finetune replies carry `adapter`.
    """
    content = reply["content"]
    return content.get("status") == Status.OK.value and "audio" not in content and "adapter" in content


def vectors_of(reply: dict[str, Any], count: int) -> np.ndarray:
    """The float32 [count, dim] matrix an embed reply's `vectors` descriptor points at (a copy)."""
    descriptor = reply["content"].get("vectors")
    buffers = reply.get("buffers") or []
    shape = descriptor.get("shape") if isinstance(descriptor, dict) else None
    index = descriptor.get("buffer") if isinstance(descriptor, dict) else None
    valid = (isinstance(index, int) and 0 <= index < len(buffers) and descriptor.get("dtype") == "<f4"
             and isinstance(shape, list) and len(shape) == 2 and shape[0] == count
             and all(isinstance(n, int) and n > 0 for n in shape))
    if not valid or memoryview(buffers[index]).nbytes != shape[0] * shape[1] * 4:
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"the engine sent a malformed vectors descriptor {descriptor!r}",
                             "vectors")
    return np.frombuffer(memoryview(buffers[index]), dtype="<f4").reshape(shape).copy()


def vectors_or_raise(reply: dict[str, Any], count: int) -> np.ndarray:
    """The vectors of an embed reply, or the SoundloomError of an error reply."""
    if reply["content"].get("status") != Status.OK.value:
        raise error_for_reply(reply["content"])
    return vectors_of(reply, count)


def without_status(content: dict[str, Any]) -> dict[str, Any]:
    """An ok reply's content as the caller sees it: every field but `status`."""
    return {key: value for key, value in content.items() if key != "status"}
