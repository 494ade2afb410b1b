"""The files behind takes: where the engine's results are written, and what keeping one makes.

Takes of a library sound live in `<data dir>/takes/` (a library folder is never written). A
regenerated-selection take is written by the bridge, in the source's own format and bit-identical
outside the regions; keeping it checks that again and links it into the generated folder, where
the library indexes it. Nothing here deletes a file that holds the only copy of anything.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Iterator

from soundloom.desktop.paths import data_dir
from soundloom.desktop.takes_model import REGENERATE, Take
from soundloom.protocol.new_files import link_new, publish_new, unnamed_file

WHOLE_TAKE_SUFFIX = ".wav"  # transfer and extend results: 32-bit float WAV with their settings inside


def takes_dir() -> Path:
    return data_dir() / "takes"


def generated_dir() -> Path:
    from soundloom.library.paths import generated_folder

    return generated_folder(data_dir())


def free_path(folder: Path, stem: str, suffix: str) -> Path:
    """`<folder>/<stem>-<k><suffix>` with k one above the highest already there (never an existing file)."""
    folder.mkdir(parents=True, exist_ok=True)
    pattern = re.compile(re.escape(stem) + r"-(\d+)" + re.escape(suffix) + r"$")
    taken = [int(m.group(1)) for name in os.listdir(folder) if (m := pattern.match(name))]
    return folder / f"{stem}-{max(taken, default=0) + 1}{suffix}"


def write_region_take(source: Path, samples, sample_rate: int, regions, metadata: dict, folder: Path | None = None) -> Path:
    """A new take file of `source` (`<stem>.take-<k><suffix>` in the takes folder) with `regions`
    ((start, end) seconds) replaced by the engine's result (float32 [channels, samples] at
    `sample_rate` Hz); everything else is the source's own samples, in the source's own format."""
    from soundloom.bridge.takes import write_take

    source = Path(source)
    folder = folder or takes_dir()
    folder.mkdir(parents=True, exist_ok=True)
    meta = dict(metadata, parent=os.fsdecode(source), regions=[list(r) for r in regions])
    return write_take(source, samples, sample_rate, list(regions), meta, folder=folder)


def write_transfer_take(source: Path, samples, sample_rate: int, metadata: dict, folder: Path | None = None) -> Path:
    """A re-imagined `source` as a take in the source's own format, rate, channels and length (so
    it can replace the source in the editor): the whole sound is the regenerated region."""
    from soundloom.bridge.clip import read_format

    whole = read_format(source)
    return write_region_take(source, samples, sample_rate, [(0.0, whole.frames / whole.samplerate)],
                             metadata, folder)


def write_whole_take(source: Path, samples, sample_rate: int, metadata: dict, label: str,
                     folder: Path | None = None) -> Path:
    """An extended `source` or a new sound near it, as a new float WAV (its settings in the file)."""
    from soundloom.sdk.audio_file import write_audio

    source = Path(source)
    folder = folder or takes_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{source.stem}.{label}"
    with unnamed_file(folder, prefix=f"{stem}.", suffix=WHOLE_TAKE_SUFFIX) as temporary:
        write_audio(temporary, samples, sample_rate, dict(metadata, parent=os.fsdecode(source)))
        # Another window may choose the same number meanwhile: the name is only ever taken if free.
        path = publish_new(temporary, _free_paths(folder, stem, WHOLE_TAKE_SUFFIX))
    if path is None:
        raise FileExistsError(f"no free name for {stem} in {folder}")
    return path


def check_untouched(take: Take) -> None:
    """Raise (the bridge's TakeMismatchError, naming the first differing frame) unless every sample
    of `take` outside its regions is the source's own. Only regenerated-selection takes have
    such a promise; other kinds pass."""
    if take.kind != REGENERATE:
        return
    from soundloom.bridge.takes import verify_untouched

    verify_untouched(take.source, take.path, list(take.regions))


def keep(take: Take, folder: Path | None = None) -> Path:
    """Check the take once more, then make it a sound of the library: a new file in the generated
    folder with the take's bytes (a hard link where the file system allows, else a copy)."""
    check_untouched(take)
    folder = folder or generated_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stem = take.path.stem.replace(".take-", ".kept-").rsplit("-", 1)[0]
    try:
        kept = link_new(take.path, _free_paths(folder, stem, take.path.suffix))
    except OSError:  # another disk, or one without hard links: a copy, with the take's permissions and time
        with unnamed_file(folder, prefix=f"{stem}.", suffix=take.path.suffix) as copy:
            shutil.copy2(take.path, copy)
            kept = publish_new(copy, _free_paths(folder, stem, take.path.suffix))
    if kept is None:
        raise FileExistsError(f"no free name for a kept take in {folder}")
    return kept


def unkeep(take: Take) -> None:
    """Undo a keep: remove the kept file, which holds the same bytes as the take file that stays.
    A kept file that was changed since (or the take file gone) is left alone: it is the only copy."""
    kept = take.kept
    if kept is None or not kept.exists():
        return
    if not take.path.exists() or not _same_content(kept, take.path):
        raise ValueError(f"{kept.name} was changed since it was kept; it stays in the library")
    kept.unlink()


def _free_paths(folder: Path, stem: str, suffix: str) -> Iterator[Path]:
    """`free_path` again and again, each time from what is in the folder then."""
    for _ in range(100):
        yield free_path(folder, stem, suffix)


def _same_content(a: Path, b: Path) -> bool:
    if os.path.samefile(a, b):
        return True
    if a.stat().st_size != b.stat().st_size:
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(1 << 20), fb.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True
