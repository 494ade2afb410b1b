"""The index file: where it lives, its schema version, a damaged file moved aside and rebuilt."""

from __future__ import annotations

import os
import sqlite3

import pytest

from soundloom.library import LibraryIndex
from soundloom.library.schema import SCHEMA_VERSION, NewerIndexError

from .conftest import NoEngine, tone


def test_the_default_index_lives_in_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SOUNDLOOM_DATA_DIR", str(tmp_path / "data"))
    with LibraryIndex.open(embedder=NoEngine()) as index:
        assert index.path == tmp_path / "data" / "library.sqlite3"
        assert index.generated == (tmp_path / "data" / "generated").resolve() and index.generated.is_dir()
        assert [(r.name, r.kind) for r in index.roots()] == [("Generated", "generated")]
    conn = sqlite3.connect(tmp_path / "data" / "library.sqlite3")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_a_corrupt_index_is_moved_aside_and_rebuilt_with_its_folders(open_index, library, tmp_path):
    db = tmp_path / "data" / "library.sqlite3"
    index = open_index(db)
    index.add_root(library)
    index.scan()
    index.close()
    size = db.stat().st_size
    with open(db, "r+b") as f:  # overwrite the middle of the file: pages the schema and rows live on
        f.seek(size // 3)
        f.write(os.urandom(size // 3))
    with open(db, "r+b") as f:
        f.seek(0)
        f.write(b"not a database at all" + bytes(80))
    index = open_index(db)
    assert index.notice and "damaged" in index.notice and "corrupt-" in index.notice
    aside = [p.name for p in db.parent.iterdir() if ".corrupt-" in p.name]
    assert len(aside) >= 1 and any(name.startswith("library.sqlite3.corrupt-") for name in aside)
    assert [r.path for r in index.roots() if r.kind == "library"] == [str(library)]
    assert index.count() == 0 and index.scan().added == 5 and index.count() == 5


def test_an_index_from_a_newer_soundloom_is_refused(tmp_path):
    db = tmp_path / "library.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(NewerIndexError):
        LibraryIndex.open(db, embedder=NoEngine())


def test_two_indexes_on_one_file_see_each_others_changes(open_index, tmp_path):
    root = tmp_path / "lib"
    tone(root / "a.wav")
    db = tmp_path / "shared.sqlite3"
    desktop, cli = open_index(db), open_index(db)
    cli.add_root(root)
    cli.scan()
    assert [r.name for r in desktop.search("a")] == ["a.wav"]
    desktop.set_rating(root / "a.wav", 2)
    assert cli.get(root / "a.wav").rating == 2
    assert [r.name for r in desktop.similar(root / "a.wav")] == []


def test_an_index_of_an_older_schema_is_upgraded_in_place(tmp_path, library):
    from soundloom.library.schema import MIGRATIONS

    db = tmp_path / "library.sqlite3"
    conn = sqlite3.connect(db)
    for statement in MIGRATIONS[1]:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO roots(path, name, kind, added) VALUES (?, 'Sounds', 'library', 0)", (os.fsencode(library),))
    conn.commit()
    conn.close()
    with LibraryIndex.open(db, embedder=NoEngine()) as index:
        assert [r.path for r in index.roots() if r.kind == "library"] == [str(library)]
        assert index.scan().added == 5 and index.scan().unchanged == 5
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_the_library_never_imports_torch_qt_or_the_engine(tmp_path, library):
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from soundloom.library import LibraryIndex\n"
        f"index = LibraryIndex.open({str(tmp_path / 'i.sqlite3')!r}, connection_file={str(tmp_path / 'none.json')!r})\n"
        f"index.add_root({str(library)!r}); index.scan(); index.search('door'); index.similar(index.search()[0].path)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'PyQt6', 'diffusers', 'transformers')"
        " or m.startswith('soundloom.engine')]\n"
        "print(bad)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"
