"""What the user is looking for: search text, facets, and the source picked on the left. Qt-free."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

# Kinds of source in the sources tree; each narrows a search in its own way.
ALL, FOLDER, COLLECTION, FAVOURITES, RECENT = "all", "folder", "collection", "favourites", "recent"


@dataclass(frozen=True)
class Scope:
    """A source: every sound, a folder (a root or any folder below it), a collection, favourites, recent."""

    kind: str = ALL
    value: str | None = None  # the folder path or collection name

    def label(self) -> str:
        return {ALL: "All sounds", FAVOURITES: "Favourites", RECENT: "Recent"}.get(self.kind) or str(self.value)


@dataclass(frozen=True)
class Query:
    """Search text (the index's syntax: words, -word, "a phrase", prefix*) plus facets.
    Durations in seconds, rate in Hz."""

    text: str = ""
    category: str | None = None
    min_seconds: float | None = None
    max_seconds: float | None = None
    sample_rate: int | None = None
    channels: int | None = None
    scope: Scope = field(default_factory=Scope)
    limit: int = 500

    def with_(self, **changes) -> "Query":
        return replace(self, **changes)

    def facets(self) -> dict:
        return dict(category=self.category, min_seconds=self.min_seconds, max_seconds=self.max_seconds,
                    sample_rate=self.sample_rate, channels=self.channels)

    def run(self, index) -> list:
        """The matching SoundRecords from a LibraryIndex, best first."""
        if self.scope.kind == RECENT:
            # Recent is a list, not a filter the index searches by: narrow it here.
            recent = index.recent(limit=self.limit)
            if not (self.text.strip() or any(v is not None for v in self.facets().values())):
                return recent
            allowed = {r.path for r in index.search(self.text, **self.facets(), limit=max(self.limit, 5000))}
            return [r for r in recent if r.path in allowed]
        return index.search(
            self.text, **self.facets(), limit=self.limit,
            folder=self.scope.value if self.scope.kind == FOLDER else None,
            collection=self.scope.value if self.scope.kind == COLLECTION else None,
            favourites=self.scope.kind == FAVOURITES,
        )
