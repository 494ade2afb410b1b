"""Takes: new files beside a source, in its exact format, bit-identical outside the regenerated
regions, and the in-place replacement of a source by a take (after a backup).

The guarantee is built, then checked. Built: the take starts as a copy of the source's native
samples (int32 for PCM, the float itself for float files) and only the frames inside the regions
are replaced, quantised to the source's sample format. Checked: before a take appears under its
name, the written file is read back and compared with the source sample for sample outside the
regions (`verify_untouched`); any difference and the file is deleted.
"""

from __future__ import annotations

import datetime
import errno
import filecmp
import os
import re
import shutil
from pathlib import Path
from typing import Sequence

import numpy as np
import soundfile as sf

from soundloom.bridge import provenance, sidecar
from soundloom.bridge.clip import FLOAT_DTYPES, PCM_BITS, ClipFormat, read_format, read_native
from soundloom.bridge.errors import BridgeError, TakeMismatchError
from soundloom.bridge.regions import Region, as_region
from soundloom.protocol.atomic_files import atomic_writer
from soundloom.protocol.errors import ErrorCode
from soundloom.protocol.new_files import publish_new, unnamed_file
from soundloom.sdk.audio_file import _METADATA_TAG, _fit_wav_field, _omit_peak_chunk, resample
from soundloom.sdk.bwf import add_bext, bext_time_reference, read_chunks

BACKUP_FOLDER = ".soundloom-backups"
_TAKE = re.compile(r"^(?P<base>.*)\.take-(?P<k>\d+)$")
_RIFF_FORMATS = {"WAV", "WAVEX"}  # where a bext chunk goes (RF64 and Wave64 have other layouts)
# WAV chunks of the source a take keeps as they are: production notes (iXML), markers and loop
# points (cue, smpl), tempo and key (acid), root note (inst). Positions in them stay valid, since a
# take has the source's length and rate.
_KEPT_CHUNKS = (b"iXML", b"cue ", b"smpl", b"acid", b"inst")
# Strings of the source that carry over to a take; title and comment describe the take itself.
_KEPT_STRINGS = ("artist", "copyright", "album", "license", "genre", "date", "tracknumber")
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_BLOCK_FRAMES = 1 << 18


def take_base(path: Path) -> str:
    """The name a take family shares: `kick` for kick.wav and for kick.take-3.wav."""
    match = _TAKE.match(path.stem)
    return match["base"] if match else path.stem


def take_number(path: Path) -> int | None:
    match = _TAKE.match(Path(path).stem)
    return int(match["k"]) if match else None


def next_take_path(source: str | os.PathLike, folder: str | os.PathLike | None = None) -> Path:
    """`<stem>.take-<k><suffix>` beside `source` (or in `folder`): k is one more than the highest take
    of this family on disk or in the sidecar, so numbers are never reused; never an existing file.
    A take of a take joins its family: kick.take-2.wav's next take is kick.take-3.wav or later."""
    source = Path(source)
    folder = Path(folder) if folder is not None else source.parent
    base = take_base(source)
    names = set()
    try:
        names.update(os.listdir(folder))
    except OSError:
        pass
    names.update(sidecar.recorded_names(folder))
    numbers = [take_number(Path(name)) for name in names if take_base(Path(name)) == base]
    k = 1 + max((n for n in numbers if n is not None), default=0)
    while (candidate := folder / f"{base}.take-{k}{source.suffix}").exists():
        k += 1
    return candidate


# ---------------------------------------------------------------------- samples


def quantise(audio: np.ndarray, subtype: str) -> np.ndarray:
    """float samples [frames, channels] in the native representation of `subtype`: int32 left-aligned
    as libsndfile reads PCM (clipped to full scale, rounded to the nearest step), or the float type."""
    if subtype in FLOAT_DTYPES:
        return np.asarray(audio, dtype=FLOAT_DTYPES[subtype])
    bits = PCM_BITS[subtype]
    full = float(1 << (bits - 1))
    steps = np.rint(np.asarray(audio, dtype=np.float64) * full)
    steps = np.clip(steps, -full, full - 1).astype(np.int64)
    return (steps << (32 - bits)).astype(np.int32)


