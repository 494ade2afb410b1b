"""Search text → an FTS5 query that cannot be a syntax error.

    door slam        both words (AND)
    -metal           not this word
    "wood door"      this phrase
    slam*            words starting with "slam"

Every term is rebuilt from its word characters and quoted before it reaches MATCH, so no user
input (quotes, brackets, colons, AND/OR/NOT, a lone "-") is ever read as FTS5 syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# What FTS5's unicode61 tokenizer keeps as token characters: letters and digits (not "_").
_TOKEN = re.compile(r"[^\W_]+")


@dataclass
class Term:
    words: list[str]
    prefix: bool = False
    negated: bool = False

    def fts(self) -> str:
        return '"' + " ".join(self.words) + '"' + ("*" if self.prefix else "")


@dataclass
class Query:
    terms: list[Term] = field(default_factory=list)

    @property
    def include(self) -> list[Term]:
        return [t for t in self.terms if not t.negated]

    @property
    def exclude(self) -> list[Term]:
        return [t for t in self.terms if t.negated]

    def match(self) -> str | None:
        """The FTS5 expression every result must match (None: no positive term)."""
        return " AND ".join(t.fts() for t in self.include) or None

    def excluded(self) -> str | None:
        """The FTS5 expression no result may match (None: nothing excluded)."""
        return " OR ".join(t.fts() for t in self.exclude) or None

    def meaning(self) -> str:
        """The wanted words as plain text, for semantic search."""
        return " ".join(" ".join(t.words) for t in self.include)

    def __bool__(self) -> bool:
        return bool(self.terms)


def _raw_terms(text: str):
    """(text, negated, quoted) of each term in `text`."""
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        negated = text[i] == "-" and i + 1 < n and not text[i + 1].isspace()
        if negated:
            i += 1
        if text[i] == '"':
            end = text.find('"', i + 1)
            end = n if end < 0 else end
            yield text[i + 1:end], negated, True
            i = end + 1
            if i < n and text[i] == "*":  # "wood do"* : prefix on a phrase's last word
                yield "*", negated, False
                i += 1
        else:
            end = i
            while end < n and not text[end].isspace():
                end += 1
            yield text[i:end], negated, False
            i = end


def parse(text: str) -> Query:
    """The terms of a search text; terms with no word characters are dropped."""
    query = Query()
    for raw, negated, quoted in _raw_terms(text or ""):
        if raw == "*" and not quoted and query.terms:
            query.terms[-1].prefix = True
            continue
        words = [w.lower() for w in _TOKEN.findall(raw)]
        if not words:
            continue
        # An unquoted "door-slam" becomes the phrase "door slam", as the tokenizer reads the text.
        query.terms.append(Term(words, not quoted and raw.endswith("*"), negated))
    return query
