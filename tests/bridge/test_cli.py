"""`soundloom regen` and `soundloom generate --bars/--loop` as a DAW script runs them: exit codes,
one-line errors, --json, and progress files whose final state is always written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from clips import clip_samples, native, read_only_folder, write_clip
from soundloom.bridge import clip as clip_module
from soundloom.sdk.cli import main

FAST = ["--steps", "2", "--guidance", "1"]


@pytest.fixture
def run(bridge_engine, capsys):
    """main(argv) against the session's engine: (exit code, stdout, stderr)."""

    def _run(*argv: str):
        code = main([*argv, "--connection-file", str(bridge_engine.connection_file)])
        out, err = capsys.readouterr()
        return code, out, err

    return _run


def progress_of(path: Path) -> dict:
    return json.loads(path.read_text())


def test_regen_json_and_progress_file(clip_folder, run):
    source = write_clip(clip_folder / "kick.wav", 1.0, 48000, 2, "PCM_24")
    progress = clip_folder / "progress.json"
    code, out, err = run("regen", str(source), "--region", "0.25:0.5", "sub thump", "--seed", "8", *FAST, "--json",
                         "--progress-file", str(progress))
    assert code == 0, err
    result = json.loads(out)
    take = clip_folder / "kick.take-1.wav"
    assert result["takes"] == [str(take)] and result["seed"] == 8 and result["regions"] == [[0.25, 0.5]]
    state = progress_of(progress)
    assert (state["state"], state["progress"], state["takes"], state["exit_code"]) == ("done", 1.0, [str(take)], 0)
    assert read_format_equal(source, take)
    original, made = native(source), native(take)
    first, stop = round(0.25 * 48000), round(0.5 * 48000)
    assert np.array_equal(made[:first], original[:first]) and np.array_equal(made[stop:], original[stop:])
    assert not np.array_equal(made[first:stop], original[first:stop])


def read_format_equal(a: Path, b: Path) -> bool:
    info_a, info_b = sf.info(str(a)), sf.info(str(b))
    return (info_a.samplerate, info_a.channels, info_a.frames, info_a.subtype) == (
        info_b.samplerate, info_b.channels, info_b.frames, info_b.subtype)


def test_again_and_next_variation_need_no_other_arguments(clip_folder, run):
    source = write_clip(clip_folder / "snare.wav", 1.5, 16000, 1, "PCM_16")
    code, out, err = run("regen", str(source), "--bpm", "120", "--time-signature", "6/8", "--region", "1.4:1.6",
                         "rim shot", "--seed", "20", *FAST, "--json")
    assert code == 0, err
    assert json.loads(out)["regions"] == [[0.75, 1.25]]  # beat 4 to beat 6 of a 6/8 bar at 120 BPM
    code, out, err = run("regen", str(source), "--again", "--json")
    assert code == 0, err
    again = json.loads(out)
    assert again["seed"] == 20 and again["regions"] == [[0.75, 1.25]] and again["prompt"] == "rim shot"
    assert np.array_equal(native(again["takes"][0]), native(clip_folder / "snare.take-1.wav"))
    code, out, err = run("regen", str(source), "--next-variation", "--json")
    assert code == 0, err
    assert json.loads(out)["seed"] == 21


def test_in_place_via_the_command_line(clip_folder, run):
    source = write_clip(clip_folder / "loop.aiff", 0.6, 44100, 2, "PCM_24")
    original = source.read_bytes()
    code, out, err = run("regen", str(source), "--region", "0.1:0.3", "--prompt", "-3 dB hiss", "--in-place",
                         "--json", *FAST)
    assert code == 0, err
    result = json.loads(out)
    assert Path(result["backup"]).read_bytes() == original
    assert source.read_bytes() == Path(result["takes"][0]).read_bytes()


def _bad(run, clip_folder, source: Path, *argv: str, progress: bool = True):
    before = {p.name: p.read_bytes() for p in clip_folder.iterdir() if p.is_file()}
    progress_path = clip_folder.parent / "progress.json"
    extra = ("--progress-file", str(progress_path)) if progress else ()
    code, out, err = run(*argv, *extra)
    after = {p.name: p.read_bytes() for p in clip_folder.iterdir() if p.is_file()}
    assert after == before, "a failed command changed or added files"
    assert err.count("\n") == 1 and err.startswith("soundloom"), err
    if progress:
        state = progress_of(progress_path)
        assert state["state"] == "failed" and state["exit_code"] == code
        assert state["message"] and "\n" not in state["message"]
    return code, err


