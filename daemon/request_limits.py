"""Size limits every request's content must keep before any handler looks at it.

A field's own rules (ranges, formats) live with its handler; this is the part all fields share:
no string longer than its limit, no NUL character (no prompt, name or path holds one, and the
operating system refuses paths with one), no list longer than its limit. Checking it once, up front,
keeps a huge value from costing time or memory anywhere further in.
"""

from __future__ import annotations

from typing import Any

from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.protocol.messages import (
    MAX_LIST_ITEMS, MAX_PROMPT_CHARS, MAX_REGIONS, MAX_TEXT_CHARS, MAX_VALIDATION_PROMPTS,
)

PROMPT_FIELDS = frozenset({"prompt", "negative_prompt", "validation_prompts"})
LIST_LIMITS = {"regions": MAX_REGIONS, "validation_prompts": MAX_VALIDATION_PROMPTS}


def check_limits(content: dict[str, Any]) -> None:
    """Raise `invalid_argument` naming the first field (dotted/indexed path) that breaks a limit."""
    stack = [(value, name, name) for name, value in content.items()]
    while stack:
        value, path, top = stack.pop()
        if isinstance(value, str):
            _check_text(value, path, MAX_PROMPT_CHARS if top in PROMPT_FIELDS else MAX_TEXT_CHARS)
        elif isinstance(value, list):
            limit = LIST_LIMITS.get(path, MAX_LIST_ITEMS)
            if len(value) > limit:
                raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{len(value)} items; at most {limit}", path)
            stack.extend((item, f"{path}[{i}]", top) for i, item in enumerate(value))
        elif isinstance(value, dict):
            stack.extend((item, f"{path}.{key}", top) for key, item in value.items())


def _check_text(value: str, path: str, limit: int) -> None:
    if len(value) > limit:
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{len(value)} characters; at most {limit}", path)
    if "\x00" in value:
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, "contains a NUL character", path)
