"""Universal Category System names: `CatID[-UserCategory]_FXName_CreatorID_SourceID[_UserData].ext`.

`DOORWood_Slam Heavy_JD_Studio.wav` is a heavy wooden door slam: CatID `DOORWood` names the
category DOORS and subcategory WOOD. The CatID table ships as `ucs_categories.csv`; a CatID that
is not in it but starts with a known category's prefix (`DOORFoo`) still gets its category.
"""

from __future__ import annotations

import csv
import functools
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

TABLE = Path(__file__).with_name("ucs_categories.csv")
# An unknown CatID must still look like one (capitals, then a capitalised word), so "ELECTRIC_…" is no UCS name.
_CATID = re.compile(r"^([A-Z]{2,6})([A-Z][a-z][A-Za-z0-9]*)$")


@dataclass(frozen=True)
class UcsName:
    catid: str
    category: str
    subcategory: str | None  # None: a CatID outside the table, known only by its category prefix
    fx_name: str
    creator: str | None = None
    source: str | None = None
    user_category: str | None = None


@functools.lru_cache(maxsize=1)
def catids() -> dict[str, tuple[str, str, str]]:
    """lower-case CatID → (CatID, Category, SubCategory)."""
    with TABLE.open(encoding="utf-8", newline="") as f:
        return {row["CatID"].lower(): (row["CatID"], row["Category"], row["SubCategory"]) for row in csv.DictReader(f)}


def _prefix(catid: str) -> str:
    """"DOORWood" → "DOOR": the capitals before the subcategory's own capitalised word."""
    run = re.match(r"[A-Z]+", catid).group(0)
    return run[:-1] if len(run) < len(catid) and len(run) > 1 else run


@functools.lru_cache(maxsize=1)
def category_prefixes() -> dict[str, str]:
    """Category prefix ("DOOR") → category ("DOORS"), the prefix most of a category's CatIDs share."""
    votes: dict[str, Counter] = {}
    for catid, category, _ in catids().values():
        votes.setdefault(category, Counter())[_prefix(catid)] += 1
    return {counter.most_common(1)[0][0]: category for category, counter in votes.items()}


def categories() -> list[str]:
    """Every category name in the table, sorted."""
    return sorted({category for _, category, _ in catids().values()})


def parse_ucs(stem: str) -> UcsName | None:
    """The UCS parts of a file name without its extension, or None when it does not follow UCS."""
    parts = stem.split("_")
    if len(parts) < 2 or not parts[1].strip():
        return None
    catid, _, user_category = parts[0].partition("-")
    known = catids().get(catid.lower())
    if known is not None:
        catid, category, subcategory = known
    else:
        match = _CATID.match(catid)
        if not match:
            return None
        prefixes = category_prefixes()
        head = next((p for p in sorted(prefixes, key=len, reverse=True) if catid.startswith(p) and len(catid) > len(p)), None)
        if head is None:
            return None
        category, subcategory = prefixes[head], None
    return UcsName(catid, category, subcategory, parts[1].strip(), _part(parts, 2), _part(parts, 3), user_category or None)


def _part(parts: list[str], index: int) -> str | None:
    return parts[index].strip() or None if len(parts) > index else None


def ucs_caption(name: UcsName) -> str:
    """"slam heavy, doors wood": the FXName's words, then what the category says."""
    from soundloom.library.captions import words_of

    head = " ".join(words_of(name.fx_name)) or name.fx_name.lower()
    where = " ".join(w.lower() for w in (name.category, name.subcategory) if w and w != "MISC")
    return ", ".join(part for part in (head, where) if part)
