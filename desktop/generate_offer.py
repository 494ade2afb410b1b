"""“Generate it”: when a text search finds nothing worth hearing, one click generates the query.

Nothing worth hearing means no results at all, or only sounds found by meaning alone that are not
close: no result shares a word with the query (every one came from caption embeddings) and the
best of them scores below WEAK_SCORE. Mixed scores are 0.5 × text rank + 0.5 × cosine, so a
meaning-only hit scores half its cosine: 0.3 is a caption at cosine 0.6, where MiniLM captions
stop describing the same kind of sound.
"""

from __future__ import annotations

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from soundloom.desktop.results import display

WEAK_SCORE = 0.3


def nothing_good(records, text: str) -> bool:
    """True when a search for `text` found nothing, or only distant matches by meaning."""
    if not text.strip():
        return False
    if not records:
        return True
    if not getattr(records, "semantic", False):
        return False
    words = {w.casefold() for w in text.replace('"', " ").split() if not w.startswith("-")}
    for record in records:
        haystack = f"{record.name} {record.caption}".casefold()
        if any(w.rstrip("*") in haystack for w in words):
            return False  # a word match: the library has something
    best = max((r.score or 0.0) for r in records)
    return best < WEAK_SCORE


class GenerateOffer(QWidget):
    """A strip above the results: “Nothing like “…” in your library — Generate it”."""

    requested = pyqtSignal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("generateOffer")
        self.setStyleSheet("#generateOffer { background: #23262b; border-bottom: 1px solid #30343a; }")
        self.text = ""
        self.label = QLabel()
        self.button = QPushButton("Generate it")
        self.button.setToolTip("Generate this search as a new sound (uses the prompt bar's settings)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        self.button.clicked.connect(self._clicked)  # a bound method: a lambda would hold the strip alive
        self.hide()

    def _clicked(self) -> None:
        self.requested.emit(self.text)

    def offer(self, text: str, found_some: bool) -> None:
        self.text = text
        quoted = display(text)
        self.label.setText(f"Nothing close to “{quoted}” in your library." if found_some
                           else f"No sounds match “{quoted}”.")
        self.button.setText(f"Generate “{quoted[:40]}{'…' if len(quoted) > 40 else ''}”")
        self.show()

    def withdraw(self) -> None:
        self.hide()

    def set_enabled_reason(self, reason: str) -> None:
        self.button.setEnabled(not reason)
        self.button.setToolTip(reason or "Generate this search as a new sound (uses the prompt bar's settings)")
