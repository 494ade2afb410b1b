"""The `soundloom` command end to end on a tiny model, in-process (`--local`): files, seeds, progress, errors."""

import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from soundloom.sdk.audio_file import read_metadata
from soundloom.sdk.cli import main


@pytest.fixture
def run(tiny_model_path, capsys):
    def _run(*args):
        # Defaults first, so that a test's own options (given later) win.
        code = main([args[0], "--local", "--model", str(tiny_model_path), "--steps", "3", *args[1:]])
        out, err = capsys.readouterr()
        return code, out, err

    return _run


def _tone(path, seconds=2.0, rate=44100, channels=2):
    t = np.arange(int(seconds * rate)) / rate
    sf.write(path, np.stack([0.3 * np.sin(2 * np.pi * 330 * t)] * channels, axis=1), rate, subtype="FLOAT")
    return path


def test_generate_variations_are_numbered_and_seeds_reproduce(run, tmp_path):
    code, out, err = run("generate", "a punchy kick drum", "-o", str(tmp_path / "out.wav"), "-n", "3", "--seed", "5", "--seconds", "1")
    assert code == 0
    paths = [tmp_path / f"out_{i}.wav" for i in (1, 2, 3)]
    assert out.split() == [str(p) for p in paths]
    assert "generate" in err  # the progress bar went to stderr
    assert [read_metadata(p)["seed"] for p in paths] == [5, 6, 7]
    code, _, _ = run("generate", "a punchy kick drum", "-o", str(tmp_path / "again.wav"), "-n", "3", "--seed", "5", "--seconds", "1")
    assert code == 0
    assert (tmp_path / "again_2.wav").read_bytes() == paths[1].read_bytes()  # same command, same file
    code, _, _ = run("generate", "a punchy kick drum", "-o", str(tmp_path / "alone.wav"), "--seed", "6", "--seconds", "1")
    alone, batched = sf.read(tmp_path / "alone.wav")[0], sf.read(paths[1])[0]
    np.testing.assert_allclose(alone, batched, atol=1e-5 * np.abs(alone).max())  # variation 2 replays alone


def test_generate_writes_flac_at_the_requested_rate_with_metadata(run, tmp_path):
    code, _, _ = run("generate", "rain", "-o", str(tmp_path / "r.flac"), "--seconds", "0.5", "--sample-rate", "48000",
                     "--seed", "1", "--negative", "music", "--scheduler", "euler", "--guidance", "2")
    assert code == 0
    info = sf.info(tmp_path / "r.flac")
    assert info.samplerate == 48000 and info.frames == 24000
    meta = read_metadata(tmp_path / "r.flac")
    assert {k: meta[k] for k in ("prompt", "negative_prompt", "seed", "scheduler", "guidance", "steps")} == {
        "prompt": "rain", "negative_prompt": "music", "seed": 1, "scheduler": "euler", "guidance": 2.0, "steps": 3,
    }
    assert meta["model"] == "tiny-audioldm"


def test_inpaint_keeps_the_input_outside_the_regions(run, tmp_path):
    source = _tone(tmp_path / "in.wav")
    code, _, _ = run("inpaint", str(source), "a laser zap", "--region", "0.5:1.0", "--region", "1.5:1.8", "-o", str(tmp_path / "out.wav"))
    assert code == 0
    original, _ = sf.read(source, dtype="float32")
    result, rate = sf.read(tmp_path / "out.wav", dtype="float32")
    assert rate == 44100 and result.shape == original.shape
    assert np.array_equal(result[: int(0.5 * rate)], original[: int(0.5 * rate)])
    assert np.array_equal(result[int(1.8 * rate) :], original[int(1.8 * rate) :])


def test_transfer_and_extend_write_their_results(run, tmp_path):
    source = _tone(tmp_path / "in.wav", seconds=1.0, rate=16000, channels=1)
    assert run("transfer", str(source), "wind", "--strength", "0.5", "-o", str(tmp_path / "t.wav"))[0] == 0
    assert sf.info(tmp_path / "t.wav").frames == 16000
    assert run("extend", str(source), "wind", "--seconds", "1.5", "-o", str(tmp_path / "e.wav"))[0] == 0
    assert sf.info(tmp_path / "e.wav").frames == 16000 + 24000