@pytest.mark.parametrize("regions, message", [
    (["0.5:1.5"], r"region\[0\]: 0.5:1.5 ends past the clip; allowed: 0 to 1.000 s"),
    (["0.1:0.5", "0.4:0.6"], r"region\[1\]: 0.4:0.6 overlaps region\[0\]"),
    (["0.5:0.5"], r"region\[0\]: 0.5:0.5 is empty"),
    (["0.6:0.2"], r"ends \(0.200 s\) before it starts"),
    (["x:1"], "is not a position"),
])
def test_bad_regions_exit_2_and_touch_nothing(clip_folder, run, regions, message):
    import re

    source = write_clip(clip_folder / "a.wav", 1.0, 16000, 1)
    argv = ["regen", str(source), "noise", *FAST]
    for region in regions:
        argv += ["--region", region]
    code, err = _bad(run, clip_folder, source, *argv)
    assert code == 2 and re.search(message, err), err


def test_other_bad_input_exits_2(clip_folder, run, monkeypatch):
    source = write_clip(clip_folder / "a.wav", 1.0, 16000, 1)
    mp3 = clip_folder / "song.mp3"
    sf.write(str(mp3), clip_samples(0.5, 16000, 1), 16000, format="MP3")
    cases = [
        (["regen", str(mp3), "--region", "0:0.2", "x"], "input: song.mp3 is a MP3 file, which cannot be written back"),
        (["regen", str(clip_folder / "gone.wav"), "--region", "0:0.2", "x"], "input: no file at"),
        (["regen", str(source), "--again"], "again: no take of a.wav is recorded"),
        (["regen", str(source), "--next-variation"], "next_variation: no take of a.wav is recorded"),
        (["regen", str(source), "--region", "0:0.2"], "prompt: give a PROMPT"),
        (["regen", str(source), "x"], "region: give at least one --region START:END"),
        (["regen", str(source), "--region", "0:0.2", "x", "--in-place", "-n", "2"], "in_place: .* allowed: 1 variation"),
        (["regen", str(source), "--region", "1.1:1.3", "x", "--bpm", "1000"], "bpm: 1000.0 is out of range"),
        (["regen", str(source), "--again", "--seed", "3"], "again: --again repeats the last take's settings; drop --seed"),
        (["regen", str(source), "--region", "0:0.2", "x", "--steps", "5000"], "steps: 5000 is out of range"),
        (["regen", str(source), "--region", "0:0.2", "x", "y"], "unrecognized arguments: y"),
    ]
    for argv, message in cases:
        code, err = _bad(run, clip_folder, source, *argv)
        assert code == 2 and message.split(".*")[0] in err, (argv, err)


def test_a_read_only_folder_exits_2_and_suggests_output_dir(clip_folder, run, tmp_path):
    source = write_clip(clip_folder / "a.wav", 0.6, 16000, 1)
    with read_only_folder(clip_folder):
        code, err = _bad(run, clip_folder, source, "regen", str(source), "--region", "0.1:0.2", "x", *FAST)
    assert code == 2 and "output_dir: no permission to write in folder" in err and "--output-dir" in err
    elsewhere = tmp_path / "takes"
    elsewhere.mkdir()
    with read_only_folder(clip_folder):
        code, out, err = run("regen", str(source), "--region", "0.1:0.2", "x", *FAST, "--output-dir", str(elsewhere))
    assert code == 0, err
    assert out.strip() == str(elsewhere / "a.take-1.wav")


def test_a_file_still_being_written_exits_2(clip_folder, run, monkeypatch):
    source = write_clip(clip_folder / "rec.wav", 0.6, 16000, 1)

    def daw_appends(_seconds):  # the DAW is still recording while the check waits
        with open(source, "ab") as f:
            f.write(b"\0" * 64)

    monkeypatch.setattr(clip_module, "_sleep", daw_appends)
    code, out, err = run("regen", str(source), "--region", "0.1:0.2", "x", *FAST)
    assert code == 2 and "input: rec.wav is still being written" in err
    assert sorted(p.name for p in clip_folder.iterdir()) == ["rec.wav"]


