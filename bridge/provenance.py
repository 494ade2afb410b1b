"""Where a take came from: the one-line `bext` description, and the chain of parents back to the
original recording.

A take's settings travel in two places: inside the file (the SDK's JSON in the WAV INFO comment, AIFF
comment or FLAC Vorbis comment, plus this description in the BWF `bext` chunk of WAV takes) and
in the folder's sidecar (see sidecar.py). The file wins when both exist; the sidecar is what is
left when a format keeps no comment (Wave64) or a program stripped it.
"""

from __future__ import annotations

import os
from pathlib import Path

from soundloom.bridge import sidecar
from soundloom.sdk.bwf import BEXT_DESCRIPTION_BYTES

_MAX_CHAIN = 256  # a parent chain longer than this is a loop in damaged metadata


def adapter_of(metadata: dict) -> str | None:
    """The fine-tuned adapter a result was made with (`base+adapter` model names), else None."""
    if metadata.get("adapter"):
        return str(metadata["adapter"])
    model = str(metadata.get("model") or "")
    return model.split("+", 1)[1] if "+" in model else None


def _regions_text(regions) -> str:
    return ", ".join(f"{float(s):.2f}-{float(e):.2f} s" for s, e in (regions or []))


def describe(metadata: dict) -> str:
    """One line for a `bext` description (at most 256 ASCII characters): prompt, seed, model,
    adapter, and the parent file with the regenerated regions, e.g.
    `prompt: glass shatter; seed: 7; model: starter; made from take.wav 1.20-2.45 s`."""
    tail = [f"seed: {metadata.get('seed')}" if metadata.get("seed") is not None else "",
            f"model: {metadata.get('model')}" if metadata.get("model") else ""]
    adapter = adapter_of(metadata)
    if adapter:
        scale = metadata.get("adapter_scale")
        tail.append(f"adapter: {adapter}" + (f" x{float(scale):g}" if scale is not None else ""))
    parent = metadata.get("parent")
    if parent:
        regions = _regions_text(metadata.get("regions"))
        tail.append(f"made from {Path(str(parent)).name}" + (f" {regions}" if regions else ""))
    rest = "; ".join(part for part in tail if part)
    prompt = " ".join(str(metadata.get("prompt") or "").split())
    room = BEXT_DESCRIPTION_BYTES - len(rest) - len("prompt: ; ")
    if len(prompt) > room:
        prompt = prompt[: max(0, room - 3)] + "..."
    line = f"prompt: {prompt}; {rest}" if prompt else rest
    return line.encode("ascii", "replace").decode("ascii")[:BEXT_DESCRIPTION_BYTES]


def resolve_parent(take: Path, parent: str | None) -> Path | None:
    """The parent's path: sidecars and files store it relative to the take's folder when it is there."""
    if not parent:
        return None
    path = Path(parent)
    return path if path.is_absolute() else take.parent / path


def file_metadata(path: Path) -> dict:
    """The settings stored inside an audio file ({} when it has none or cannot be read)."""
    from soundloom.sdk.audio_file import read_metadata

    try:
        return read_metadata(path)
    except Exception:  # noqa: BLE001 — a missing or unreadable ancestor ends the chain, it is not an error
        return {}


def lineage(path: str | os.PathLike) -> list[dict]:
    """The chain from `path` back to the original: [{"path", "prompt", "regions", "seed", "model"}, …],
    `path` first, then its parent, and so on; the last entry is a file no take record names a
    parent for (its prompt is None unless soundloom generated it)."""
    chain: list[dict] = []
    seen: set[str] = set()
    current: Path | None = Path(path)
    while current is not None and len(chain) < _MAX_CHAIN:
        key = os.path.abspath(current)
        if key in seen:
            break
        seen.add(key)
        record = {**(sidecar.entry_of(current) or {}), **file_metadata(current)}
        chain.append({
            "path": Path(key),
            "prompt": record.get("prompt"),
            "regions": record.get("regions"),
            "seed": record.get("seed"),
            "model": record.get("model"),
        })
        current = resolve_parent(current, record.get("parent"))
    return chain
