"""Finished results on disk, content-addressed and written atomically, so they survive the engine.

`results/<sha256>.msgpack` holds a reply's content and buffers; `jobs/<job_id>` holds the sha256
of its result. A client that lost a reply (disconnect, engine restart) fetches it by job id.
"""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

import msgpack

from soundloom.protocol.atomic_files import write_bytes_atomically

_JOB_ID = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
_PRIVATE = 0o600  # results hold the user's prompts and audio: readable by them alone, like their folders


class ResultStore:
    """Results of finished jobs under `root`; those older than `max_age_s` seconds are pruned."""

    def __init__(self, root: Path, max_age_s: float = 7 * 24 * 3600):
        self.root = Path(root)
        self.results = self.root / "results"
        self.jobs = Path(root) / "jobs"
        self.max_age_s = max_age_s
        for folder in (self.results, self.jobs):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)

    def _job_file(self, job_id: str) -> Path | None:
        # Job ids come from the wire: only plain names may become file names.
        return self.jobs / job_id if _JOB_ID.match(job_id) else None

    def put(self, job_id: str, content: dict, buffers: list[bytes]) -> str:
        """Store a result and index it under `job_id`; returns its sha256."""
        raw = [bytes(getattr(b, "data", b)) for b in buffers]
        blob = msgpack.packb({"content": content, "buffers": raw}, use_bin_type=True)
        digest = hashlib.sha256(blob).hexdigest()
        target = self.results / f"{digest}.msgpack"
        if not target.exists():
            write_bytes_atomically(target, blob, mode=_PRIVATE)
        job_file = self._job_file(job_id)
        if job_file is not None:
            write_bytes_atomically(job_file, digest.encode(), mode=_PRIVATE)
        return digest

    def get(self, job_id: str) -> tuple[dict, list[bytes]] | None:
        """The stored (content, buffers) of `job_id`, or None when unknown or pruned."""
        job_file = self._job_file(job_id)
        try:
            digest = job_file.read_text().strip() if job_file else ""
            blob = (self.results / f"{digest}.msgpack").read_bytes() if digest else b""
        except OSError:
            return None
        if not blob or hashlib.sha256(blob).hexdigest() != digest:
            return None
        stored = msgpack.unpackb(blob, raw=False)
        return stored["content"], stored["buffers"]

    def prune(self, now: float | None = None) -> int:
        """Delete results and job entries older than `max_age_s`; returns how many files went."""
        cutoff = (now or time.time()) - self.max_age_s
        removed = 0
        for folder in (self.jobs, self.results):
            for path in folder.iterdir():
                try:
                    if path.stat().st_mtime < cutoff:
                        path.unlink()
                        removed += 1
                except OSError:
                    continue
        return removed
