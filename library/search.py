"""Text search (FTS5, bm25-ranked) with facets, mixed with semantic cosine when embeddings exist."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from soundloom.library.paths import key, upper_bound
from soundloom.library.query import Query
from soundloom.library.store import FROM_FILES, RECORD_COLUMNS, Store, to_record

# bm25 column weights, in schema.FTS_COLUMNS order: a word in the name or caption counts most.
BM25_WEIGHTS = (4.0, 1.0, 3.0, 3.0, 1.0, 2.0, 2.0)
# MiniLM puts unrelated short captions at cosine 0.1–0.3 from a query and related ones at 0.4–0.8,
# so a caption found by meaning alone must be near the best match, not just above a fixed line.
SEMANTIC_FLOOR = 0.2  # below this a caption never counts as meaning the query
SEMANTIC_BAND = 0.15  # … nor when it is this much less alike than the best caption
TEXT_SHARE = 0.5  # weight of the text rank in the mixed score; the rest is meaning


@dataclass
class Facets:
    category: str | None = None
    min_seconds: float | None = None
    max_seconds: float | None = None
    sample_rate: int | None = None
    channels: int | None = None
    folder: str | None = None
    favourites: bool = False
    collection: str | None = None

    def where(self) -> tuple[list[str], list]:
        """SQL conditions on `f` (files) and their parameters."""
        clauses, params = [], []
        if self.category:
            clauses.append("(f.category = ? COLLATE NOCASE OR f.catid = ? COLLATE NOCASE "
                           "OR (f.category || '-' || f.subcategory) = ? COLLATE NOCASE)")
            params += [self.category] * 3
        if self.min_seconds is not None:
            clauses.append("f.seconds >= ?")
            params.append(float(self.min_seconds))
        if self.max_seconds is not None:
            clauses.append("f.seconds <= ?")
            params.append(float(self.max_seconds))
        if self.sample_rate is not None:
            clauses.append("f.sample_rate = ?")
            params.append(int(self.sample_rate))
        if self.channels is not None:
            clauses.append("f.channels = ?")
            params.append(int(self.channels))
        if self.folder:
            prefix = key(os.path.abspath(os.fspath(self.folder))).rstrip(os.sep.encode()) + os.sep.encode()
            clauses.append("f.path >= ? AND f.path < ?")
            params += [prefix, upper_bound(prefix[:-1])]
        if self.favourites:
            clauses.append("f.favourite = 1")
        if self.collection:
            clauses.append("f.id IN (SELECT cf.file_id FROM collection_files cf JOIN collections c "
                           "ON c.id = cf.collection_id WHERE c.name = ?)")
            params.append(self.collection)
        return clauses, params


def text_hits(store: Store, query: Query, facets: Facets, limit: int) -> list[tuple[int, float]]:
    """(file id, text score 0–1, best 1) of files matching every wanted term and no excluded one."""
    clauses, params = facets.where()
    excluded = query.excluded()
    if excluded:
        clauses.append("f.id NOT IN (SELECT rowid FROM files_fts WHERE files_fts MATCH ?)")
        params.append(excluded)
    match = query.match()
    where = (" AND " + " AND ".join(clauses)) if clauses else ""
    if match:
        sql = (f"SELECT f.id, bm25(files_fts, {', '.join(map(str, BM25_WEIGHTS))}) AS rank "
               f"FROM files_fts JOIN files f ON f.id = files_fts.rowid WHERE files_fts MATCH ?{where} "
               "ORDER BY rank LIMIT ?")
        rows = store.conn.execute(sql, [match, *params, limit]).fetchall()
        if not rows:
            return []
        best = -rows[0][1] or 1.0
        return [(row[0], max(-row[1], 0.0) / best if best > 0 else 1.0) for row in rows]
    sql = f"SELECT f.id FROM files f WHERE 1{where} ORDER BY f.path LIMIT ?"
    return [(row[0], 1.0) for row in store.conn.execute(sql, [*params, limit])]


def allowed(store: Store, ids: list[int], query: Query, facets: Facets) -> set[int]:
    """Those of `ids` that pass the facets and excluded terms (for semantic-only hits)."""
    clauses, params = facets.where()
    excluded = query.excluded()
    if excluded:
        clauses.append("f.id NOT IN (SELECT rowid FROM files_fts WHERE files_fts MATCH ?)")
        params.append(excluded)
    out: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        where = " AND ".join([f"f.id IN ({','.join('?' * len(chunk))})", *clauses])
        out.update(row[0] for row in store.conn.execute(f"SELECT f.id FROM files f WHERE {where}", [*chunk, *params]))
    return out


def mix(text: list[tuple[int, float]], semantic: dict[int, float], limit: int) -> list[tuple[int, float]]:
    """Text and meaning together: TEXT_SHARE × text score + the rest × cosine, best first."""
    scores: dict[int, float] = {}
    for file_id, score in text:
        scores[file_id] = TEXT_SHARE * score + (1 - TEXT_SHARE) * max(semantic.get(file_id, 0.0), 0.0)
    cutoff = max(SEMANTIC_FLOOR, max(semantic.values(), default=0.0) - SEMANTIC_BAND)
    for file_id, cosine in semantic.items():
        if file_id not in scores and cosine >= cutoff:
            scores[file_id] = (1 - TEXT_SHARE) * cosine
    return sorted(scores.items(), key=lambda item: -item[1])[:limit]


def fetch(store: Store, ranked: list[tuple[int, float]]):
    records = store.records([file_id for file_id, _ in ranked])
    out = []
    for file_id, score in ranked:
        record = records.get(file_id)
        if record is not None:
            record.score = round(float(score), 6)
            out.append(record)
    return out


def semantic_scores(matrix: np.ndarray, ids: np.ndarray, vector: np.ndarray, top: int) -> dict[int, float]:
    """Cosine of `vector` with each stored embedding (all L2-normalised), the best `top` of them."""
    if matrix.shape[0] == 0:
        return {}
    cosines = matrix @ vector.astype(np.float32)
    count = min(top, cosines.size)
    best = np.argpartition(-cosines, count - 1)[:count]
    return {int(ids[i]): float(cosines[i]) for i in best}


def rows_by_path(store: Store, limit: int) -> list:
    sql = f"SELECT {RECORD_COLUMNS} FROM {FROM_FILES} ORDER BY f.mtime_ns DESC LIMIT ?"
    cursor = store.conn.cursor()
    cursor.row_factory = None
    return [to_record(row) for row in cursor.execute(sql, (limit,))]
