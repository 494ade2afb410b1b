"""Whatever a library holds, a scan keeps going, says what it skipped and why, and writes nothing there."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from soundloom.library import LibraryIndex

from .conftest import fingerprint, noise, tone


@pytest.fixture
def messy(tmp_path):
    root = tmp_path / "Messy"
    tone(root / "good.wav")
    (root / "empty.wav").write_bytes(b"")
    (root / "garbage.wav").write_bytes(os.urandom(3000))
    whole = tone(root / "whole.wav", seconds=1.0).read_bytes()
    (root / "truncated.wav").write_bytes(whole[:44])  # header only: every frame is gone
    (root / "cut.wav").write_bytes(whole[: len(whole) // 2])  # half the data: what is there is indexed
    (root / "notes.txt").write_text("not audio")
    noise(root / ".hidden.wav")
    bad_name = os.fsencode(root) + b"/caf\xe9_bell.wav"  # Latin-1 bytes: not UTF-8
    tone(root / "bell.wav", 660)
    os.rename(root / "bell.wav", bad_name)
    (root / "Sub").mkdir()
    tone(root / "Sub" / "inner.wav")
    os.symlink(root, root / "Sub" / "back_up")  # a loop
    os.symlink(root / "nowhere.wav", root / "dangling.wav")
    return root


def test_bad_files_are_skipped_with_reasons_and_the_rest_indexed(open_index, messy):
    index = open_index()
    index.add_root(messy)
    before = fingerprint(messy)
    report = index.scan()
    reasons = {os.path.basename(path): reason for path, reason in report.skipped}
    assert reasons["empty.wav"] == "empty file (zero bytes)"
    assert reasons["garbage.wav"].startswith("unreadable (")
    assert reasons["truncated.wav"].startswith(("no audio", "unreadable"))
    assert reasons["back_up"] == "folder already scanned (symlink loop)"
    assert reasons["dangling.wav"] == "broken link"
    names = sorted(r.name for r in index.search(limit=100))
    assert names == ["caf\ufffd_bell.wav", "cut.wav", "good.wav", "inner.wav", "whole.wav"]
    assert fingerprint(messy) == before


def test_a_name_that_is_not_utf8_is_found_again_by_its_real_path(open_index, messy):
    index = open_index()
    index.add_root(messy)
    index.scan()
    path = os.fsdecode(os.fsencode(messy) + b"/caf\xe9_bell.wav")
    record = index.get(path)
    assert record.path == path and os.path.exists(record.path)
    index.set_rating(path, 3)
    assert index.similar(path, limit=1)[0].path != path
    os.rename(path, messy / "bell_renamed.wav")
    assert index.scan().moved == 1 and index.get(messy / "bell_renamed.wav").rating == 3


SCAN = textwrap.dedent("""
    import json, sys
    from soundloom.library import LibraryIndex
    from tests.library.conftest import NoEngine

    with LibraryIndex.open(sys.argv[1], embedder=NoEngine()) as index:
        index.add_root(sys.argv[2])
        reports = [index.scan().to_dict() for _ in range(2)]
    print(json.dumps(reports))
