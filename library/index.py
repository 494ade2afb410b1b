"""`LibraryIndex`: every sound the user has, in one SQLite index shared by the desktop, the CLI and
scripts. Safe to use from several threads (one SQLite connection per thread, see store.py).

    index = LibraryIndex.open()
    index.add_root("~/Sounds/Foley")
    index.scan(progress=lambda done, total, path: ...)
    for sound in index.search('door slam -metal'):
        print(sound.path, sound.caption)
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from pathlib import Path
from typing import Iterable

import numpy as np

from soundloom.library import features as feats
from soundloom.library import schema
from soundloom.library.paths import default_index_path, key
from soundloom.library.query import parse
from soundloom.library.records import LibraryError, Root, ScanReport, SearchResults, SoundRecord
from soundloom.library.scanner import Progress, Scan, ScanTask
from soundloom.library.search import SEMANTIC_FLOOR, Facets, allowed, fetch, mix, rows_by_path, semantic_scores, text_hits
from soundloom.library.semantic import MODEL, EmbeddingUnavailable, EngineEmbedder, matrix_of, to_blob
from soundloom.library.similarity import check_weights, rank
from soundloom.library.store import Store
from soundloom.protocol.atomic_files import write_text_atomically
from soundloom.protocol.errors import ErrorCode

log = logging.getLogger("soundloom.library")
ROOTS_BACKUP = "library-roots.json"  # beside the index: the folders survive a rebuilt index
SEMANTIC_CANDIDATES = 2000


class LibraryIndex:
    def __init__(self, store: Store, generated: Path, notice: str | None, embedder):
        self._store = store
        self.path = store.path
        self.generated = generated
        self.notice = notice  # set when a corrupt index was moved aside and rebuilt
        self.embedder = embedder
        self._cache_lock = threading.Lock()
        self._vectors: dict[str, tuple[int, np.ndarray, np.ndarray]] = {}  # kind -> (counter, ids, matrix)
        self._scan_lock = threading.Lock()
        self._task: ScanTask | None = None

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, path: str | os.PathLike | None = None, *, generated: str | os.PathLike | None = None,
             connection_file: str | os.PathLike | None = None, embedder=None) -> "LibraryIndex":
        """Open (creating or upgrading) the index at `path` (default: `<data dir>/library.sqlite3`).

        `generated` is the folder where generated sounds are saved (default: `generated/` beside
        the index); it is always a root named "Generated". Captions are embedded through the engine
        of `connection_file` (default: the user's engine) when one runs; `embedder` replaces that
        (any object with `embed(texts) -> float32 [n, 384]`). A corrupt database is moved aside as
        `<name>.corrupt-<time>`, a new one built with the same folders, and `notice` says so.
        """
        path = Path(path).expanduser() if path is not None else default_index_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        generated = Path(generated).expanduser() if generated is not None else path.parent / "generated"
        generated.mkdir(parents=True, exist_ok=True)
        notice = None
        try:
            store = cls._open_store(path)
        except sqlite3.DatabaseError as exc:
            aside = schema.move_aside(path)
            notice = (f"the library index was damaged ({exc}); it was moved to {aside.name} and a new one "
                      "is being built: ratings, tags and collections are lost, folders are kept")
            log.warning(notice)
            store = cls._open_store(path)
        index = cls(store, generated.resolve(), notice, embedder or EngineEmbedder(connection_file))
        index._ensure_roots()
        return index

    @staticmethod
    def _open_store(path: Path) -> Store:
        if path.exists() and path.stat().st_size > 0:
            probe = schema.connect(path)
            try:
                problem = schema.check(probe)
            finally:
                probe.close()
            if problem:
                raise sqlite3.DatabaseError(problem)
        return Store(path)

    def _ensure_roots(self) -> None:
        self._store.add_root(str(self.generated), "Generated", "generated")
        backup = self.path.with_name(ROOTS_BACKUP)
        if self.notice and backup.exists():
            try:
                for folder in json.loads(backup.read_text(encoding="utf-8")):
                    self._store.add_root(folder, Path(folder).name or folder, "library")
            except (OSError, ValueError):
                pass
        self._save_roots()

    def _save_roots(self) -> None:
        folders = [os.fsdecode(row["path"]) for row in self._store.root_rows() if row["kind"] == "library"]
        backup = self.path.with_name(ROOTS_BACKUP)
        try:
            write_text_atomically(backup, json.dumps(folders, ensure_ascii=False), errors="surrogateescape", sync=False)
        except OSError:
            log.warning("could not write %s", backup)

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task.wait()
        self._store.close()
        closer = getattr(self.embedder, "close", None)
        if closer is not None:
            closer()

    def __enter__(self) -> "LibraryIndex":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ roots

    def add_root(self, folder: str | os.PathLike) -> Root:
        """Cover `folder` (and everything below it) from the next scan on."""
        path = os.path.realpath(os.path.expanduser(os.fspath(folder)))
        if not os.path.isdir(path):
            raise LibraryError("folder", f"{path} is not a folder", ErrorCode.FILE_NOT_FOUND)
        for root in self.roots():
            if root.path == path:
                return root
            inside = path.startswith(root.path.rstrip(os.sep) + os.sep)
            if inside:
                raise LibraryError("folder", f"{path} is already covered by {root.name} ({root.path})")
            if root.path.startswith(path.rstrip(os.sep) + os.sep) and root.kind == "library":
                raise LibraryError("folder", f"{path} holds the library folder {root.path}; remove that first")
        self._store.add_root(path, os.path.basename(path.rstrip(os.sep)) or path, "library")
        self._save_roots()
        return next(r for r in self.roots() if r.path == path)

    def remove_root(self, folder: str | os.PathLike) -> None:
        """Forget `folder` and its sounds (the files themselves are not touched)."""
        path = os.path.realpath(os.path.expanduser(os.fspath(folder)))
        if path == str(self.generated):
            raise LibraryError("folder", "the Generated folder is always part of the library")
        if not self._store.remove_root(path):
            raise LibraryError("folder", f"{path} is not a library folder; see `soundloom library list`")
        self._save_roots()

    def roots(self) -> list[Root]:
        counts = self._store.root_counts()
        out = []
        for row in self._store.root_rows():
            path = os.fsdecode(row["path"])
            files, seconds = counts.get(row["id"], (0, 0.0))
            out.append(Root(path, row["name"], row["kind"], files, seconds, os.path.isdir(path)))
        return out

    # ------------------------------------------------------------------ scanning

    def start_scan(self, progress: Progress | None = None, cancel: threading.Event | None = None,
                   embed: bool = True) -> ScanTask:
        """Scan every root on a background thread; returns at once. A scan already running in this
        index is returned instead of starting another. `progress(done, total, path)` is called
        on the scan's thread."""
        with self._scan_lock:
            if self._task is not None and self._task.running:
                return self._task
            scan = Scan(self, progress, cancel)
            done = threading.Event()
            task = ScanTask(scan, done)

            def run() -> None:
                try:
                    scan.run()
                    if embed and not scan.report.cancelled:
                        self._embed_missing(scan.report, scan.cancel)
                except BaseException as exc:  # handed to whoever waits for the report
                    task.error = exc
                    log.exception("library scan failed")
                finally:
                    self._store.close()
                    done.set()

            self._task = task
            threading.Thread(target=run, name="soundloom-library-scan", daemon=True).start()
            return task

    def scan(self, progress: Progress | None = None, cancel: threading.Event | None = None,
             embed: bool = True) -> ScanReport:
        """Scan every root (on a background thread) and wait for the report. Cancelling through
        `cancel` stops after the current file; the report then has `cancelled` set."""
        return self.start_scan(progress, cancel, embed).wait()

    def embed_missing(self) -> int:
        """Embed the captions that have no embedding yet (needs a running engine); returns how many."""
        report = ScanReport()
        self._embed_missing(report, threading.Event())
        if report.notices:
            raise EmbeddingUnavailable(report.notices[-1])
        return report.embedded

    def _embed_missing(self, report: ScanReport, cancel: threading.Event) -> None:
        while not cancel.is_set():
            rows = self._store.conn.execute(
                "SELECT id, caption FROM files WHERE embedding IS NULL ORDER BY id LIMIT 256").fetchall()
            if not rows:
                return
            try:
                vectors = self.embedder.embed([row["caption"] for row in rows])
            except EmbeddingUnavailable as exc:
                report.notices.append(f"captions not embedded for semantic search: {exc}")
                return
            with self._store.writing() as conn:
                conn.executemany(
                    "UPDATE files SET embedding = ?, embedding_model = ? WHERE id = ? AND caption = ?",
                    [(to_blob(v), MODEL, row["id"], row["caption"]) for row, v in zip(rows, vectors)])
            report.embedded += len(rows)

    # ------------------------------------------------------------------ reading

    def get(self, path: str | os.PathLike) -> SoundRecord | None:
        return self._store.record(os.path.abspath(os.fspath(path)))

    def recent(self, limit: int = 50) -> list[SoundRecord]:
        """The most recently modified sounds, newest first."""
        return rows_by_path(self._store, limit)

    def categories(self) -> list[tuple[str, int]]:
        """(UCS category, number of sounds) of every category present, by name."""
        rows = self._store.conn.execute(
            "SELECT category, count(*) FROM files WHERE category IS NOT NULL GROUP BY category ORDER BY category")
        return [(row[0], row[1]) for row in rows]

    def collections(self) -> list[str]:
        return [row[0] for row in self._store.conn.execute("SELECT name FROM collections ORDER BY name")]

    def collection(self, name: str) -> list[SoundRecord]:
        return self.search(collection=name, limit=1_000_000)

    def count(self) -> int:
        return self._store.conn.execute("SELECT count(*) FROM files").fetchone()[0]

    # ------------------------------------------------------------------ searching

    def search(self, text: str = "", *, category: str | None = None, min_seconds: float | None = None,
               max_seconds: float | None = None, sample_rate: int | None = None, channels: int | None = None,
               folder: str | os.PathLike | None = None, favourites: bool = False, collection: str | None = None,
               limit: int = 500, semantic: bool = True) -> SearchResults:
        """Sounds matching `text` (words = all of them, `-word` excludes, `"a phrase"`, `slam*`) and
        the facets (seconds, Hz), best first; `score` is set. With `semantic`, the meaning of the
        text also counts when an engine can embed it; `.semantic` on the result says whether it did,
        `.notice` why not."""
        query = parse(text)
        facets = Facets(category, min_seconds, max_seconds, sample_rate, channels,
                        os.fspath(folder) if folder is not None else None, favourites, collection)
        limit = max(1, int(limit))
        hits = text_hits(self._store, query, facets, limit if not query.include else max(limit, 200))
        if not (semantic and query.include):
            return SearchResults(fetch(self._store, hits[:limit]))
        try:
            embed_query = getattr(self.embedder, "embed_query", None)
            vector = embed_query(query.meaning()) if embed_query else self.embedder.embed([query.meaning()])[0]
        except EmbeddingUnavailable as exc:
            return SearchResults(fetch(self._store, hits[:limit]), notice=f"text search only: {exc}")
        ids, matrix = self._matrix("embedding")
        if matrix.shape[0] == 0:
            return SearchResults(fetch(self._store, hits[:limit]),
                                 notice="text search only: no captions are embedded yet (scan with an engine running)")
        scores = semantic_scores(matrix, ids, vector, SEMANTIC_CANDIDATES)
        text_ids = {file_id for file_id, _ in hits}
        keep = allowed(self._store, [i for i, s in scores.items() if s >= SEMANTIC_FLOOR and i not in text_ids],
                       query, facets)
        semantic_hits = {i: s for i, s in scores.items() if i in keep or i in text_ids}
        return SearchResults(fetch(self._store, mix(hits, semantic_hits, limit)), semantic=True)

    def similar(self, path: str | os.PathLike, *, region: tuple[float, float] | None = None,
                weights: dict[str, float] | None = None, limit: int = 50) -> list[SoundRecord]:
        """Sounds like the one at `path` (or its `region` (start, end) in seconds), best first;
        `weights` per aspect ("timbre", "pitch", "loudness", "duration"; ≥ 0). `score` is 0–1."""
        try:
            weights = check_weights(weights)
        except ValueError as exc:
            raise LibraryError("weights", str(exc).split(": ", 1)[1]) from None
        path = os.path.abspath(os.fspath(path))
        query = self._features_of(path, region)
        ids, matrix = self._matrix("features")
        scores = rank(matrix, query, weights)
        own = self._store.conn.execute("SELECT id FROM files WHERE path = ?", (key(path),)).fetchone()
        if own is not None and region is None:
            scores = np.where(ids == own[0], -1.0, scores)
        order = np.argsort(-scores)[: max(1, int(limit))]
        return fetch(self._store, [(int(ids[i]), float(scores[i])) for i in order if scores[i] >= 0])

    def _features_of(self, path: str, region: tuple[float, float] | None) -> np.ndarray:
        if region is None:
            row = self._store.conn.execute("SELECT features, features_version FROM files WHERE path = ?",
                                           (key(path),)).fetchone()
            if row is not None and row["features"] is not None and row["features_version"] == feats.VERSION:
                return feats.from_blobs([row["features"]])[0]
        return feats.features_of_file(path, region)

    def _matrix(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """(ids, matrix) of every stored vector in `column`, cached until a vector changes."""
        counter = self._store.counter()
        with self._cache_lock:
            cached = self._vectors.get(column)
            if cached is not None and cached[0] == counter:
                return cached[1], cached[2]
        condition = "features_version = ?" if column == "features" else "embedding_model = ?"
        rows = self._store.conn.execute(
            f"SELECT id, {column} FROM files WHERE {column} IS NOT NULL AND {condition}",
            (feats.VERSION if column == "features" else MODEL,)).fetchall()
        ids = np.array([row[0] for row in rows], dtype=np.int64)
        blobs = [row[1] for row in rows]
        matrix = feats.from_blobs(blobs) if column == "features" else matrix_of(blobs)
        with self._cache_lock:
            self._vectors[column] = (counter, ids, matrix)
        return ids, matrix

    # ------------------------------------------------------------------ the user's own data

    def _update(self, path: str | os.PathLike, sql: str, params: tuple) -> None:
        with self._store.writing() as conn:
            if conn.execute(f"UPDATE files SET {sql} WHERE path = ?", (*params, key(os.fspath(path)))).rowcount == 0:
                raise LibraryError("path", f"{os.fspath(path)} is not in the library index", ErrorCode.FILE_NOT_FOUND)

    def set_rating(self, path: str | os.PathLike, stars: int) -> None:
        """0 (none) to 5 stars."""
        if not isinstance(stars, int) or isinstance(stars, bool) or not 0 <= stars <= 5:
            raise LibraryError("stars", f"{stars!r}; allowed: 0 to 5")
        self._update(path, "rating = ?", (stars,))

    def set_favourite(self, path: str | os.PathLike, on: bool) -> None:
        self._update(path, "favourite = ?", (1 if on else 0,))

    def set_caption(self, path: str | os.PathLike, text: str) -> None:
        """The user's own caption (kept through rescans; the file is not touched). Empty text goes
        back to the caption the file gives."""
        text = " ".join(str(text).split())
        if not text:
            self._update(path, "caption_source = 'names', mtime_ns = 0", ())  # re-read at the next scan
            return
        self._update(path, "caption = ?, caption_source = 'user', "
                           "embedding = CASE WHEN caption = ? THEN embedding ELSE NULL END", (text[:2000], text[:2000]))

    def set_tags(self, path: str | os.PathLike, tags: Iterable[str]) -> None:
        clean = sorted({" ".join(str(t).split()) for t in tags} - {""})
        self._update(path, "tags = ?", (json.dumps(clean, ensure_ascii=False),))

    def add_to_collection(self, name: str, paths: Iterable[str | os.PathLike]) -> None:
        """Put sounds in the collection `name` (created when new)."""
        name = " ".join(str(name).split())
        if not name:
            raise LibraryError("name", "a collection needs a name")
        import time

        with self._store.writing() as conn:
            conn.execute("INSERT INTO collections(name, created) VALUES (?, ?) ON CONFLICT(name) DO NOTHING",
                         (name, time.time()))
            collection_id = conn.execute("SELECT id FROM collections WHERE name = ?", (name,)).fetchone()[0]
            for path in paths:
                row = conn.execute("SELECT id FROM files WHERE path = ?", (key(os.fspath(path)),)).fetchone()
                if row is None:
                    raise LibraryError("paths", f"{os.fspath(path)} is not in the library index")
                conn.execute("INSERT OR IGNORE INTO collection_files VALUES (?, ?)", (collection_id, row[0]))

    def remove_from_collection(self, name: str, paths: Iterable[str | os.PathLike]) -> None:
        with self._store.writing() as conn:
            for path in paths:
                conn.execute("DELETE FROM collection_files WHERE collection_id = (SELECT id FROM collections WHERE "
                             "name = ?) AND file_id = (SELECT id FROM files WHERE path = ?)",
                             (name, key(os.fspath(path))))

    def delete_collection(self, name: str) -> None:
        with self._store.writing() as conn:
            conn.execute("DELETE FROM collections WHERE name = ?", (name,))
