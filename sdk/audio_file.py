"""Reading and writing audio files, with the settings that made a sound stored inside the file.

WAV keeps them in its INFO chunk and FLAC in Vorbis comments, both as one JSON object in the
`comment` field, so any result can be reproduced from the file alone.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from soundloom.protocol.errors import ErrorCode, SoundloomError

WRITABLE = {".wav": ("WAV", "FLOAT"), ".flac": ("FLAC", "PCM_24")}
OUTPUT_RATES = (44100, 48000)
_WAV_FIELD_BYTES = 2000  # libsndfile drops a WAV INFO string longer than about 2 KB
_METADATA_TAG = "soundloom:"
_SFC_SET_ADD_PEAK_CHUNK = 0x1050  # libsndfile command id


def _omit_peak_chunk(f: sf.SoundFile) -> None:
    """Float WAVs get a PEAK chunk holding the write time; without it, equal audio gives equal bytes."""
    snd, ffi = getattr(sf, "_snd", None), getattr(sf, "_ffi", None)
    if snd is not None and ffi is not None:
        snd.sf_command(f._file, _SFC_SET_ADD_PEAK_CHUNK, ffi.NULL, 0)


def check_output_path(path: str | Path, field: str = "output") -> Path:
    """The path if a result can be written there (known extension, existing folder), else an error."""
    path = Path(path)
    if path.suffix.lower() not in WRITABLE:
        raise SoundloomError(
            ErrorCode.INVALID_ARGUMENT, f"{path.name}: allowed extensions are {', '.join(WRITABLE)}", field
        )
    if not path.parent.resolve().is_dir():
        raise SoundloomError(ErrorCode.FILE_NOT_FOUND, f"folder {path.parent} does not exist", field)
    return path


def read_audio(path: str | Path, field: str = "input") -> tuple[np.ndarray, int]:
    """Samples as float32 [channels, samples] and the rate in Hz, from any format libsndfile reads."""
    path = Path(path)
    if not path.is_file():
        raise SoundloomError(ErrorCode.FILE_NOT_FOUND, f"no file at {path}", field)
    try:
        data, rate = sf.read(path, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, ValueError) as exc:
        raise SoundloomError(ErrorCode.UNREADABLE_AUDIO, f"{path.name} is not a readable audio file ({exc})", field) from exc
    if data.shape[0] == 0:
        raise SoundloomError(ErrorCode.INVALID_AUDIO, f"{path.name} has no samples", field)
    return np.ascontiguousarray(data.T), int(rate)


def resample(samples: np.ndarray, rate: int, target_rate: int) -> np.ndarray:
    """[channels, samples] from `rate` to `target_rate` Hz (soxr, high quality)."""
    if rate == target_rate:
        return samples
    return np.ascontiguousarray(soxr.resample(samples.T, rate, target_rate, quality="HQ").T, dtype=np.float32)


def _fit_wav_field(metadata: dict) -> str:
    text = _METADATA_TAG + json.dumps(metadata, ensure_ascii=False, separators=(",", ":"))
    if len(text.encode()) <= _WAV_FIELD_BYTES:
        return text
    # Only very long prompts get here; the model read just their first tokens anyway.
    shortened = dict(metadata, prompt_truncated_in_file=True)
    overflow = len(text.encode()) - _WAV_FIELD_BYTES + 64
    for key in ("negative_prompt", "prompt"):
        value = shortened.get(key) or ""
        cut = min(len(value), overflow)
        shortened[key] = value[: len(value) - cut]
        overflow -= cut
    return _METADATA_TAG + json.dumps(shortened, ensure_ascii=False, separators=(",", ":"))[: _WAV_FIELD_BYTES]


def write_audio(path: str | Path, samples: np.ndarray, rate: int, metadata: dict | None = None) -> Path:
    """Write [channels, samples] float32 to WAV (32-bit float) or FLAC (24-bit), atomically.

    The file appears complete or not at all: it is written next to its destination and renamed.
    """
    path = check_output_path(path)
    file_format, subtype = WRITABLE[path.suffix.lower()]
    data = np.asarray(samples, dtype=np.float32)
    if file_format == "FLAC":
        data = np.clip(data, -1.0, 1.0)  # integer PCM cannot hold overs
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(fd)
    try:
        with sf.SoundFile(tmp, "w", samplerate=rate, channels=data.shape[0], format=file_format, subtype=subtype) as f:
            _omit_peak_chunk(f)
            if metadata:
                f.software = "soundloom"
                f.title = str(metadata.get("prompt", ""))[:200]
                f.comment = _fit_wav_field(metadata) if file_format == "WAV" else _METADATA_TAG + json.dumps(metadata)
            f.write(data.T)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_metadata(path: str | Path) -> dict:
    """The generation settings stored in a file written by soundloom ({} if there are none)."""
    try:
        with sf.SoundFile(str(path)) as f:
            comment = f.copy_metadata().get("comment", "")
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise SoundloomError(ErrorCode.UNREADABLE_AUDIO, f"{path} is not a readable audio file ({exc})", "input") from exc
    if not comment.startswith(_METADATA_TAG):
        return {}
    try:
        return json.loads(comment[len(_METADATA_TAG) :])
    except ValueError:
        return {}
