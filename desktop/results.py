"""The results table's columns: what each shows, how it sorts and formats. Qt-free."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from typing import Callable

MISSING = "–"


def display(text: str | None) -> str:
    """`text` safe to hand Qt: a file name that is not UTF-8 carries surrogate escapes, which Qt
    cannot hold, so they are shown as U+FFFD."""
    if not text:
        return ""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def format_seconds(seconds: float | None) -> str:
    """`0.84 s`, `12.3 s`, `2:05.0`, `1:02:03`: short clips to the hundredth, long ones as clock time."""
    if seconds is None or not math.isfinite(seconds):
        return MISSING
    if seconds < 10:
        return f"{seconds:.2f} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{int(minutes)}:{rest:04.1f}"
    hours, minutes = divmod(int(minutes), 60)
    return f"{hours}:{minutes:02d}:{int(rest):02d}"


def format_rate(rate: int | None) -> str:
    return f"{rate / 1000:g} kHz" if rate else MISSING


def format_loudness(lufs: float | None) -> str:
    return f"{lufs:.1f} LUFS" if lufs is not None and math.isfinite(lufs) else MISSING


def format_rating(stars: int) -> str:
    return "★" * stars + "☆" * (5 - stars) if stars else ""


def format_date(timestamp: float | None) -> str:
    if not timestamp:
        return MISSING
    return datetime.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


def format_channels(channels: int | None) -> str:
    return {1: "mono", 2: "stereo"}.get(channels or 0, f"{channels} ch" if channels else MISSING)


def _missing_last(value):
    # Sort keys where a missing value sorts after every present one, in either direction handled by the caller.
    return (value is None or (isinstance(value, float) and math.isnan(value)), value if value is not None else 0)


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    text: Callable[[object], str]
    sort_key: Callable[[object], object]
    numeric: bool = False  # right-aligned, like numbers in a spreadsheet


COLUMNS = [
    Column("name", "Name", lambda r: display(r.name), lambda r: display(r.name).casefold()),
    Column("duration", "Duration", lambda r: format_seconds(r.seconds), lambda r: r.seconds, numeric=True),
    Column("category", "Category", lambda r: display(_category(r)), lambda r: _category(r).casefold()),
    Column("loudness", "Loudness", lambda r: format_loudness(r.loudness_lufs),
           lambda r: _missing_last(r.loudness_lufs), numeric=True),
    Column("rate", "Rate", lambda r: format_rate(r.sample_rate), lambda r: r.sample_rate or 0, numeric=True),
    Column("rating", "Rating", lambda r: format_rating(r.rating), lambda r: r.rating),
    Column("date", "Date", lambda r: format_date(r.modified), lambda r: r.modified or 0.0, numeric=True),
]


def _category(record) -> str:
    if not record.category:
        return ""
    return f"{record.category} / {record.subcategory}" if record.subcategory else record.category


def column_index(key: str) -> int:
    return next(i for i, column in enumerate(COLUMNS) if column.key == key)


def sorted_records(records: list, column: int, descending: bool) -> list:
    """`records` sorted by COLUMNS[column]; ties keep search rank. Missing loudness sorts last either way."""
    key = COLUMNS[column].sort_key
    if COLUMNS[column].key == "loudness":
        present = [r for r in records if key(r)[0] is False]
        absent = [r for r in records if key(r)[0] is not False]
        return sorted(present, key=key, reverse=descending) + absent
    return sorted(records, key=key, reverse=descending)
