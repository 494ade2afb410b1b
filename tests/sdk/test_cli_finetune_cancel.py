"""Ctrl-C on `soundloom finetune`, at any moment: the command ends within 10 s, and the command it
prints to carry on works (`--resume` when a checkpoint was kept, else the same command again).

The CLI runs in a subprocess against the real daemon on a tiny random-weight model; the last test
covers the engine's part (a stop asked for during a validation render ends it within a step).
"""

from __future__ import annotations

import shlex
import signal
import subprocess
import sys
import time

import pytest
from test_finetune_client import write_library

from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.sdk import Client

CTRL_C_EXIT_S = 10.0  # the promise: the terminal is back this soon after Ctrl-C
DEADLINE_S = 180.0  # generous: only a hang should reach it, even on a loaded machine

# A terminal starts a foreground command with SIGINT at its default. A shell without job control
# starts background jobs with SIGINT ignored, and children inherit that, so a test that started the
# CLI directly would get no Ctrl-C whenever the suite itself ran in the background.
_FOREGROUND = ("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
               "os.execv(sys.executable, [sys.executable, '-m', 'soundloom.sdk.cli', *sys.argv[1:]])")


def start_cli(*args: str) -> subprocess.Popen:
    """`soundloom ARGS` as a terminal starts it in the foreground, even from a process that has
    SIGINT ignored: this one ignores it while starting the child, so every run meets that case."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return subprocess.Popen([sys.executable, "-c", _FOREGROUND, *args], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.fixture(scope="module")
def real(tiny_model_path, tmp_path_factory):
    """(Client of a launched real engine on the tiny model, its connection file, a library inside its
    root, the engine's adapters folder)."""
    home = tmp_path_factory.mktemp("cli-cancel")
    library = write_library(home / "root" / "samples")
    connection = home / "run" / "engine.json"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOUNDLOOM_RUNTIME_DIR", str(home / "run"))
        client = Client.connect(connection, timeout=120, engine_args=[
            "--model", str(tiny_model_path), "--data-dir", str(home / "data"), "--library-root", str(home / "root")])
        yield client, connection, library, home / "data" / "adapters"
        client.close()


def _finetune_args(library, connection, name: str, *extra: str) -> list[str]:
    return ["finetune", str(library), "--name", name, "--batch-size", "1", "--connection-file", str(connection), *extra]


def _adapter(client: Client, name: str) -> dict | None:
    return next((a for a in client.adapters.list() if a["name"] == name), None)


def _wait_for(condition, what: str, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the CLI exited before {what}: {process.communicate()}")
        assert time.monotonic() < deadline, f"{what}: not within {DEADLINE_S} s"
        time.sleep(0.05)


def _ctrl_c(process: subprocess.Popen) -> tuple[str, str, float]:
    """Press Ctrl-C; (stdout, stderr, seconds until the command exited)."""
    pressed = time.monotonic()
    process.send_signal(signal.SIGINT)
    try:
        out, err = process.communicate(timeout=DEADLINE_S)
    finally:
        process.kill()
    return out, err, time.monotonic() - pressed


def _printed_command(err: str, steps: int) -> list[str]:
    """The command printed after Ctrl-C, made to run `steps` steps in all, ready for subprocess."""
    command = shlex.split(err.strip().splitlines()[-1].split(" with: ", 1)[1])
    assert command[:2] == ["soundloom", "finetune"], command
    command[command.index("--steps") + 1] = str(steps)
    return [sys.executable, "-m", "soundloom.sdk.cli", *command[1:]]


def test_ctrl_c_before_the_first_step_keeps_nothing_and_the_printed_command_starts_again(real):
    client, connection, library, _ = real
    process = start_cli(*_finetune_args(library, connection, "early", "--steps", "100000"))
    # Its folder appears as the job starts; the training process then needs seconds to import torch
    # and load the model, so the Ctrl-C below lands before its first step.
    _wait_for(lambda: _adapter(client, "early") is not None, "the job started", process)
    out, err, seconds = _ctrl_c(process)
    assert process.returncode == 130 and out == "", err
    assert seconds < CTRL_C_EXIT_S, f"exited {seconds:.1f} s after Ctrl-C"
    assert "cancelled; nothing was kept; start again with: soundloom finetune" in err and "--resume" not in err
    assert _adapter(client, "early") is None

    again = subprocess.run(_printed_command(err, steps=2), capture_output=True, text=True, timeout=DEADLINE_S)
    assert again.returncode == 0, again.stderr
    assert _adapter(client, "early")["state"] == "ready"
    client.adapters.remove("early")


@pytest.mark.slow  # a real training run to a checkpoint and on
def test_ctrl_c_after_a_checkpoint_prints_a_resume_that_continues(real):
    client, connection, library, _ = real
    process = start_cli(*_finetune_args(library, connection, "stopped", "--steps", "100000", "--checkpoint-every", "1"))
    _wait_for(lambda: (_adapter(client, "stopped") or {}).get("steps", 0) >= 1, "a first checkpoint", process)
    out, err, seconds = _ctrl_c(process)
    assert process.returncode == 130 and out == "", err
    assert seconds < CTRL_C_EXIT_S, f"exited {seconds:.1f} s after Ctrl-C"
    assert "cancelled; continue with: soundloom finetune" in err and err.rstrip().endswith("--resume")
    # The engine may still be writing its last checkpoint when a slow machine made the CLI stop waiting.
    _wait_for(lambda: _adapter(client, "stopped")["state"] != "training", "the engine stopped the run")
    stopped = _adapter(client, "stopped")
    assert stopped["state"] == "partial" and stopped["steps"] >= 1

    again = subprocess.run(_printed_command(err, steps=stopped["steps"] + 2), capture_output=True, text=True,
                           timeout=DEADLINE_S)
    assert again.returncode == 0, again.stderr
    assert f"{stopped['steps'] + 2} steps" in again.stderr  # it continued to the new total
    assert _adapter(client, "stopped")["state"] == "ready"
    client.adapters.remove("stopped")


def test_ctrl_c_on_a_queued_finetune_frees_its_name_at_once(real):
    client, connection, library, _ = real
    busy = start_cli(*_finetune_args(library, connection, "busy", "--steps", "100000"))
    try:
        _wait_for(lambda: _adapter(client, "busy") is not None, "the first job started", busy)
        queued = start_cli(*_finetune_args(library, connection, "queued", "--steps", "100000"))
        _wait_for(lambda: client.info()["queue_length"] >= 2, "the second job queued", queued)
        out, err, seconds = _ctrl_c(queued)
        assert queued.returncode == 130 and seconds < CTRL_C_EXIT_S
        assert "nothing was kept; start again with:" in err

        # While the first job still runs, the same command is accepted and waits its turn.
        again = subprocess.Popen(_printed_command(err, steps=2), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
        _wait_for(lambda: client.info()["queue_length"] >= 2, "the command queued again", again)
        _ctrl_c(busy)
        out, err = again.communicate(timeout=DEADLINE_S)
        assert again.returncode == 0, err
        assert out.strip().endswith("+queued")
    finally:
        busy.kill()
    client.adapters.remove("queued")


@pytest.mark.slow  # a real training run to a checkpoint and on
def test_an_adapter_left_without_a_checkpoint_resumes_from_step_zero(real):
    """As an engine killed before the first checkpoint leaves it: a folder with a record, nothing to load."""
    client, connection, library, adapters = real
    (adapters / "orphan").mkdir(parents=True)
    (adapters / "orphan" / "adapter.json").write_text('{"name": "orphan", "state": "training", "steps_done": 0}')
    command = [sys.executable, "-m", "soundloom.sdk.cli", *_finetune_args(library, connection, "orphan", "--steps", "2")]
    refused = subprocess.run(command, capture_output=True, text=True, timeout=DEADLINE_S)
    assert refused.returncode == 2 and "[adapter_exists]" in refused.stderr and "resume it" in refused.stderr
    resumed = subprocess.run([*command, "--resume"], capture_output=True, text=True, timeout=DEADLINE_S)
    assert resumed.returncode == 0, resumed.stderr
    assert "adapter orphan: 2 steps" in resumed.stderr and _adapter(client, "orphan")["state"] == "ready"
    client.adapters.remove("orphan")


def test_a_stop_asked_for_during_a_validation_render_ends_the_run_within_a_sampling_step(tiny_model_path, tmp_path):
    from soundloom.engine.models.loading import load_model
    from soundloom.engine.training.finetune import FinetuneSpec, has_checkpoint, train_adapter

    library = write_library(tmp_path / "library")
    spec = FinetuneSpec(folder=str(library), name="x", base="tiny", model_path=str(tiny_model_path),
                        adapter_dir=str(tmp_path / "adapter"), steps=50, batch_size=1, validation_prompts=["rain"],
                        validate_every=1, checkpoint_every=100)
    events: list[dict] = []
    # Asked for as soon as step 1 is reported, i.e. while the render that follows it runs.
    asked = lambda: any(e["event"] == "progress" for e in events)  # noqa: E731
    with pytest.raises(SoundloomError) as caught:
        train_adapter(spec, load_model(tiny_model_path), events.append, asked)
    assert caught.value.code is ErrorCode.CANCELLED and "step 1" in caught.value.message
    assert [e["event"] for e in events] == ["started", "progress"]  # the render did not finish first
    assert has_checkpoint(tmp_path / "adapter")
