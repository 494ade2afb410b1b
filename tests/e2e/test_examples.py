"""The example scripts run as a user would run them, against an engine they start themselves."""

import os
import subprocess
import sys
from pathlib import Path

import soundfile as sf

from soundloom.sdk.audio_file import read_metadata

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_sdk_scripting_example_writes_reproducible_variations(tiny_model_path, tmp_path):
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = dict(os.environ, SOUNDLOOM_RUNTIME_DIR=str(runtime), SOUNDLOOM_DATA_DIR=str(tmp_path / "data"))
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "sdk_scripting.py"), str(tmp_path / "out"), "--model", str(tiny_model_path),
         "--seconds", "0.5", "--steps", "3"],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    files = sorted((tmp_path / "out").glob("*.wav"))
    assert len(files) == 12
    assert sf.info(files[0]).samplerate == 48000
    assert {read_metadata(f)["seed"] for f in files} == {1, 2, 3}
    assert not (runtime / "engine.json").exists()  # the engine it started was stopped


def test_first_sounds_example_writes_wavs_and_spectrograms(tiny_model_path, tmp_path):
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = dict(os.environ, SOUNDLOOM_RUNTIME_DIR=str(runtime), SOUNDLOOM_DATA_DIR=str(tmp_path / "data"))
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "first_sounds.py"), str(tmp_path / "out"), "--model", str(tiny_model_path), "--steps", "2"],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    printed = [Path(line) for line in done.stdout.split()]
    assert sorted(p.suffix for p in printed) == [".png"] * 3 + [".wav"] * 3 and all(p.exists() for p in printed)
    assert read_metadata(tmp_path / "out" / "rain.wav")["prompt"] == "soft rain on a window"