def _outside_mask(frames: int, rate: int, regions: Sequence[Region]) -> np.ndarray:
    outside = np.ones(frames, dtype=bool)
    for region in regions:
        first, stop = region.frames(rate)
        outside[max(first, 0):max(min(stop, frames), 0)] = False
    return outside


def _bits(samples: np.ndarray) -> np.ndarray:
    """The samples' bit patterns, so floats compare exactly (-0.0 ≠ 0.0, NaN = the same NaN)."""
    return samples.view(np.dtype(f"u{samples.dtype.itemsize}"))


def verify_untouched(source: str | os.PathLike, take: str | os.PathLike, regions) -> None:
    """Raise TakeMismatchError unless `take` has the source's format and length and every sample
    outside `regions` (seconds) equals the source's exactly, compared in the source's native
    representation; the message names the first differing frame."""
    source, take = Path(source), Path(take)
    src_fmt = read_format(source)
    try:
        take_fmt = read_format(take)
    except BridgeError as exc:
        raise TakeMismatchError(f"the take {take.name} cannot be read back ({exc.message})") from exc
    if take_fmt != src_fmt:
        raise TakeMismatchError(f"the take {take.name} is {take_fmt.describe()}, the source {src_fmt.describe()}")
    regions = [as_region(r) for r in regions]
    outside = _outside_mask(src_fmt.frames, src_fmt.samplerate, regions)
    dtype = np.dtype(src_fmt.native_dtype).name
    # Block by block, so a long take is compared without holding both files in memory.
    with sf.SoundFile(str(source)) as original, sf.SoundFile(str(take)) as made:
        for first in range(0, src_fmt.frames, _BLOCK_FRAMES):
            a = original.read(_BLOCK_FRAMES, dtype=dtype, always_2d=True)
            b = made.read(_BLOCK_FRAMES, dtype=dtype, always_2d=True)
            if a.shape != b.shape:
                raise TakeMismatchError(f"the take {take.name} ended early, at frame {first + min(len(a), len(b))}")
            differs = (_bits(a) != _bits(b)).any(axis=1) & outside[first:first + len(a)]
            if differs.any():
                row = int(np.argmax(differs))
                frame, channel = first + row, int(np.argmax(_bits(a[row]) != _bits(b[row])))
                raise TakeMismatchError(
                    f"the take {take.name} differs from {source.name} outside the regions at frame {frame} "
                    f"({frame / src_fmt.samplerate:.6f} s), channel {channel}; it was not kept", frame, channel,
                )


def _fitted(audio: np.ndarray, sample_rate: int, fmt: ClipFormat) -> np.ndarray:
    """The engine's float result as [frames, channels] at the source's rate, channels and length."""
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim == 1:
        audio = audio[np.newaxis]
    if sample_rate != fmt.samplerate:
        audio = resample(audio, sample_rate, fmt.samplerate)
    if audio.shape[0] == 1 and fmt.channels > 1:
        audio = np.repeat(audio, fmt.channels, axis=0)
    if audio.shape[0] != fmt.channels:
        raise BridgeError(f"{audio.shape[0]} channels of audio for a {fmt.channels}-channel source; allowed: "
                          f"1 or {fmt.channels}", "audio")
    frames = audio.shape[1]
    if frames < fmt.frames:
        audio = np.pad(audio, ((0, 0), (0, fmt.frames - frames)))
    return np.ascontiguousarray(audio[:, : fmt.frames].T)


# ---------------------------------------------------------------------- files


def _check_folder(folder: Path, field: str = "output_dir") -> None:
    if not folder.is_dir():
        raise BridgeError(f"folder {folder} does not exist", field, ErrorCode.FILE_NOT_FOUND)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise BridgeError(f"no permission to write in folder {folder}; the take cannot be written there "
                          "(give --output-dir FOLDER to write takes elsewhere)", field)