""")


def _read_only_scan(db, root) -> list[dict]:
    """Scan `root` twice in a child process for which the tree is read-only: a read-only bind mount
    in a mount namespace of its own when running as root (file modes do not stop root), else modes."""
    source = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if os.geteuid() == 0:
        if not shutil.which("unshare"):
            pytest.skip("running as root without unshare: the tree cannot be made read-only")
        command = ["unshare", "--mount", "sh", "-c",
                   'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" "$1" && shift && exec "$@"', "sh",
                   str(root), sys.executable, "-c", SCAN, str(db), str(root)]
    else:
        for folder, _, files in os.walk(root):
            for name in files:
                if not os.path.islink(os.path.join(folder, name)):
                    os.chmod(os.path.join(folder, name), 0o444)
            os.chmod(folder, 0o555)
        command = [sys.executable, "-c", SCAN, str(db), str(root)]
    try:
        result = subprocess.run(command, cwd=source, capture_output=True, timeout=120)
    finally:
        for folder, _, _ in os.walk(root):
            os.chmod(folder, 0o755)
    if result.returncode != 0 and b"mount" in result.stderr and os.geteuid() == 0:
        pytest.skip(f"no read-only mount here: {result.stderr.decode()[-200:]}")
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    return json.loads(result.stdout)


def test_a_read_only_library_is_indexed_and_left_exactly_as_it_was(messy, tmp_path):
    before = fingerprint(messy)
    first, second = _read_only_scan(tmp_path / "data" / "library.sqlite3", messy)
    assert first["added"] == 5 and second["unchanged"] == 5
    assert fingerprint(messy) == before


def test_an_unreadable_folder_is_reported_and_its_sounds_kept(open_index, tmp_path, monkeypatch):
    root = tmp_path / "lib"
    tone(root / "Locked" / "a.wav")
    tone(root / "b.wav")
    index = open_index()
    index.add_root(root)
    index.scan()
    os.chmod(root / "Locked", 0)
    if os.geteuid() == 0:
        # Root reads every folder whatever its mode, so the denial the mode asks for is made here.
        real_scandir = os.scandir

        def scandir(path="."):
            if os.fspath(path) == os.fspath(root / "Locked"):
                raise PermissionError(13, "Permission denied", os.fspath(path))
            return real_scandir(path)

        monkeypatch.setattr(os, "scandir", scandir)
    try:
        report = index.scan()
        assert any(reason.startswith("unreadable folder") for _, reason in report.skipped)
        assert report.removed == 0 and index.count() == 2
    finally:
        os.chmod(root / "Locked", 0o755)


def test_a_folder_removed_while_scanning(open_index, tmp_path):
    root = tmp_path / "lib"
    for i in range(6):
        tone(root / "Going" / f"g{i}.wav", 200 + i * 50, seconds=0.2)
    tone(root / "a_first.wav", seconds=0.2)
    index = open_index()
    index.add_root(root)

    def progress(done, total, path):
        if done == 1 and (root / "Going").exists():
            shutil.rmtree(root / "Going")

    report = index.scan(progress=progress)
    assert not report.cancelled
    read_before = index.count() - 1  # files analysed before the folder went are indexed, the rest skipped
    assert report.added == 1 + read_before and len(report.skipped) == 6 - read_before
    assert all("Going" in path and reason == "vanished while scanning" for path, reason in report.skipped)
    assert index.scan().removed == read_before
    assert [r.name for r in index.search(limit=50)] == ["a_first.wav"]


KILLER = textwrap.dedent("""
    import os, signal, sys
    from soundloom.library import LibraryIndex, scanner
    from tests.library.conftest import NoEngine

    scanner.BATCH_FILES = 4
    index = LibraryIndex.open(sys.argv[1], embedder=NoEngine())

    def progress(done, total, path):
        if done == int(sys.argv[2]):
            os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no commit: as hard as a crash

    index.scan(progress=progress)
""")


def test_a_scan_killed_halfway_loses_at_most_one_batch_and_the_next_resumes(tmp_path):
    root = tmp_path / "lib"
    for i in range(20):
        tone(root / f"tone_{i:02d}.wav", 200 + 15 * i, seconds=0.2)
    db = tmp_path / "data" / "library.sqlite3"
    with LibraryIndex.open(db, embedder=None) as index:
        index.add_root(root)
    root_dir = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    result = subprocess.run([sys.executable, "-c", KILLER, str(db), "11"], cwd=root_dir, capture_output=True, timeout=120)
    assert result.returncode == -9, result.stderr.decode()[-2000:]
    from .conftest import NoEngine

    with LibraryIndex.open(db, embedder=NoEngine()) as index:
        kept = index.count()
        assert 11 - 4 <= kept <= 11  # batches of 4: at most the batch in progress is lost
        report = index.scan()
        assert (report.unchanged, report.added, index.count()) == (kept, 20 - kept, 20)
