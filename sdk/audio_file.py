"""Reading and writing audio files, with the settings that made a sound stored inside the file.

WAV keeps them in its INFO chunk and FLAC in Vorbis comments, both as one JSON object in the
`comment` field, so any result can be reproduced from the file alone.
"""

from __future__ import annotations

import errno
import io
import json
import os
import re
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np
import soundfile as sf
import soxr

from soundloom.protocol.atomic_files import atomic_writer
from soundloom.protocol.errors import ErrorCode, SoundloomError

WRITABLE = {".wav": ("WAV", "FLOAT"), ".flac": ("FLAC", "PCM_24")}
OUTPUT_RATES = (44100, 48000)
_WAV_FIELD_BYTES = 2000  # libsndfile drops a WAV INFO string longer than about 2 KB
_METADATA_TAG = "soundloom:"
_SFC_SET_ADD_PEAK_CHUNK = 0x1050  # libsndfile command id
_DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_MPEG_SUFFIXES = {".mp1", ".mp2", ".mp3", ".mpga"}
_DECODER_NOTE = re.compile(rb"^(Note: |Warning: |\[[^\]]*mpg123[^\]]*\] )")
# libsndfile's wording when it gives up on a file it took for MPEG by its name; the file is a
# regular file (checked before), so say what is actually wrong.
_MISLEADING_REASON = "not a regular file (possibly a pipe?)"
_stderr_lock = threading.Lock()


def _omit_peak_chunk(f: sf.SoundFile) -> None:
    """Float WAVs get a PEAK chunk holding the write time; without it, equal audio gives equal bytes."""
    snd, ffi = getattr(sf, "_snd", None), getattr(sf, "_ffi", None)
    if snd is not None and ffi is not None:
        snd.sf_command(f._file, _SFC_SET_ADD_PEAK_CHUNK, ffi.NULL, 0)


def check_output_path(path: str | Path, field: str = "output", inputs: tuple[Path, ...] = (),
                      overwrite: bool = False) -> Path:
    """The path if a result can be written there, else an error saying why: a known extension, not a
    folder, inside an existing folder this process may write in, and none of `inputs` (unless
    `overwrite`), also when reached through a link."""
    path = Path(path)
    if path.is_dir():
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT,
                             f"{path} is a folder; name a file in it, e.g. {path / 'out.wav'}", field)
    if path.suffix.lower() not in WRITABLE:
        raise SoundloomError(
            ErrorCode.INVALID_ARGUMENT, f"{path.name}: allowed extensions are {', '.join(WRITABLE)}", field
        )
    folder = Path(os.path.realpath(path)).parent  # where the file lands: through a link, the link's target
    if not folder.exists():
        raise SoundloomError(ErrorCode.FILE_NOT_FOUND, f"folder {folder} does not exist", field)
    if not folder.is_dir():
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{folder} is not a folder", field)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"no permission to write in folder {folder}", field)
    if not overwrite and path.exists():
        for source in inputs:
            if Path(source).exists() and os.path.samefile(path, source):
                raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{path} is the input file {source}; choose another "
                                     "output, or give --overwrite to replace it", field)
    return path


def _reason(exc: Exception) -> str:
    reason = str(getattr(exc, "error_string", "") or exc).strip().rstrip(".")
    if _MISLEADING_REASON in reason or reason.lower() == "format not recognised":
        return "its contents are not in an audio format soundloom reads"
    return " ".join(reason.split())  # one line, whatever the decoder said


def _unreadable(path: Path, exc: Exception, field: str) -> SoundloomError:
    return SoundloomError(ErrorCode.UNREADABLE_AUDIO, f"{path.name} is not a readable audio file ({_reason(exc)})", field)


def _looks_like_mpeg(path: Path) -> bool:
    if path.suffix.lower() in _MPEG_SUFFIXES:
        return True
    try:
        with open(path, "rb") as f:
            head = f.read(3)
    except OSError:
        return False
    return head == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)