def test_a_long_prompt_warns_and_still_generates(run, tmp_path):
    # Within the request's length limit, yet far more tokens than the text encoder reads.
    code, _, err = run("generate", ("rain " * 399).strip(), "-o", str(tmp_path / "long.wav"), "--seconds", "0.5")
    assert code == 0 and "warning: prompt" in err


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["generate", "x", "--seconds", "0"], "seconds: 0.0 is out of range; allowed: 0.5 to 60"),
        (["generate", "x", "--seconds", "600"], "seconds"),
        (["generate", "x", "--scheduler", "magic"], "scheduler: unknown scheduler 'magic'"),
        (["generate", "x", "--steps", "0"], "steps"),
        (["transfer", "IN", "x", "--strength", "2"], "strength: 2.0 is out of range; allowed: 0 to 1"),
        (["inpaint", "IN", "x", "--region", "1.5:1.0"], "regions[0]"),
        (["inpaint", "IN", "x", "--region", "0.5:9"], "regions[0]"),
        (["inpaint", "IN", "x", "--region", "0.1:0.6", "--region", "0.5:0.9"], "overlap"),
        (["inpaint", "IN", "x", "--region", "one:two"], "START:END"),
        (["transfer", "MISSING", "x"], "input: no file at"),
        (["transfer", "CORRUPT", "x"], "input: corrupt.wav is not a readable audio file"),
        (["transfer", "NAN", "x"], "audio: the clip contains NaN"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(run, tmp_path, args, fragment):
    inputs = {
        "IN": _tone(tmp_path / "in.wav", seconds=1.0),
        "MISSING": tmp_path / "missing.wav",
        "CORRUPT": tmp_path / "corrupt.wav",
        "NAN": tmp_path / "nan.wav",
    }
    inputs["CORRUPT"].write_bytes(b"this is not audio")
    sf.write(inputs["NAN"], np.full(1600, np.nan, np.float32), 16000, subtype="FLOAT")
    before = set(tmp_path.iterdir())
    code, out, err = run(*[str(inputs.get(a, a)) for a in args], "-o", str(tmp_path / "never.wav"))
    assert code == 2
    assert fragment in err and len(err.strip().splitlines()) == 1
    assert set(tmp_path.iterdir()) == before


def test_an_incomplete_model_folder_is_named(tmp_path, capsys):
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "model_index.json").write_text('{"_class_name": "AudioLDMPipeline"}')
    code = main(["generate", "x", "--local", "-o", str(tmp_path / "o.wav"), "--model", str(tmp_path / "model")])
    err = capsys.readouterr().err
    assert code == 2 and "missing component(s): vae, text_encoder, tokenizer, unet, scheduler, vocoder" in err
    assert not (tmp_path / "o.wav").exists()


def test_importing_the_sdk_and_cli_does_not_import_torch():
    code = "import sys, soundloom.sdk.cli, soundloom.sdk.audio; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_generate_tunes_named_notes_unless_told_not_to(run, tmp_path):
    code, _, _ = run("generate", "a cello playing C3", "-o", str(tmp_path / "tuned.wav"), "--seconds", "0.5", "--seed", "1")
    assert code == 0 and read_metadata(tmp_path / "tuned.wav")["tune"] is True
    code, _, _ = run("generate", "a cello playing C3", "-o", str(tmp_path / "raw.wav"), "--seconds", "0.5", "--seed", "1", "--no-tune")
    meta = read_metadata(tmp_path / "raw.wav")
    assert code == 0 and meta["tune"] is False and "tuned_cents" not in meta


def test_generate_delivers_at_the_chosen_level(run, tmp_path):
    import math

    import soundfile

    for level in ("loudness", "off"):
        code, _, _ = run("generate", "rain", "-o", str(tmp_path / f"{level}.wav"), "--seconds", "0.5", "--seed", "1",
                         "--normalize", level)
        assert code == 0 and read_metadata(tmp_path / f"{level}.wav")["normalize"] == level
    code, _, _ = run("generate", "rain", "-o", str(tmp_path / "peak.wav"), "--seconds", "0.5", "--seed", "1")
    meta = read_metadata(tmp_path / "peak.wav")
    assert code == 0 and meta["normalize"] == "peak"
    peak = abs(soundfile.read(tmp_path / "peak.wav")[0]).max()
    assert abs(peak - 10 ** (-1 / 20)) < 1e-3
    raw = abs(soundfile.read(tmp_path / "off.wav")[0]).max()
    assert abs(20 * math.log10(peak / raw) - meta["gain_db"]) < 0.05
    code, _, err = run("generate", "rain", "-o", str(tmp_path / "x.wav"), "--normalize", "max")
    assert code == 2 and "--normalize" in err


def test_models_list_shows_each_folder_family_rate_and_channels(tiny_model_path):
    import json

    done = subprocess.run([sys.executable, "-m", "soundloom.sdk.cli", "models", "list", "--model", str(tiny_model_path),
                           "--json"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    listed = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    tiny = next(m for m in listed if m["path"] == str(tiny_model_path) or m["name"] == tiny_model_path.name)
    assert tiny["family"] == "audioldm" and tiny["sample_rate"] == 16000 and tiny["channels"] == 1
    assert "inpaint" in tiny["operations"]
