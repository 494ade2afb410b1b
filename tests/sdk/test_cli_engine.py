"""The `soundloom` command against the engine daemon: results, status, stop, and starting one."""

import os
import signal
import time

import numpy as np
import soundfile as sf

from soundloom.sdk.audio_file import read_metadata
from soundloom.sdk.cli import main


def test_generate_through_a_running_engine_matches_the_in_process_result(daemon, tmp_path, capsys):
    remote, local = tmp_path / "remote.wav", tmp_path / "local.wav"
    common = ["rain", "--seconds", "0.5", "--steps", "3", "--seed", "21", "-n", "2"]
    assert main(["generate", *common, "-o", str(remote), "--connection-file", str(daemon.connection_file)]) == 0
    assert main(["generate", *common, "-o", str(local), "--local", "--model", str(daemon.model)]) == 0
    for i in (1, 2):
        a = sf.read(tmp_path / f"remote_{i}.wav")[0]
        b = sf.read(tmp_path / f"local_{i}.wav")[0]
        np.testing.assert_allclose(a, b, atol=1e-5 * np.abs(b).max())
    assert read_metadata(tmp_path / "remote_2.wav")["seed"] == 22
    assert "generate" in capsys.readouterr().err  # progress bar from the engine's events


def test_engine_errors_are_one_line_and_write_nothing(daemon, tmp_path, capsys):
    code = main(["generate", "x", "--seconds", "99", "-o", str(tmp_path / "o.wav"), "--connection-file", str(daemon.connection_file)])
    err = capsys.readouterr().err
    assert code == 2 and "seconds: 99.0 is out of range" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o.wav").exists()


def test_status_lists_the_engine_and_its_models(daemon, capsys):
    assert main(["status", "--connection-file", str(daemon.connection_file)]) == 0
    out = capsys.readouterr().out
    assert f"pid {daemon.process.pid}" in out and "tiny-audioldm" in out and "default" in out


def test_status_without_an_engine_says_so(tmp_path, capsys):
    assert main(["status", "--connection-file", str(tmp_path / "none.json")]) == 2
    assert "no engine" in capsys.readouterr().err.lower()


def test_a_command_starts_an_engine_when_none_runs_and_stops_it_after(tiny_model_path, tmp_path, monkeypatch):
    monkeypatch.setenv("SOUNDLOOM_DATA_DIR", str(tmp_path / "data"))
    connection = tmp_path / "run" / "engine.json"
    connection.parent.mkdir(mode=0o700)
    out = tmp_path / "o.flac"
    code = main(["generate", "x", "--seconds", "0.5", "--steps", "2", "-o", str(out), "--model", str(tiny_model_path),
                 "--connection-file", str(connection)])
    assert code == 0 and sf.info(out).frames == 8000
    assert not connection.exists()  # the engine it started is gone again


def test_stop_shuts_the_engine_down(make_daemon, capsys):
    engine = make_daemon()
    engine.start()
    assert main(["stop", "--connection-file", str(engine.connection_file)]) == 0
    assert engine.process.wait(30) == 0 and not engine.connection_file.exists()
    assert "stopped" in capsys.readouterr().out
    assert not os.path.exists(engine.connection_file)


def test_train_and_eval_hand_over_to_the_engine_programs():
    import subprocess
    import sys

    for command, fragment in ((["train", "--help"], "--resume"), (["eval", "--help"], "--per-class")):
        done = subprocess.run([sys.executable, "-m", "soundloom.sdk.cli", *command], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0 and fragment in done.stdout


def test_ctrl_c_cancels_the_engine_job_it_started(daemon, tmp_path):
    from test_cli_finetune_cancel import start_cli

    from soundloom.sdk import Client

    # 1000 short steps: minutes of work on a CPU, and a cancel takes effect at the next step.
    process = start_cli("generate", "rain", "--seconds", "5", "--steps", "1000", "-o", str(tmp_path / "o.wav"),
                        "--connection-file", str(daemon.connection_file))
    with Client.connect(daemon.connection_file, start=False) as client:
        deadline = time.monotonic() + 120
        while client.info()["queue_length"] == 0:
            assert process.poll() is None and time.monotonic() < deadline, process.communicate()
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
        assert process.returncode == 130 and err.strip().endswith("soundloom: cancelled")
        deadline = time.monotonic() + 60
        while client.info()["queue_length"] != 0:
            assert time.monotonic() < deadline, "the engine went on with the job after Ctrl-C"
            time.sleep(0.1)
    assert list(tmp_path.iterdir()) == []
