"""Render a sound, or a region of it, to a WAV file a DAW can take: by drag, copy or export.

Files go to a persistent exports folder (a DAW session keeps referring to them), under stable,
readable names (`door slam wood_003_1.20-2.45s.wav`). Rendering the same thing twice finds the
file already there instead of adding a copy, and an existing file with other content is never
overwritten: the new one gets ` (2)`, ` (3)`… A generated sound carries its prompt, seed and model
in a Broadcast-WAV `bext` description, where sound libraries and DAWs show it.
"""

from __future__ import annotations

import datetime
import filecmp
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from soundloom.desktop.selection import Region
from soundloom.protocol.new_files import numbered_names, publish_new, unnamed_file
from soundloom.sdk.bwf import add_bext

RATES = (44100, 48000)
SUBTYPES = {"PCM_16": "16-bit", "PCM_24": "24-bit", "FLOAT": "32-bit float"}
_WAV_SUBTYPES = {"PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE"}
_SLAB_FRAMES = 1 << 18
_SFC_SET_ADD_PEAK_CHUNK = 0x1050  # libsndfile command id
_METADATA_TAG = "soundloom:"      # how soundloom marks its settings in a WAV INFO comment


class ExportError(Exception):
    """An export that could not be written; the message names the file and the reason."""


@dataclass(frozen=True)
class ExportFormat:
    """Sample rate in Hz and libsndfile subtype of an export; None keeps the source's."""

    rate: int | None = None
    subtype: str | None = None

    def __post_init__(self):
        if self.rate is not None and self.rate not in RATES:
            raise ValueError(f"export rate must be one of {RATES} Hz, got {self.rate}")
        if self.subtype is not None and self.subtype not in SUBTYPES:
            raise ValueError(f"export sample format must be one of {sorted(SUBTYPES)}, got {self.subtype}")

    @property
    def is_source(self) -> bool:
        return self.rate is None and self.subtype is None

    def tag(self) -> str:
        """`48k-24bit`, `44.1k`, `32f`…: names what was changed, empty when nothing was."""
        parts = []
        if self.rate is not None:
            parts.append(f"{self.rate / 1000:g}k")
        if self.subtype is not None:
            parts.append("32f" if self.subtype == "FLOAT" else self.subtype.removeprefix("PCM_") + "bit")
        return "-".join(parts)

    def label(self) -> str:
        if self.is_source:
            return "Source format"
        rate = f"{self.rate / 1000:g} kHz" if self.rate else "source rate"
        return f"{rate}, {SUBTYPES[self.subtype] if self.subtype else 'source bit depth'}"


def export_name(source: Path, region: Region | None = None, fmt: ExportFormat = ExportFormat()) -> str:
    """The readable name of an export, without a collision suffix: stem, region, changed format."""
    parts = [os.fsdecode(source.stem)]
    if region is not None:
        parts.append(region.label())
    if not fmt.is_source:
        parts.append(fmt.tag())
    return "_".join(parts) + ".wav"


def bext_description(source: Path, region: Region | None, metadata: dict) -> str:
    """What the `bext` description says: prompt, seed and model of a generated sound, else its origin."""
    if metadata.get("prompt") is not None:
        fields = [f"prompt: {metadata['prompt']}"]
        fields += [f"{key}: {metadata[key]}" for key in ("seed", "model") if metadata.get(key) is not None]
        text = "; ".join(fields)
    else:
        text = f"from {os.fsdecode(source.name)}"
    if region is not None:
        text += f" ({region.start:.2f}-{region.end:.2f} s)"
    return text


def render(source: str | Path, region: Region | None = None, fmt: ExportFormat = ExportFormat(),
           folder: str | Path | None = None, metadata: dict | None = None) -> Path:
    """Write `region` (or all) of `source` as WAV in `folder` (default: the exports folder) and return its path.

    `metadata` is the source's generation settings (prompt, seed, model); None reads them from the
    file. Raises ExportError when the source cannot be read or the folder written.
    """
    from soundloom.desktop.paths import exports_dir

    source = Path(source)
    folder = Path(folder) if folder is not None else exports_dir()
    if metadata is None:
        metadata = _generation_settings(source)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # With the permissions of any new file: a DAW running as another user must be able to read the export.
        with unnamed_file(folder, prefix="export-", suffix=".wav") as temporary:
            _write(source, region, fmt, temporary, bext_description(source, region, metadata), metadata)
            return _place(temporary, folder / export_name(source, region, fmt))
    except OSError as exc:
        raise ExportError(f"cannot write to {os.fsdecode(folder)}: {exc.strerror or exc}") from exc


