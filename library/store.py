"""The index's rows: reading and writing the database, one connection per thread.

sqlite3 connections must stay in the thread that made them, so each thread gets its own
(`threading.local`); WAL lets them read while one writes. Writes from this process also take
`write_lock`, so two threads never wait on SQLite's file lock for each other; other processes
(the CLI beside the desktop) wait through the busy timeout, which covers one batch.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from soundloom.library import features as feats
from soundloom.library.captions import words_of
from soundloom.library.paths import display, from_key, key
from soundloom.library.records import SoundRecord
from soundloom.library.schema import connect, migrate

RECORD_COLUMNS = (
    "f.id, f.path, f.name, f.folder, f.seconds, f.sample_rate, f.channels, f.subtype, f.loudness_lufs, f.peak_dbfs, "
    "f.caption, f.caption_source, f.catid, f.category, f.subcategory, f.tags, f.rating, f.favourite, f.mtime_ns, "
    "f.prompt, f.seed, f.model, f.parent, f.size, f.content_hash, f.pitch_hz, r.path AS root_path"
)
FROM_FILES = "files f JOIN roots r ON r.id = f.root_id"


def search_words(text: str) -> str:
    """A name as searchable words: the text itself plus its camelCase parts ("DOORWood" → "DOOR Wood")."""
    return f"{text} {' '.join(words_of(text))}"


def to_record(row) -> SoundRecord:
    """A SoundRecord from a row of RECORD_COLUMNS, positional (a plain tuple is several times faster
    to build than a sqlite3.Row read by name, which counts when a search returns hundreds)."""
    (file_id, path, name, _folder, seconds, sample_rate, channels, subtype, loudness, peak, caption, source, catid,
     category, subcategory, tags, rating, favourite, mtime_ns, prompt, seed, model, parent, size, digest, pitch,
     root_path) = row
    path = from_key(path)
    return SoundRecord(
        path=path, root=_root_text(root_path), name=name, folder=os.path.dirname(path), seconds=seconds,
        sample_rate=sample_rate, channels=channels, subtype=subtype, loudness_lufs=loudness, peak_dbfs=peak,
        caption=caption, caption_source=source, category=category, subcategory=subcategory,
        tags=json.loads(tags) if tags != "[]" else [], rating=rating, favourite=bool(favourite),
        modified=mtime_ns / 1e9, prompt=prompt, seed=seed, model=model, parent=parent, catid=catid, size=size,
        content_hash=digest, pitch_hz=pitch, id=file_id,
    )


@functools.lru_cache(maxsize=256)
def _root_text(stored: bytes) -> str:
    return from_key(stored)


def _plain(conn: sqlite3.Connection) -> sqlite3.Cursor:
    cursor = conn.cursor()
    cursor.row_factory = None
    return cursor


class Store:
    def __init__(self, path: Path):
        self.path = path
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self.write_lock = threading.RLock()
        migrate(self.conn)

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path)
            self._local.conn = conn
            with self._connections_lock:
                self._connections.append(conn)
        return conn

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end or at interpreter exit)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
            with self._connections_lock:
                self._connections.remove(conn)

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: committed on success, rolled back on any error."""
        with self.write_lock:
            conn = self.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # ------------------------------------------------------------------ roots

    def root_rows(self) -> list[sqlite3.Row]:
        return self.conn.execute("SELECT id, path, name, kind FROM roots ORDER BY kind = 'library', name").fetchall()

    def add_root(self, folder: str, name: str, kind: str) -> None:
        with self.writing() as conn:
            conn.execute("INSERT INTO roots(path, name, kind, added) VALUES (?, ?, ?, ?) ON CONFLICT(path) DO NOTHING",
                         (key(folder), name, kind, time.time()))

    def remove_root(self, folder: str) -> bool:
        with self.writing() as conn:
            return conn.execute("DELETE FROM roots WHERE path = ? AND kind = 'library'", (key(folder),)).rowcount > 0

    def root_counts(self) -> dict[int, tuple[int, float]]:
        rows = self.conn.execute("SELECT root_id, count(*), coalesce(sum(seconds), 0) FROM files GROUP BY root_id")
        return {row[0]: (row[1], row[2]) for row in rows}

    # ------------------------------------------------------------------ files

    def file_states(self) -> dict[bytes, tuple[int, int, int, str, int, int]]:
        """path key → (id, size, mtime_ns, content hash, root id, sidecar mtime_ns) of every indexed file."""
        rows = self.conn.execute("SELECT path, id, size, mtime_ns, content_hash, root_id, sidecar_mtime_ns FROM files")
        return {row[0]: tuple(row[1:]) for row in rows}

    def write_batch(self, items: list[tuple[str, tuple]]) -> None:
        now = time.time()
        with self.writing() as conn:
            for kind, args in items:
                if kind == "upsert":
                    self._upsert(conn, *args, now)
                else:
                    self._move(conn, *args)

    def _upsert(self, conn: sqlite3.Connection, root, item, facts, now: float) -> None:
        path_key = key(item.path)
        relative_folder = os.path.dirname(item.relative)
        name = display(os.path.basename(item.path))
        generated = facts.generated
        seed = generated.get("seed")
        values = {
            "root_id": root["id"], "path": path_key, "name": name, "folder": display(relative_folder),
            "size": facts.size, "mtime_ns": facts.mtime_ns, "content_hash": facts.content_hash,
            "seconds": facts.seconds, "sample_rate": facts.sample_rate, "channels": facts.channels,
            "subtype": facts.subtype, "loudness_lufs": facts.loudness_lufs, "peak_dbfs": facts.peak_dbfs,
            "caption": facts.caption, "caption_source": facts.caption_source, "catid": facts.catid,
            "category": facts.category, "subcategory": facts.subcategory,
            "prompt": str(generated["prompt"]) if generated.get("prompt") is not None else None,
            "seed": int(seed) if isinstance(seed, (int, float)) and not isinstance(seed, bool) else None,
            "model": str(generated["model"]) if generated.get("model") is not None else None,
            "parent": str(generated["parent"]) if generated.get("parent") is not None else None,
            "meta_text": facts.meta_text, "fts_name": search_words(os.path.splitext(name)[0]),
            "fts_folder": " ".join(words_of(display(relative_folder).replace(os.sep, " "))),
            "fts_category": " ".join(x for x in (facts.catid, facts.category, facts.subcategory) if x),
            "features": facts.features, "features_version": feats.VERSION, "pitch_hz": facts.pitch_hz,
            "sidecar_mtime_ns": item.sidecar_mtime_ns, "indexed": now,
        }
        # Text made from a name that is not UTF-8 holds surrogate escapes, which SQLite cannot store.
        values = {k: display(v) if isinstance(v, str) else v for k, v in values.items()}
        columns = ", ".join(values)
        marks = ", ".join(f":{c}" for c in values)
        # A changed file keeps what the user gave it (rating, tags, favourite, collections, own caption).
        updates = ", ".join(
            f"{c} = excluded.{c}" for c in values if c not in ("path", "caption", "caption_source"))
        conn.execute(
            f"INSERT INTO files({columns}) VALUES ({marks}) ON CONFLICT(path) DO UPDATE SET {updates}, "
            "caption = CASE WHEN files.caption_source = 'user' THEN files.caption ELSE excluded.caption END, "
            "caption_source = CASE WHEN files.caption_source = 'user' THEN 'user' ELSE excluded.caption_source END, "
            "embedding = CASE WHEN files.caption_source = 'user' OR files.caption = excluded.caption "
            "THEN files.embedding ELSE NULL END",
            values,
        )

    def _move(self, conn: sqlite3.Connection, old_key: bytes, root, item) -> None:
        from soundloom.library.captions import choose_caption
        from soundloom.library.ucs import parse_ucs, ucs_caption

        name = display(os.path.basename(item.path))
        relative_folder = os.path.dirname(item.relative)
        row = conn.execute("SELECT caption, caption_source FROM files WHERE path = ?", (old_key,)).fetchone()
        caption, source = row["caption"], row["caption_source"]
        ucs = parse_ucs(Path(item.relative).stem)
        if source in ("names", "ucs", "sidecar"):  # made from the old name or place: make it again
            caption, source = choose_caption(Path(item.path), Path(item.relative), None,
                                             ucs_caption(ucs) if ucs else None, "ucs")
        caption = display(caption)
        conn.execute(
            "UPDATE files SET path = ?, root_id = ?, name = ?, folder = ?, mtime_ns = ?, sidecar_mtime_ns = ?, "
            "fts_name = ?, fts_folder = ?, "
            "caption = ?, caption_source = ?, catid = ?, category = ?, subcategory = ?, fts_category = ?, "
            "embedding = CASE WHEN caption = ? THEN embedding ELSE NULL END WHERE path = ?",
            (key(item.path), root["id"], name, display(relative_folder), item.stat.st_mtime_ns, item.sidecar_mtime_ns,
             search_words(os.path.splitext(name)[0]), " ".join(words_of(display(relative_folder).replace(os.sep, " "))),
             caption, source, ucs.catid if ucs else None, ucs.category if ucs else None,
             ucs.subcategory if ucs else None,
             " ".join(x for x in ((ucs.catid, ucs.category, ucs.subcategory) if ucs else ()) if x), caption, old_key),
        )

    def remove_files(self, keys: list[bytes]) -> int:
        removed = 0
        with self.writing() as conn:
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                marks = ",".join("?" * len(chunk))
                removed += conn.execute(f"DELETE FROM files WHERE path IN ({marks})", chunk).rowcount
        return removed

    def record(self, path: str) -> SoundRecord | None:
        row = _plain(self.conn).execute(f"SELECT {RECORD_COLUMNS} FROM {FROM_FILES} WHERE f.path = ?", (key(path),)).fetchone()
        return to_record(row) if row is not None else None

    def records(self, ids: list[int]) -> dict[int, SoundRecord]:
        out = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for row in _plain(self.conn).execute(f"SELECT {RECORD_COLUMNS} FROM {FROM_FILES} WHERE f.id IN ({marks})", chunk):
                out[row[0]] = to_record(row)
        return out

    def counter(self, name: str = "vectors") -> int:
        return self.conn.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()[0]
