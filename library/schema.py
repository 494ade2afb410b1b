"""The index database: schema, its version and migrations, connection settings, corruption recovery.

One SQLite file in WAL mode, so the desktop, the CLI and scripts read while a scan writes.
`PRAGMA user_version` holds the schema version; `MIGRATIONS[n]` takes a database from version n-1
to n, so an older index is upgraded in place when a newer soundloom opens it.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

SCHEMA_VERSION = 2
BUSY_TIMEOUT_MS = 30_000  # another process (CLI, desktop) may hold the write lock for one batch

# Columns of `files` that full-text search sees; external-content FTS5 reads them by these names.
FTS_COLUMNS = ("fts_name", "fts_folder", "caption", "tags", "meta_text", "prompt", "fts_category")

_V1 = [
    """CREATE TABLE roots (
        id INTEGER PRIMARY KEY,
        path BLOB NOT NULL UNIQUE,           -- os.fsencode of the absolute folder path
        name TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('generated', 'library')),
        added REAL NOT NULL
    )""",
    """CREATE TABLE files (
        id INTEGER PRIMARY KEY,
        root_id INTEGER NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
        path BLOB NOT NULL UNIQUE,           -- os.fsencode of the absolute file path
        name TEXT NOT NULL,                  -- display name (undecodable bytes as U+FFFD)
        folder TEXT NOT NULL,                -- display folder, relative to the root
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        content_hash TEXT NOT NULL,          -- blake3 hex of the file's bytes
        seconds REAL NOT NULL,
        sample_rate INTEGER NOT NULL,
        channels INTEGER NOT NULL,
        subtype TEXT NOT NULL,
        loudness_lufs REAL,                  -- NULL: shorter than 0.4 s, or silent
        peak_dbfs REAL,                      -- NULL: digital silence
        caption TEXT NOT NULL,
        caption_source TEXT NOT NULL,
        catid TEXT,
        category TEXT,
        subcategory TEXT,
        tags TEXT NOT NULL DEFAULT '[]',     -- JSON array of strings
        rating INTEGER NOT NULL DEFAULT 0 CHECK (rating BETWEEN 0 AND 5),
        favourite INTEGER NOT NULL DEFAULT 0,
        prompt TEXT,
        seed INTEGER,
        model TEXT,
        parent TEXT,
        meta_text TEXT NOT NULL DEFAULT '',  -- embedded metadata, for search
        fts_name TEXT NOT NULL DEFAULT '',
        fts_folder TEXT NOT NULL DEFAULT '',
        fts_category TEXT NOT NULL DEFAULT '',
        features BLOB,
        features_version INTEGER,
        pitch_hz REAL,
        embedding BLOB,                      -- float32 [384], L2-normalised, of `caption`
        embedding_model TEXT,
        indexed REAL NOT NULL
    )""",
    "CREATE INDEX files_root ON files(root_id)",
    "CREATE INDEX files_hash ON files(content_hash)",
    "CREATE INDEX files_category ON files(category COLLATE NOCASE)",
    "CREATE INDEX files_mtime ON files(mtime_ns)",
    """CREATE TABLE collections (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        created REAL NOT NULL
    )""",
    """CREATE TABLE collection_files (
        collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
        file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        PRIMARY KEY (collection_id, file_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX collection_files_file ON collection_files(file_id)",
    # Bumped by every change to stored vectors, so a process knows when its in-memory matrices are stale.
    "CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    "INSERT INTO counters VALUES ('vectors', 0)",
    """CREATE TRIGGER files_vectors_insert AFTER INSERT ON files BEGIN
        UPDATE counters SET value = value + 1 WHERE name = 'vectors';
    END""",
    """CREATE TRIGGER files_vectors_delete AFTER DELETE ON files BEGIN
        UPDATE counters SET value = value + 1 WHERE name = 'vectors';
    END""",
    """CREATE TRIGGER files_vectors_update AFTER UPDATE OF features, embedding, root_id ON files BEGIN
        UPDATE counters SET value = value + 1 WHERE name = 'vectors';
    END""",
    f"""CREATE VIRTUAL TABLE files_fts USING fts5(
        {", ".join(FTS_COLUMNS)}, content='files', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3'
    )""",
    f"""CREATE TRIGGER files_fts_insert AFTER INSERT ON files BEGIN
        INSERT INTO files_fts(rowid, {", ".join(FTS_COLUMNS)}) VALUES (new.id, {", ".join("new." + c for c in FTS_COLUMNS)});
    END""",
    f"""CREATE TRIGGER files_fts_delete AFTER DELETE ON files BEGIN
        INSERT INTO files_fts(files_fts, rowid, {", ".join(FTS_COLUMNS)}) VALUES ('delete', old.id, {", ".join("old." + c for c in FTS_COLUMNS)});
    END""",
    f"""CREATE TRIGGER files_fts_update AFTER UPDATE OF {", ".join(FTS_COLUMNS)} ON files BEGIN
        INSERT INTO files_fts(files_fts, rowid, {", ".join(FTS_COLUMNS)}) VALUES ('delete', old.id, {", ".join("old." + c for c in FTS_COLUMNS)});
        INSERT INTO files_fts(rowid, {", ".join(FTS_COLUMNS)}) VALUES (new.id, {", ".join("new." + c for c in FTS_COLUMNS)});
    END""",
]

_V2 = [
    # A caption file added or edited beside an unchanged sound is noticed by its own mtime.
    "ALTER TABLE files ADD COLUMN sidecar_mtime_ns INTEGER NOT NULL DEFAULT 0",
]

MIGRATIONS: dict[int, list[str]] = {1: _V1, 2: _V2}


class NewerIndexError(RuntimeError):
    """The index was written by a newer soundloom; this one will not touch it."""


def connect(path: Path) -> sqlite3.Connection:
    """A connection with the index's settings: WAL, foreign keys, a generous busy timeout, and
    autocommit (transactions are opened explicitly with BEGIN)."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=True)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: a crash loses at most the last commits, never the file
    return conn


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema to SCHEMA_VERSION; returns the version found before."""
    found = conn.execute("PRAGMA user_version").fetchone()[0]
    if found > SCHEMA_VERSION:
        raise NewerIndexError(f"the index has schema version {found}; this soundloom knows up to {SCHEMA_VERSION}")
    if found == SCHEMA_VERSION:
        return found
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Another process may have migrated while this one waited for the lock.
        current = conn.execute("PRAGMA user_version").fetchone()[0]
        for version in range(current + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return found


def check(conn: sqlite3.Connection) -> str | None:
    """None when the database is sound, else what is wrong with it."""
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    problems = [row[0] for row in rows if row[0] != "ok"]
    return "; ".join(problems[:3]) if problems else None


def move_aside(path: Path) -> Path:
    """Rename a broken index (and its WAL and shared-memory files) to `<name>.corrupt-<time>`."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    os.replace(path, target)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.replace(side, target.with_name(target.name + suffix))
    return target