def drag_file(source: str | Path, region: Region | None = None, fmt: ExportFormat = ExportFormat(),
              generated: bool = False, folder: str | Path | None = None, metadata: dict | None = None) -> Path:
    """The file to hand the OS for a drag or a copy; it exists when this returns.

    A whole library sound in its own format is handed over as it is: the user's file already lives
    where they keep it. A region, another format, or a generated sound (the engine prunes old
    results) is rendered into the exports folder first.
    """
    source = Path(source)
    if region is None and fmt.is_source and not generated:
        if not source.is_file():
            raise ExportError(f"{os.fsdecode(source)} no longer exists")
        return source
    return render(source, region, fmt, folder, metadata)


def _generation_settings(source: Path) -> dict:
    from soundloom.sdk.audio_file import read_metadata

    try:
        return read_metadata(source)
    except Exception:  # noqa: BLE001 — an unreadable source fails in _write with its reason
        return {}


def _write(source: Path, region: Region | None, fmt: ExportFormat, target: Path, description: str,
           metadata: dict) -> None:
    try:
        reader = sf.SoundFile(os.fsencode(source))  # bytes: names that are not UTF-8 open too
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        raise ExportError(f"cannot read {os.fsdecode(source.name)}: {getattr(exc, 'error_string', exc)}") from exc
    with reader:
        rate, channels = reader.samplerate, reader.channels
        first, stop = (0, reader.frames) if region is None else region.frames(rate)
        stop = min(stop, reader.frames)
        if stop <= first:
            raise ExportError(f"{os.fsdecode(source.name)}: nothing to export in this region")
        out_rate = fmt.rate or rate
        subtype = fmt.subtype or (reader.subtype if reader.subtype in _WAV_SUBTYPES else "FLOAT")
        samples = _write_samples(reader, first, stop, rate, out_rate, channels, subtype, target, metadata)
    if not samples:
        raise ExportError(f"{os.fsdecode(source.name)}: no audio could be read")
    _add_bext(target, description, _origination(source))


def _write_samples(reader, first, stop, rate, out_rate, channels, subtype, target, metadata) -> int:
    resampler = soxr.ResampleStream(rate, out_rate, channels, dtype="float32") if out_rate != rate else None
    written = 0
    with sf.SoundFile(os.fsencode(target), "w", samplerate=out_rate, channels=channels, format="WAV",
                      subtype=subtype) as writer:
        # libsndfile's PEAK chunk holds the time of writing, which would make two renders of the
        # same region differ and defeat finding the earlier one.
        snd, ffi = getattr(sf, "_snd", None), getattr(sf, "_ffi", None)
        if snd is not None and ffi is not None:
            snd.sf_command(writer._file, _SFC_SET_ADD_PEAK_CHUNK, ffi.NULL, 0)
        comment = metadata and _METADATA_TAG + json.dumps(metadata, ensure_ascii=False, separators=(",", ":"))
        if comment and len(comment.encode()) < 2000:  # libsndfile drops longer INFO strings
            writer.comment = comment
        reader.seek(first)
        remaining = stop - first
        while remaining > 0:
            try:
                slab = reader.read(min(_SLAB_FRAMES, remaining), dtype="float32", always_2d=True)
            except (sf.LibsndfileError, RuntimeError):
                slab = np.zeros((0, channels), dtype=np.float32)  # a damaged tail: keep what was read
            last = len(slab) < min(_SLAB_FRAMES, remaining) or len(slab) == remaining
            remaining = 0 if not len(slab) else remaining - len(slab)
            if resampler is not None:
                slab = resampler.resample_chunk(slab, last=last)
            if subtype != "FLOAT":
                slab = np.clip(slab, -1.0, 1.0)  # integer PCM cannot hold overs
            writer.write(slab)
            written += len(slab)
            if last:
                break
    return written


def _origination(source: Path) -> datetime.datetime:
    # The source's modification time, not now: renders of one region stay byte-identical.
    try:
        return datetime.datetime.fromtimestamp(source.stat().st_mtime)
    except OSError:
        return datetime.datetime(1970, 1, 1)


def _add_bext(path: Path, description: str, when: datetime.datetime) -> None:
    try:
        add_bext(path, description, when)
    except ValueError as exc:
        raise ExportError(str(exc)) from exc


def _place(rendered: Path, wanted: Path) -> Path:
    """Move `rendered` to `wanted`, or reuse an identical file already there, or take the next free
    ` (n)` name: never overwrite."""
    placed = publish_new(rendered, numbered_names(wanted),
                         reuse=lambda taken: taken.is_file() and filecmp.cmp(rendered, taken, shallow=False))
    if placed is None:
        raise ExportError(f"too many exports named {wanted.name} in {os.fsdecode(wanted.parent)}")
    return placed
