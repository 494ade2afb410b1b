"""Library roots: a local engine reads any folder its user can; one reachable from other machines
(--allow-remote) reads only below its roots, and its refusal says how to allow a folder."""

from __future__ import annotations

import shlex
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from soundloom.daemon.finetune_request import everywhere, library_folder
from soundloom.daemon.serve import build_parser, library_roots
from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.settings.store import load, set_value


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("SOUNDLOOM_CONFIG_DIR", str(tmp_path / "config"))
    return lambda: load()


def test_a_local_engine_reads_any_folder_whatever_roots_are_given(tmp_path, settings):
    args = build_parser().parse_args(["--library-root", str(tmp_path / "only-here")])
    roots = library_roots(args, settings())
    assert roots == everywhere()
    outside = tmp_path / "drive" / "Foley"
    outside.mkdir(parents=True)
    assert library_folder(str(outside), roots) == outside.resolve()


def test_a_remote_engine_uses_the_command_line_then_the_settings_then_home(tmp_path, settings):
    assert library_roots(build_parser().parse_args(["--allow-remote"]), settings()) == [Path.home()]
    set_value("library_roots", [str(tmp_path)])
    assert library_roots(build_parser().parse_args(["--allow-remote"]), settings()) == [tmp_path]
    given = build_parser().parse_args(["--allow-remote", "--library-root", "/srv/sounds"])
    assert library_roots(given, settings()) == [Path("/srv/sounds")]


def test_a_refused_folder_says_exactly_how_to_allow_it(tmp_path):
    root = tmp_path / "libraries"
    root.mkdir()
    outside = tmp_path / "other drive" / "Foley"
    outside.mkdir(parents=True)
    with pytest.raises(SoundloomError) as caught:
        library_folder(str(outside), [root])
    error = caught.value
    assert error.code is ErrorCode.PATH_NOT_ALLOWED and error.field == "folder"
    assert f"is outside the library roots ({root})" in error.message
    assert f"--library-root {shlex.quote(str(outside))}" in error.message
    command = error.message.split("`")[1]
    assert shlex.split(command) == ["soundloom", "config", "set", "library_roots", str(root), str(outside)]
    assert library_folder(str(root), [root]) == root  # the root itself is inside


@pytest.mark.slow  # starts its own engine
def test_a_local_engine_previews_a_folder_outside_its_roots_and_serves_the_chosen_precision(
        make_daemon, connect, tmp_path):
    library = tmp_path / "elsewhere" / "Foley"
    library.mkdir(parents=True)
    rate = 16000
    sf.write(library / "door.wav", np.sin(np.linspace(0, 400, rate // 2)).astype(np.float32) * 0.3, rate)
    engine = make_daemon("--library-root", str(tmp_path / "libraries"), "--precision", "fp32")
    peer = connect(engine.start())
    reply = peer.request("library_preview_request", {"folder": str(library)}, timeout=120)["content"]
    assert reply["status"] == "ok", reply
    assert [clip["path"] for clip in reply["clips"]] == ["door.wav"]
    info = peer.request("info_request", channel="control", timeout=120)["content"]
    assert info["dtype"] == "float32"
