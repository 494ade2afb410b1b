"""The user's Hugging Face cache as a source of models, read offline through huggingface_hub's cache API.

Nothing here downloads: a repo id resolves only to a snapshot already on disk. The cache folder is
found the way huggingface_hub finds it ($HF_HUB_CACHE, else $HF_HOME/hub, else
~/.cache/huggingface/hub), read at call time so a changed environment takes effect.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from soundloom.protocol.errors import ErrorCode, SoundloomError

_REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")


def hub_cache_dir() -> Path:
    """The Hugging Face hub cache folder the user's environment names."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    home = os.environ.get("HF_HOME") or os.path.join(os.environ.get("XDG_CACHE_HOME") or "~/.cache", "huggingface")
    return Path(home).expanduser() / "hub"


def is_repo_id(text: str) -> bool:
    """True for "org/name" that is not also an existing path."""
    return bool(_REPO_ID.match(text)) and not Path(text).expanduser().exists()


def is_hub_cache(folder: Path) -> bool:
    """True when `folder` is laid out as a hub cache (it holds models--org--name folders)."""
    return folder.is_dir() and any(p.name.startswith("models--") for p in folder.iterdir())


def snapshot_path(repo_id: str, cache_dir: Path | None = None, revision: str | None = None) -> Path:
    """The local snapshot folder of `repo_id` (its "main" revision unless named), never downloading."""
    from huggingface_hub import snapshot_download

    cache = Path(cache_dir) if cache_dir is not None else hub_cache_dir()
    try:
        return Path(snapshot_download(repo_id, revision=revision, cache_dir=cache, local_files_only=True))
    except Exception as exc:  # huggingface_hub signals "not cached" with several error types
        raise SoundloomError(
            ErrorCode.MODEL_NOT_FOUND,
            f"{repo_id} is not in the Hugging Face cache at {cache} (looked offline; nothing is downloaded)",
            "model",
        ) from exc


@dataclass(frozen=True)
class CachedSnapshot:
    repo_id: str
    revision: str  # commit hash
    path: Path


def cached_snapshots(cache_dir: Path | None = None) -> list[CachedSnapshot]:
    """One snapshot per cached model repo: the one its "main" ref names, else the newest; sorted by repo id."""
    from huggingface_hub import scan_cache_dir

    cache = Path(cache_dir) if cache_dir is not None else hub_cache_dir()
    if not cache.is_dir():
        return []
    found = []
    for repo in scan_cache_dir(cache).repos:
        if repo.repo_type != "model" or not repo.revisions:
            continue
        by_ref = [r for r in repo.revisions if "main" in r.refs]
        chosen = by_ref[0] if by_ref else max(repo.revisions, key=lambda r: r.last_modified)
        found.append(CachedSnapshot(repo.repo_id, chosen.commit_hash, Path(chosen.snapshot_path)))
    return sorted(found, key=lambda s: s.repo_id)


def add_folder_to_cache(folder: Path, repo_id: str, cache_dir: Path, revision: str | None = None) -> Path:
    """Copy a local model folder into a hub cache in huggingface_hub's layout; returns the snapshot path.

    Files go to blobs/<sha256>, the snapshot holds relative symlinks to them and refs/main names the
    revision, as a download would leave them. Used to offer a local or converted model under a repo id.
    """
    folder = Path(folder)
    repo_root = Path(cache_dir) / f"models--{repo_id.replace('/', '--')}"
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    if revision is None:
        digest = hashlib.sha1()
        for path in files:
            digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
        revision = digest.hexdigest()
    snapshot = repo_root / "snapshots" / revision
    for path in files:
        data = path.read_bytes()
        blob = repo_root / "blobs" / hashlib.sha256(data).hexdigest()
        if not blob.exists():
            blob.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, blob)
        link = snapshot / path.relative_to(folder)
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.is_symlink():
            link.symlink_to(os.path.relpath(blob, link.parent))
    (repo_root / "refs").mkdir(parents=True, exist_ok=True)
    (repo_root / "refs" / "main").write_text(revision)
    return snapshot
