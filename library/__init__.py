"""The sound library index: every sound a user has, searchable by text, meaning and likeness (no torch, no Qt).

    from soundloom.library import LibraryIndex
    index = LibraryIndex.open()
"""

from soundloom.library.index import LibraryIndex
from soundloom.library.records import LibraryError, Root, ScanReport, SearchResults, SoundRecord
from soundloom.library.scanner import ScanTask
from soundloom.library.semantic import EmbeddingUnavailable

__all__ = ["EmbeddingUnavailable", "LibraryError", "LibraryIndex", "Root", "ScanReport", "ScanTask",
           "SearchResults", "SoundRecord"]