@contextmanager
def _decoder_notes_dropped(path: Path) -> Iterator[None]:
    """While an MPEG file is decoded, keep libmpg123's notes ("Note: Trying to resync...") off the
    terminal: it prints them straight to file descriptor 2, and libsndfile offers no way to quiet
    it. Descriptor 2 points at a scratch file meanwhile, and anything else written there (by
    another thread) is passed on afterwards, so only the decoder's notes are lost. The lock keeps
    two readers from swapping the descriptor under each other."""
    if not _looks_like_mpeg(path):
        yield
        return
    with _stderr_lock, tempfile.TemporaryFile() as scratch:
        saved = os.dup(2)
        os.dup2(scratch.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            scratch.seek(0)
            others = [line for line in scratch.read().splitlines(keepends=True) if not _DECODER_NOTE.match(line)]
            if others:
                os.write(2, b"".join(others))


def _check_input(path: Path, field: str) -> None:
    if not path.exists():
        raise SoundloomError(ErrorCode.FILE_NOT_FOUND, f"no file at {path}", field)
    if path.is_dir():
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{path} is a folder, not an audio file", field)
    if not path.is_file():  # a pipe or a device would block the read or never end
        raise SoundloomError(ErrorCode.UNREADABLE_AUDIO, f"{path.name} is not a regular file", field)


def read_audio(path: str | Path, field: str = "input") -> tuple[np.ndarray, int]:
    """Samples as float32 [channels, samples] and the rate in Hz, from any format libsndfile reads."""
    path = Path(path)
    _check_input(path, field)
    try:
        with _decoder_notes_dropped(path):
            data, rate = sf.read(path, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, ValueError) as exc:
        raise _unreadable(path, exc, field) from exc
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
    A link is written through, so it keeps pointing at the new sound.
    """
    path = check_output_path(path)
    target = Path(os.path.realpath(path))
    file_format, subtype = WRITABLE[path.suffix.lower()]
    data = np.asarray(samples, dtype=np.float32)
    if file_format == "FLAC":
        data = np.clip(data, -1.0, 1.0)  # integer PCM cannot hold overs
    # Encoded in memory first: libsndfile reports a failed disk write only as "System error", while
    # Python's own write says which (a full disk, a quota, a file-size limit).
    encoded = io.BytesIO()
    with sf.SoundFile(encoded, "w", samplerate=rate, channels=data.shape[0], format=file_format, subtype=subtype) as f:
        _omit_peak_chunk(f)
        if metadata:
            f.software = "soundloom"
            if metadata.get("prompt"):  # libsndfile refuses an empty string
                f.title = str(metadata["prompt"])[:200]
            f.comment = _fit_wav_field(metadata) if file_format == "WAV" else _METADATA_TAG + json.dumps(metadata)
        f.write(data.T)
    try:
        with atomic_writer(target) as out:  # the mode of the file it replaces, else a new file's
            out.write(encoded.getbuffer())
    except OSError as exc:
        raise _unwritable(path, exc) from exc
    return path


def _unwritable(path: Path, exc: OSError) -> SoundloomError:
    code = ErrorCode.DISK_FULL if exc.errno in _DISK_FULL_ERRNOS else ErrorCode.INVALID_ARGUMENT
    return SoundloomError(code, f"could not write {path}: {exc.strerror or exc}", "output")


def read_metadata(path: str | Path) -> dict:
    """The generation settings stored in a file written by soundloom ({} if there are none)."""
    path = Path(path)
    try:
        with _decoder_notes_dropped(path), sf.SoundFile(str(path)) as f:
            comment = f.copy_metadata().get("comment", "")
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise _unreadable(path, exc, "input") from exc
    if not comment.startswith(_METADATA_TAG):
        return {}
    try:
        return json.loads(comment[len(_METADATA_TAG) :])
    except ValueError:
        return {}
