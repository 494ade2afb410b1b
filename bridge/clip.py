"""What a take must match: the source's rate, channels, length, container and sample format.

Only formats whose samples can be written back exactly are accepted: integer PCM (8, 16, 24 and
32 bit) and 32/64-bit float in WAV (also WAVE_FORMAT_EXTENSIBLE, RF64, Wave64), AIFF and FLAC.
Lossy or companded files (MP3, Ogg Vorbis, Opus, µ-law, A-law, ADPCM) are refused, because no
sample of them could be kept bit-identical.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from soundloom.bridge.errors import BridgeError
from soundloom.protocol.errors import ErrorCode

# Containers soundfile writes back with the same sample layout it reads.
FORMATS = ("WAV", "WAVEX", "RF64", "W64", "AIFF", "FLAC")
# Sample formats read losslessly as int32 (PCM, left-aligned by libsndfile) or as the float itself.
PCM_BITS = {"PCM_S8": 8, "PCM_U8": 8, "PCM_16": 16, "PCM_24": 24, "PCM_32": 32}
FLOAT_DTYPES = {"FLOAT": np.float32, "DOUBLE": np.float64}
SUBTYPES = tuple(PCM_BITS) + tuple(FLOAT_DTYPES)


@dataclass(frozen=True)
class ClipFormat:
    """A file's sample rate (Hz), channel count, length (frames) and soundfile format/subtype names."""

    samplerate: int
    channels: int
    frames: int
    format: str
    subtype: str

    @property
    def seconds(self) -> float:
        return self.frames / self.samplerate

    @property
    def native_dtype(self) -> type:
        """The dtype that holds this file's samples exactly: int32 for PCM, the float itself for float."""
        return FLOAT_DTYPES.get(self.subtype, np.int32)

    def describe(self) -> str:
        return f"{self.format} {self.subtype}, {self.samplerate} Hz, {self.channels} ch, {self.frames} frames"


def _unsupported(path: Path, what: str) -> BridgeError:
    return BridgeError(
        f"{path.name} is {what}, which cannot be written back sample for sample; allowed: "
        f"{', '.join(FORMATS)} containers with {', '.join(SUBTYPES)} samples (convert it to WAV, AIFF or FLAC first)",
        "input", ErrorCode.UNREADABLE_AUDIO,
    )


def _check_file(path: Path) -> None:
    if not path.exists():
        raise BridgeError(f"no file at {path}", "input", ErrorCode.FILE_NOT_FOUND)
    if path.is_dir():
        raise BridgeError(f"{path} is a folder, not an audio file", "input")
    if not path.is_file():
        raise BridgeError(f"{path.name} is not a regular file", "input", ErrorCode.UNREADABLE_AUDIO)


def read_format(path: str | os.PathLike) -> ClipFormat:
    """The format of the audio file at `path`; BridgeError when it is missing, unreadable or cannot be
    written back exactly."""
    path = Path(path)
    _check_file(path)
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError, ValueError) as exc:
        reason = " ".join(str(getattr(exc, "error_string", "") or exc).split())
        raise BridgeError(f"{path.name} is not a readable audio file ({reason})", "input",
                          ErrorCode.UNREADABLE_AUDIO) from exc
    if info.format not in FORMATS:
        raise _unsupported(path, f"a {info.format} file")
    if info.subtype not in SUBTYPES:
        raise _unsupported(path, f"{info.format} with {info.subtype} samples")
    if info.frames <= 0:
        raise BridgeError(f"{path.name} has no samples", "input", ErrorCode.INVALID_AUDIO)
    return ClipFormat(int(info.samplerate), int(info.channels), int(info.frames), info.format, info.subtype)


def read_native(path: str | os.PathLike, fmt: ClipFormat | None = None) -> np.ndarray:
    """Every sample of the file, [frames, channels], in its exact native representation (see
    `ClipFormat.native_dtype`)."""
    path = Path(path)
    fmt = fmt or read_format(path)
    try:
        data = sf.read(str(path), dtype=np.dtype(fmt.native_dtype).name, always_2d=True)[0]
    except (sf.LibsndfileError, RuntimeError, ValueError) as exc:
        raise BridgeError(f"{path.name} could not be read ({exc})", "input", ErrorCode.UNREADABLE_AUDIO) from exc
    return data


def read_float(path: str | os.PathLike) -> np.ndarray:
    """The file's samples as float32 [channels, frames], as the engine takes them."""
    try:
        data = sf.read(str(path), dtype="float32", always_2d=True)[0]
    except (sf.LibsndfileError, RuntimeError, ValueError) as exc:
        raise BridgeError(f"{Path(path).name} could not be read ({exc})", "input",
                          ErrorCode.UNREADABLE_AUDIO) from exc
    return np.ascontiguousarray(data.T)


def _sleep(seconds: float) -> None:  # one name, so a test can act while the check waits
    time.sleep(seconds)


def check_settled(path: str | os.PathLike, wait_s: float = 0.5) -> None:
    """Raise BridgeError if the file's size or modification time changes within `wait_s` seconds,
    i.e. a DAW is still recording or rendering it."""
    path = Path(path)
    _check_file(path)
    before = path.stat()
    _sleep(wait_s)
    try:
        after = path.stat()
    except FileNotFoundError:
        raise BridgeError(f"{path.name} disappeared while it was being checked", "input",
                          ErrorCode.FILE_NOT_FOUND) from None
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        raise BridgeError(
            f"{path.name} is still being written (size {before.st_size} -> {after.st_size} bytes within "
            f"{wait_s:g} s); try again once the DAW has finished recording or rendering it", "input",
        )
