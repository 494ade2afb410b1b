"""Where the `soundloom` command writes: every unusable `-o` refused before any work starts, an input
never replaced without `--overwrite`, and results readable by others as any program's files are.

In-process (`--local`) on the tiny model, so a check that came too late would show as a generation.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from soundloom.sdk.cli import main

RATE = 16000


@pytest.fixture
def run(tiny_model_path, capfd):
    """main() in this process; (exit code, stdout, stderr) as on the file descriptors, where a C
    library's prints land too."""

    def _run(*args):
        code = main([args[0], "--local", "--model", str(tiny_model_path), "--steps", "2", *args[1:]])
        out, err = capfd.readouterr()
        return code, out, err

    return _run


def _clip(path, seconds=1.0):
    t = np.arange(int(seconds * RATE)) / RATE
    sf.write(path, 0.3 * np.sin(2 * np.pi * 330 * t), RATE, subtype="FLOAT")
    return path


def _umask() -> int:
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def _one_error_line(err: str, *fragments: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("soundloom: error: output: "), err
    assert all(fragment in lines[0] for fragment in fragments), lines[0]


@pytest.mark.parametrize("make, argv, fragments", [
    (lambda d: (d / "renders").mkdir(), ["-o", "{d}/renders"], ["renders is a folder", "[invalid_argument]"]),
    (lambda d: (d / "take.wav").mkdir(), ["-o", "{d}/take.wav"], ["take.wav is a folder", "[invalid_argument]"]),
    (lambda d: None, ["-o", "{d}/missing/take.wav"], ["missing does not exist", "[file_not_found]"]),
    (lambda d: (d / "notes.txt").write_text("x"), ["-o", "{d}/notes.txt/take.wav"], ["notes.txt is not a folder"]),
    (lambda d: None, ["-o", "{d}/take.mp3"], ["take.mp3: allowed extensions are .wav, .flac", "[invalid_argument]"]),
    (lambda d: (d / "take_2.flac").mkdir(), ["-o", "{d}/take.flac", "-n", "3"], ["take_2.flac is a folder"]),
], ids=["folder", "folder-named-wav", "missing-folder", "file-as-folder", "extension", "variation-is-a-folder"])
def test_an_unusable_output_is_one_line_before_any_generation(run, tmp_path, make, argv, fragments):
    make(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    code, out, err = run("generate", "rain", "--seconds", "0.5", *[a.format(d=tmp_path) for a in argv])
    assert code == 2 and out == ""
    _one_error_line(err, *fragments)
    assert sorted(tmp_path.rglob("*")) == before


def test_an_output_folder_without_write_permission_is_refused_before_generating(tiny_model_path, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    command = [sys.executable, "-m", "soundloom.sdk.cli", "generate", "rain", "--local", "--model", str(tiny_model_path),
               "--seconds", "0.5", "--steps", "2", "-o", str(locked / "take.wav")]
    if os.access(locked, os.W_OK):  # root: permissions bind it only inside a user namespace of its own
        if shutil.which("unshare") is None or subprocess.run(["unshare", "--user", "true"]).returncode != 0:
            pytest.skip("running as root without user namespaces: no folder is unwritable for this process")
        command = ["unshare", "--user", *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and done.stdout == ""
    _one_error_line(done.stderr, f"no permission to write in folder {locked}", "[invalid_argument]")
    assert list(locked.iterdir()) == []


@pytest.mark.parametrize("command", [
    ["transfer", "{input}", "wind"],
    ["inpaint", "{input}", "wind", "--region", "0.2:0.4"],
    ["extend", "{input}", "wind", "--seconds", "0.5"],
])
@pytest.mark.parametrize("output, variations", [
    ("{input}", "1"),  # the same name
    ("{d}/sub/../in.wav", "1"),  # another spelling of it
    ("{d}/link.wav", "1"),  # a link to it
    ("{d}/in.wav", "2"),  # -n 2 makes in_1.wav and in_2.wav; in_2.wav is the input below
])
def test_the_input_is_never_replaced_without_overwrite(run, tmp_path, command, output, variations):
    source = _clip(tmp_path / ("in_2.wav" if variations == "2" else "in.wav"))
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.wav").symlink_to(source)
    original = source.read_bytes()
    names = {"input": source, "d": tmp_path}
    code, out, err = run(*[a.format(**names) for a in command], "-o", output.format(**names), "-n", variations)
    assert code == 2 and out == ""
    _one_error_line(err, "is the input file", "--overwrite", "[invalid_argument]")
    assert source.read_bytes() == original
    assert not (tmp_path / "in_1.wav").exists()


def test_overwrite_replaces_the_input_in_one_step_and_writes_through_a_link(run, tmp_path):
    source = _clip(tmp_path / "in.wav")
    os.chmod(source, 0o640)  # a replaced file keeps its permissions, as when any program rewrites it
    link = tmp_path / "link.wav"
    link.symlink_to(source)
    original = source.read_bytes()
    code, out, err = run("transfer", str(link), "wind", "--strength", "0.5", "--seed", "3", "-o", str(link), "--overwrite")
    assert code == 0, err
    assert out.split() == [str(link)]
    assert link.is_symlink() and source.read_bytes() != original
    assert sf.info(source).frames == RATE
    assert stat.S_IMODE(source.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.wav", "link.wav"]  # no temporary file left


def test_results_get_the_mode_any_program_would_give_them(run, tmp_path):
    code, out, err = run("generate", "rain", "--seconds", "0.5", "-n", "2", "-o", str(tmp_path / "take.flac"))
    assert code == 0, err
    expected = 0o666 & ~_umask()
    assert {stat.S_IMODE((tmp_path / f"take_{i}.flac").stat().st_mode) for i in (1, 2)} == {expected}


@pytest.mark.parametrize("content, name, reason", [
    (b"this is not audio", "x.mp3", "its contents are not in an audio format soundloom reads"),
    (b"this is not audio", "x.wav", "its contents are not in an audio format soundloom reads"),
    (bytes(range(256)) * 20, "x.ogg", "its contents are not in an audio format soundloom reads"),
    (b"", "empty.flac", "its contents are not in an audio format soundloom reads"),
])
def test_a_file_that_is_not_audio_is_one_line_naming_it(run, tmp_path, content, name, reason):
    (tmp_path / name).write_bytes(content)
    code, out, err = run("transfer", str(tmp_path / name), "wind", "-o", str(tmp_path / "t.wav"))
    assert code == 2 and out == ""
    assert err == f"soundloom: error: input: {name} is not a readable audio file ({reason}) [unreadable_audio]\n"


def test_a_folder_or_a_pipe_as_input_is_one_line_and_never_read(run, tmp_path):
    (tmp_path / "folder.wav").mkdir()
    os.mkfifo(tmp_path / "pipe.wav")  # reading it would block for ever
    code, _, err = run("transfer", str(tmp_path / "folder.wav"), "wind", "-o", str(tmp_path / "t.wav"))
    folder = tmp_path / "folder.wav"
    assert code == 2 and err == f"soundloom: error: input: {folder} is a folder, not an audio file [invalid_argument]\n"
    code, _, err = run("transfer", str(tmp_path / "pipe.wav"), "wind", "-o", str(tmp_path / "t.wav"))
    assert code == 2 and err == "soundloom: error: input: pipe.wav is not a regular file [unreadable_audio]\n"