def test_an_unusable_connection_file_is_named(clip_folder, capsys):
    source = write_clip(clip_folder / "a.wav", 0.6, 16000, 1)
    blocked = clip_folder / "not-a-folder"
    blocked.write_text("")
    progress = clip_folder.parent / "progress.json"
    code = main(["regen", str(source), "--region", "0.1:0.2", "x", "--connection-file", str(blocked / "engine.json"),
                 "--progress-file", str(progress)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "not-a-folder/engine.json" in err, err
    assert progress_of(progress)["state"] == "failed"


@pytest.mark.slow  # starts an engine process that fails after importing torch: ~30 s on a loaded machine
def test_an_engine_that_cannot_be_started_is_a_clear_failure(clip_folder, tmp_path, capsys):
    source = write_clip(clip_folder / "a.wav", 0.6, 16000, 1)
    progress = tmp_path / "progress.json"
    code = main(["regen", str(source), "--region", "0.1:0.2", "x", "--connection-file", str(tmp_path / "engine.json"),
                 "--device", "no-such-device", "--progress-file", str(progress)])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1, err
    assert "the engine exited with code 1 before it was ready" in err and "no-such-device" in err, err
    assert progress_of(progress)["state"] == "failed" and progress_of(progress)["exit_code"] == 1
    assert sorted(p.name for p in clip_folder.iterdir()) == ["a.wav"]


@pytest.mark.slow  # starts an engine of its own: ~30 s on a loaded machine
def test_regen_starts_an_engine_when_none_runs_and_stops_it_after(clip_folder, tmp_path, tiny_model_path, capsys):
    source = write_clip(clip_folder / "a.wav", 0.6, 16000, 1)
    connection = tmp_path / "engine.json"
    code = main(["regen", str(source), "--region", "0.1:0.3", "x", *FAST, "--connection-file", str(connection),
                 "--model", str(tiny_model_path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.strip() == str(clip_folder / "a.take-1.wav")
    assert not connection.exists()  # the engine it started was shut down again


def test_a_command_line_that_does_not_parse_still_ends_its_progress_file(tmp_path, capsys):
    progress = tmp_path / "progress.json"
    assert main(["regen", "--region", "0:1", "--progress-file", str(progress), "--seed", "many"]) == 2
    capsys.readouterr()
    state = progress_of(progress)
    assert state["state"] == "failed" and "--seed" in state["message"] and state["exit_code"] == 2


def test_generate_bars_is_exact_and_loops(tmp_path, run):
    out = tmp_path / "four-bars.wav"
    code, stdout, err = run("generate", "kick pattern", "--bars", "2", "--bpm", "120", "--time-signature", "3/4",
                            "-o", str(out), "--seed", "1", *FAST, "--json")
    assert code == 0, err
    assert sf.info(str(out)).frames == 2 * 3 * 8000  # 2 bars × 3 beats × 0.5 s at 16 kHz
    assert json.loads(stdout)["frames"] == 48000
    looped = tmp_path / "loop.flac"
    progress = tmp_path / "progress.json"
    code, stdout, err = run("generate", "pad", "--bars", "1", "--bpm", "96", "--loop", "-o", str(looped),
                            "--sample-rate", "48000", "--seed", "1", *FAST, "--progress-file", str(progress))
    assert code == 0, err
    assert sf.info(str(looped)).frames == round(4 * 60 / 96 * 48000)
    assert progress_of(progress)["takes"] == [str(looped)]


def test_generate_bars_without_tempo_exits_2(tmp_path, run):
    code, out, err = run("generate", "x", "--bars", "2", "-o", str(tmp_path / "x.wav"))
    assert code == 2 and "bpm: --bars needs the tempo" in err
    code, out, err = run("generate", "x", "--bars", "200", "--bpm", "60", "-o", str(tmp_path / "x.wav"))
    assert code == 2 and "bars: 200 bars are 800.00 s; allowed:" in err
    assert not (tmp_path / "x.wav").exists()


def test_sigterm_cancels_and_writes_the_final_state(clip_folder, bridge_engine):
    """A DAW script stops the command: the job is cancelled and the progress file says so."""
    source = write_clip(clip_folder / "long.wav", 2.0, 16000, 1)
    progress = clip_folder.parent / "progress.json"
    command = [sys.executable, "-m", "soundloom.sdk.cli", "regen", str(source), "--region", "0.2:1.8", "slow",
               "--steps", "1000", "--connection-file", str(bridge_engine.connection_file),
               "--progress-file", str(progress)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not (progress.exists() and progress_of(progress).get("message", "").startswith("step")):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the engine never reported a step"
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err
    state = progress_of(progress)
    assert state["state"] == "failed" and state["message"] == "cancelled" and state["exit_code"] == 130
    assert sorted(p.name for p in clip_folder.iterdir()) == ["long.wav"]


def test_regen_works_when_a_bridge_command_cannot_be_loaded(tmp_path, capsys, monkeypatch):
    """`bridge install|listen` load their modules only when used; one that fails to import is
    reported when it runs and never stops `regen`."""
    from soundloom.bridge import cli as bridge_cli

    monkeypatch.setitem(bridge_cli.BRIDGE_COMMANDS, "install", "soundloom.bridge.no_such_module")
    assert main(["bridge", "install", "reaper"]) == 1
    assert "bridge install is not available (ModuleNotFoundError" in capsys.readouterr().err
    source = write_clip(tmp_path / "a.wav", 0.5, 16000, 1)
    assert main(["regen", str(source), "--region", "0.4:0.6", "x"]) == 2
    assert "region[0]: 0.4:0.6 ends past the clip" in capsys.readouterr().err
