"""Symlinks inside a library cannot lead the engine out of its library roots: every clip a scan
yields resolves inside a root, and each link that leaves them is skipped with that reason."""

import os

import numpy as np
import pytest
import soundfile as sf

from soundloom.engine.training.library import scan_library


def _tone(path, seconds=0.5, rate=16000):
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(seconds * rate)) / rate
    sf.write(path, (0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32), rate)
    return path


@pytest.fixture
def tree(tmp_path):
    """root/allowed: a real clip, links out of the root (a folder, a file, a chain through a link
    inside), links that stay inside the root, and a dangling link; elsewhere/: what must stay unread."""
    root, elsewhere = tmp_path / "root", tmp_path / "elsewhere"
    _tone(root / "allowed" / "door_slam.wav")
    _tone(root / "other" / "kick.wav")
    _tone(elsewhere / "secret_take.wav")
    _tone(elsewhere / "deep" / "private_memo.wav")
    library = root / "allowed"
    os.symlink(elsewhere, library / "escape")
    (library / "sub").mkdir()
    os.symlink(elsewhere / "secret_take.wav", library / "sub" / "link.wav")
    os.symlink(root / "other", library / "inside_folder")
    os.symlink(root / "other" / "kick.wav", library / "inside_file.wav")
    os.symlink(library / "escape", library / "chain")  # inside-looking link to a link that leaves
    os.symlink(root / "missing.wav", library / "dangling.wav")
    return root, library


def test_links_out_of_the_roots_are_skipped_with_the_reason(tree):
    root, library = tree
    scan = scan_library(library, [root])
    clips = sorted(clip.path for clip in scan.clips)
    assert clips == ["door_slam.wav", "inside_file.wav", "inside_folder/kick.wav"]
    reasons = {item["path"]: item["reason"] for item in scan.skipped}
    for path in ("escape", "chain", "sub/link.wav"):
        assert "outside the library roots" in reasons[path], reasons
    assert "dangling.wav" in reasons  # a link to nothing is reported, not listed
    for clip in scan.clips:
        assert os.path.realpath(library / clip.path).startswith(str(root.resolve()) + os.sep)


def test_without_roots_the_library_folder_itself_is_the_limit(tree):
    root, library = tree
    scan = scan_library(library)
    assert sorted(clip.path for clip in scan.clips) == ["door_slam.wav"]
    assert {"inside_folder", "inside_file.wav", "escape", "sub/link.wav"} <= {item["path"] for item in scan.skipped}


def test_library_preview_over_the_wire_lists_nothing_from_outside(tree, tiny_model_path, tmp_path):
    from tests.conftest import Daemon, Peer

    root, library = tree
    (tmp_path / "engine").mkdir()
    # Roots bind only an engine reachable from other machines (a local one reads what its user can).
    daemon = Daemon(tmp_path / "engine", tiny_model_path, "--allow-remote", "--library-root", str(root))
    peer = Peer(daemon.start())
    try:
        reply = peer.request("library_preview_request", {"folder": str(library)})["content"]
        assert reply["status"] == "ok"
        assert sorted(clip["path"] for clip in reply["clips"]) == ["door_slam.wav", "inside_file.wav", "inside_folder/kick.wav"]
        assert not any("secret" in clip["path"] or "private" in clip["path"] for clip in reply["clips"])
        escaped = peer.request("library_preview_request", {"folder": str(library / "escape")})["content"]
        assert escaped["code"] == "path_not_allowed"
    finally:
        peer.close()
        daemon.stop()


def test_fine_tuning_reads_exactly_what_the_preview_lists(tree, tiny_model):
    from soundloom.engine.training.finetune import FinetuneSpec, prepare

    root, library = tree
    spec = FinetuneSpec(folder=str(library), name="x", base="tiny", model_path="unused", adapter_dir="unused",
                        library_roots=[str(root)])
    scan, windows = prepare(spec, tiny_model)
    assert sorted(clip.path for clip in scan.clips) == sorted(clip.path for clip in scan_library(library, [root]).clips)
    assert {os.path.dirname(os.path.realpath(library / clip.path)) for clip in scan.clips} <= {
        str((root / "allowed").resolve()), str((root / "other").resolve())}
    assert windows