def _unwritable(path: Path, exc: OSError) -> BridgeError:
    code = ErrorCode.DISK_FULL if exc.errno in _DISK_FULL else ErrorCode.INVALID_ARGUMENT
    return BridgeError(f"could not write {path} ({exc.strerror or exc})", "output_dir", code,
                       bad_input=exc.errno not in _DISK_FULL)


def _encode(target: Path, samples: np.ndarray, fmt: ClipFormat, metadata: dict, source: Path) -> None:
    """Write samples ([frames, channels], native dtype) to `target` in `fmt`, with the settings."""
    try:
        with sf.SoundFile(str(source)) as original:
            kept = {k: v for k, v in original.copy_metadata().items() if k in _KEPT_STRINGS and v}
    except (sf.LibsndfileError, RuntimeError):
        kept = {}
    with sf.SoundFile(str(target), "w", samplerate=fmt.samplerate, channels=fmt.channels, format=fmt.format,
                      subtype=fmt.subtype) as f:
        _omit_peak_chunk(f)  # a write-time PEAK chunk would make equal takes differ byte for byte
        strings = dict(kept, software="soundloom")
        if metadata.get("prompt"):
            strings["title"] = str(metadata["prompt"])[:200]
        strings["comment"] = (_fit_wav_field(metadata) if fmt.format != "FLAC"
                              else _METADATA_TAG + _json(metadata))
        for key, value in strings.items():
            try:
                setattr(f, key, value)
            except (RuntimeError, sf.LibsndfileError):  # a container without this string: the sidecar keeps it
                pass
        f.write(samples)


def _json(metadata: dict) -> str:
    import json

    return json.dumps(metadata, ensure_ascii=False, separators=(",", ":"))


def _add_provenance(target: Path, fmt: ClipFormat, metadata: dict, source: Path) -> None:
    """The bext description on WAV takes, with the source's timeline position (bext time reference)
    and its iXML, markers, loop points and tempo kept, so a DAW places and treats the take as it did
    the source."""
    if fmt.format not in _RIFF_FORMATS:
        return
    try:
        chunks = read_chunks(source, (b"bext", *_KEPT_CHUNKS))
    except OSError:
        chunks = {}
    reference = bext_time_reference(chunks[b"bext"]) if b"bext" in chunks else 0
    extra = [(name, chunks[name]) for name in _KEPT_CHUNKS if name in chunks]
    add_bext(target, provenance.describe(metadata), datetime.datetime.now(), time_reference=reference,
             extra_chunks=extra)


def _publish(tmp: Path, target: Path | None, source: Path, folder: Path) -> Path:
    """Give the finished temporary file its name without ever replacing a file: another take made
    meanwhile makes it take the next number."""
    names = [target] if target is not None else (next_take_path(source, folder) for _ in range(1000))
    try:
        path = publish_new(tmp, names)
    except OSError as exc:
        raise _unwritable(target or folder, exc) from exc
    if path is not None:
        return path
    if target is not None:
        raise BridgeError(f"{target} already exists; a take never replaces a file", "output")
    raise BridgeError(f"could not find a free take name beside {source.name}", "output", bad_input=False)


