"""Paths a request may reach: those within the folders the engine was given."""

from __future__ import annotations

from pathlib import Path


def is_within(path: Path, roots: list[Path]) -> bool:
    """Whether resolved `path` is one of resolved `roots` or lies below one (what a request may reach)."""
    return any(path == root or root in path.parents for root in roots)
