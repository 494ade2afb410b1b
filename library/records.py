"""The values the library index hands out: sounds, roots, scan reports and search results."""

from __future__ import annotations

from dataclasses import dataclass, field

from soundloom.protocol.errors import ErrorCode, SoundloomError


@dataclass
class SoundRecord:
    """One indexed sound. Times in seconds, rates in Hz, levels in LUFS and dBFS.

    `path` is the file's path as the operating system names it (a name that is not valid UTF-8
    keeps its bytes as surrogate escapes, so `open(record.path)` works); `name` and `folder`
    are for display. `modified` is the file's mtime (seconds since the epoch). `score` is set by
    searches: higher is better (similarity: 0–1).
    """

    path: str
    root: str
    name: str
    folder: str
    seconds: float
    sample_rate: int
    channels: int
    subtype: str
    loudness_lufs: float | None
    peak_dbfs: float | None
    caption: str
    caption_source: str  # "sidecar", "embedded", "ucs", "names" or "user"
    category: str | None
    subcategory: str | None
    tags: list[str]
    rating: int
    favourite: bool
    modified: float
    prompt: str | None = None
    seed: int | None = None
    model: str | None = None
    parent: str | None = None
    score: float | None = None
    catid: str | None = None
    size: int = 0
    content_hash: str = ""
    pitch_hz: float | None = None
    id: int = 0

    def to_dict(self) -> dict:
        from dataclasses import asdict

        return asdict(self)


@dataclass
class Root:
    """A folder the index covers: the "Generated" folder or a library the user added."""

    path: str
    name: str
    kind: str  # "generated" or "library"
    files: int = 0
    seconds: float = 0.0
    present: bool = True  # False while the folder is missing (an unplugged drive): its sounds are kept


@dataclass
class ScanReport:
    """What a scan did; `skipped` holds (path, reason) for every file or folder it could not use."""

    added: int = 0
    changed: int = 0
    moved: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    cancelled: bool = False
    embedded: int = 0  # captions embedded for semantic search
    notices: list[str] = field(default_factory=list)  # things worth telling the user (missing roots, no engine)

    def to_dict(self) -> dict:
        from dataclasses import asdict

        return asdict(self)


class SearchResults(list):
    """A list of SoundRecords, best first, that also says how it was ranked.

    `semantic` is True when meaning (caption embeddings) took part; `notice` says why it did not
    when it was asked for (no engine running, no embeddings yet).
    """

    def __init__(self, records=(), semantic: bool = False, notice: str | None = None):
        super().__init__(records)
        self.semantic = semantic
        self.notice = notice


class LibraryError(SoundloomError, ValueError):
    """A request the index cannot serve; `field` names the argument at fault."""

    def __init__(self, field: str, message: str, code: ErrorCode = ErrorCode.INVALID_ARGUMENT):
        super().__init__(code, message, field)
