"""The `soundloom` command with the real engine: inpaint, transfer and extend through a running
daemon, and `serve`, `status` and `stop` as a user runs them, each a process of its own."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile as sf

from soundloom.sdk.audio_file import read_metadata
from soundloom.sdk.cli import main

CLI = [sys.executable, "-m", "soundloom.sdk.cli"]
QUICK = ["--steps", "3", "--seed", "11"]


def _tone(path, seconds=2.0, rate=44100, channels=2):
    t = np.arange(int(seconds * rate)) / rate
    sf.write(path, np.stack([0.3 * np.sin(2 * np.pi * 330 * t)] * channels, axis=1), rate, subtype="FLOAT")
    return path


@pytest.fixture
def through(daemon, capsys):
    """Run a sound command against the module's running engine; returns (exit code, stdout, stderr)."""

    def _run(*args):
        code = main([*args, "--connection-file", str(daemon.connection_file)])
        out, err = capsys.readouterr()
        return code, out, err

    return _run


def test_inpaint_through_the_engine_keeps_the_input_outside_the_regions(through, tmp_path):
    source = _tone(tmp_path / "in.wav")
    out = tmp_path / "out.wav"
    code, stdout, err = through("inpaint", str(source), "a laser zap", "--region", "0.5:1.0", "--region", "1.5:1.8",
                                *QUICK, "-o", str(out))
    assert code == 0, err
    assert stdout.split() == [str(out)]
    original, _ = sf.read(source, dtype="float32")
    result, rate = sf.read(out, dtype="float32")
    assert rate == 44100 and result.shape == original.shape
    assert np.array_equal(result[: int(0.5 * rate)], original[: int(0.5 * rate)])
    assert np.array_equal(result[int(1.0 * rate) + 1 : int(1.5 * rate)], original[int(1.0 * rate) + 1 : int(1.5 * rate)])
    assert np.array_equal(result[int(1.8 * rate) :], original[int(1.8 * rate) :])
    assert not np.array_equal(result[int(0.6 * rate) : int(0.9 * rate)], original[int(0.6 * rate) : int(0.9 * rate)])
    meta = read_metadata(out)
    assert (meta["prompt"], meta["seed"], meta["model"]) == ("a laser zap", 11, "tiny-audioldm")
    assert meta["regions"] == [[0.5, 1.0], [1.5, 1.8]]


def test_transfer_through_the_engine_matches_the_in_process_result(through, daemon, tmp_path, capsys):
    source = _tone(tmp_path / "in.wav", seconds=1.0, rate=16000, channels=1)
    remote, local = tmp_path / "remote.wav", tmp_path / "local.wav"
    code, _, err = through("transfer", str(source), "wind", "--strength", "0.5", *QUICK, "-o", str(remote))
    assert code == 0, err
    assert main(["transfer", str(source), "wind", "--strength", "0.5", *QUICK, "-o", str(local), "--local",
                 "--model", str(daemon.model)]) == 0
    capsys.readouterr()
    a, rate = sf.read(remote, dtype="float32")
    b, _ = sf.read(local, dtype="float32")
    assert rate == 16000 and a.shape == b.shape == (16000,)
    np.testing.assert_allclose(a, b, atol=1e-5 * np.abs(b).max())  # the daemon runs the same operation
    meta = read_metadata(remote)
    assert (meta["operation"], meta["strength"], meta["seed"]) == ("transfer", 0.5, 11)


def test_extend_through_the_engine_appends_after_an_unchanged_input(through, tmp_path):
    source = _tone(tmp_path / "in.wav", seconds=1.0, rate=22050, channels=2)
    out = tmp_path / "longer.wav"
    code, _, err = through("extend", str(source), "more of the same", "--seconds", "1.5", *QUICK, "-o", str(out))
    assert code == 0, err
    original, _ = sf.read(source, dtype="float32")
    result, rate = sf.read(out, dtype="float32")
    assert rate == 22050 and result.shape == (22050 + round(1.5 * 22050), 2)
    assert np.array_equal(result[:22050], original)
    assert np.abs(result[22050:]).max() > 0
    assert read_metadata(out)["seconds"] == 1.5


@pytest.mark.parametrize("args, fragment", [
    (["inpaint", "{source}", "x", "--region", "0.5:3.0"], "regions[0]"),
    (["inpaint", "{source}", "x", "--region", "0.1:0.5", "--region", "0.4:0.8"], "regions[1]"),
    (["transfer", "{source}", "x", "--strength", "1.5"], "strength"),
    (["extend", "{source}", "x", "--seconds", "60"], "seconds"),
    (["transfer", "{source}", "x", "--model", "no-such-model"], "model"),
], ids=["region-outside", "regions-overlap", "strength", "too-long", "unknown-model"])
def test_the_engines_refusals_are_one_line_exit_2_and_nothing_written(through, tmp_path, args, fragment):
    source = _tone(tmp_path / "in.wav", seconds=1.0, rate=16000, channels=1)
    out = tmp_path / "out.wav"
    code, stdout, err = through(*[a.format(source=source) for a in args], *QUICK, "-o", str(out))
    assert code == 2 and stdout == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("soundloom: error: ") and fragment in err, err
    assert not out.exists()


def _wait_for(path, process, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, f"the engine exited with {process.returncode}"
        assert time.monotonic() < deadline, f"no connection file within {timeout} s"
        time.sleep(0.05)


def test_serve_status_and_stop_as_separate_commands(tiny_model_path, tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir(mode=0o700)
    env = dict(os.environ, SOUNDLOOM_RUNTIME_DIR=str(run_dir), SOUNDLOOM_DATA_DIR=str(tmp_path / "data"))
    connection = run_dir / "engine.json"  # where every command looks when not told otherwise

    def command(*args):
        return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=300)

    with open(tmp_path / "serve.log", "wb") as log:
        serve = subprocess.Popen([*CLI, "serve", "--model", str(tiny_model_path)], env=env, stdout=log, stderr=log)
    try:
        _wait_for(connection, serve)
        status = command("status")
        assert status.returncode == 0, status.stderr
        assert f"pid {serve.pid}" in status.stdout  # `serve` became the engine: same process
        assert "tiny-audioldm" in status.stdout and "default" in status.stdout and "loaded" not in status.stdout
        out = tmp_path / "g.wav"
        generated = command("generate", "rain", "--seconds", "0.5", "--steps", "2", "-o", str(out))
        assert generated.returncode == 0 and sf.info(out).frames == 8000
        assert "loaded" in command("status").stdout  # the model is warm now
        stopped = command("stop")
        assert stopped.returncode == 0 and "stopped" in stopped.stdout
        assert serve.wait(120) == 0
        assert not connection.exists()
        after = command("status")
        assert after.returncode == 2 and "no engine" in after.stderr.lower()
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