def write_take(source: str | os.PathLike, audio: np.ndarray, sample_rate: int, regions, metadata: dict, *,
               path: str | os.PathLike | None = None, folder: str | os.PathLike | None = None) -> Path:
    """Write a take of `source` and return its path.

    `audio`: float samples [channels, frames] at `sample_rate` Hz (any rate; resampled to the
    source's), e.g. the engine's inpaint result; `regions`: the regenerated spans (Region, or
    (start_s, end_s)); only frames inside them are taken from `audio`, everything else is the
    source's own samples. The take has the source's container, sample format, rate, channels and
    length, carries `metadata` (JSON in the WAV INFO / FLAC Vorbis comment, and a one-line bext
    description on WAV), and appears only after `verify_untouched` passed: written to a temporary
    file in the destination folder, then linked under its name, never replacing a file. `path`:
    the take's name (default `next_take_path(source)`); `folder`: where a default-named take goes.
    """
    source = Path(source)
    fmt = read_format(source)
    regions = [as_region(r) for r in regions]
    target = Path(path) if path is not None else None
    where = target.parent if target is not None else (Path(folder) if folder is not None else source.parent)
    _check_folder(where)
    fitted = _fitted(audio, sample_rate, fmt)
    samples = read_native(source, fmt).copy()
    for region in regions:
        first, stop = region.frames(fmt.samplerate)
        first, stop = max(first, 0), min(stop, fmt.frames)
        inside = fitted[first:stop]
        if not np.isfinite(inside).all():
            raise BridgeError("the regenerated audio holds non-finite samples (NaN or infinity); no take written",
                              "audio", ErrorCode.INVALID_AUDIO, bad_input=False)
        samples[first:stop] = quantise(inside, fmt.subtype)
    try:
        # With the permissions of any new file: a DAW running as another user must be able to read the take.
        with unnamed_file(where, prefix=f"{take_base(source)}.", suffix=f".partial{source.suffix}") as tmp:
            _encode(tmp, samples, fmt, metadata, source)
            _add_provenance(tmp, fmt, metadata, source)
            verify_untouched(source, tmp, regions)
            return _publish(tmp, target, source, where)
    except OSError as exc:
        raise _unwritable(where, exc) from exc


def _backup_path(source: Path, folder: Path) -> Path:
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    for n in range(1, 10_000):
        candidate = folder / f"{source.stem}.{stamp}{'' if n == 1 else f'-{n}'}{source.suffix}"
        if not candidate.exists():
            return candidate
    raise BridgeError(f"too many backups of {source.name} in {folder}", "backup_dir", bad_input=False)


def _copy_no_clobber(src: Path, folder: Path, wanted) -> Path:
    """Copy `src` into `folder` under the name `wanted()` gives, atomically, never replacing a file."""
    with unnamed_file(folder, prefix="backup.", suffix=".partial") as tmp:
        shutil.copy2(src, tmp)  # the source's permissions and time too
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        path = publish_new(tmp, (wanted() for _ in range(100)))
    if path is None:
        raise BridgeError(f"could not find a free backup name in {folder}", "backup_dir", bad_input=False)
    return path


def replace_in_place(source: str | os.PathLike, take: str | os.PathLike,
                     backup_dir: str | os.PathLike | None = None) -> Path:
    """Replace `source` by the content of `take` and return the path of the backup of `source`.

    The backup (`<backup_dir>/<stem>.<UTC time><suffix>`, default folder `.soundloom-backups`
    beside the source) is written and compared byte for byte first; only then is the source
    replaced, atomically (temporary file beside it, then rename), keeping its permissions. A
    symbolic link is followed: its target gets the new content. `take` must have the source's
    format, rate, channels and length.
    """
    source, take = Path(source), Path(take)
    fmt, take_fmt = read_format(source), read_format(take)
    if take_fmt != fmt:
        raise BridgeError(f"{take.name} is {take_fmt.describe()}, but {source.name} is {fmt.describe()}; "
                          "only a file of the same format replaces it", "take")
    real = Path(os.path.realpath(source))
    _check_folder(real.parent, "input")
    folder = Path(backup_dir) if backup_dir is not None else real.parent / BACKUP_FOLDER
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BridgeError(f"cannot create backup folder {folder} ({exc.strerror or exc})", "backup_dir") from exc
    _check_folder(folder, "backup_dir")
    try:
        backup = _copy_no_clobber(real, folder, lambda: _backup_path(real, folder))
    except OSError as exc:
        raise _unwritable(folder, exc) from exc
    if not filecmp.cmp(real, backup, shallow=False):
        raise BridgeError(f"the backup {backup} does not match {source.name}; {source.name} was left as it was",
                          "backup_dir", bad_input=False)
    try:
        with atomic_writer(real) as out, open(take, "rb") as src:  # the source keeps its permissions
            shutil.copyfileobj(src, out, 1 << 20)
    except OSError as exc:
        raise _unwritable(real, exc) from exc
    return backup
