"""The `soundloom finetune`, `library` and `adapters` commands, and `--adapter-scale`.

Parsing and output formatting first, then the commands against a stand-in engine on real sockets,
then against the real daemon on a tiny random-weight model. Ctrl-C: test_cli_finetune_cancel.py.
"""

from __future__ import annotations

import json
import os
import stat

import pytest
import soundfile as sf
from test_finetune_client import FinetuneFake, write_library

from soundloom.sdk import Client
from soundloom.sdk.audio_file import read_metadata
from soundloom.sdk.cli import adapters_table, build_parser, finetune_options, library_table, main


def test_finetune_options_hold_only_what_was_given():
    args = build_parser().parse_args(["finetune", "lib", "--name", "rain"])
    assert finetune_options(args) == {"name": "rain", "resume": False}
    args = build_parser().parse_args([
        "finetune", "lib", "--name", "rain", "--steps", "40", "--rank", "4", "--lr", "3e-4", "--batch-size", "2",
        "--seed", "9", "--mix", "--convolutions", "--validation-prompt", "rain", "--validation-prompt", "wind",
        "--validate-every", "10", "--checkpoint-every", "20", "--resume", "--model", "base"])
    assert finetune_options(args) == {
        "name": "rain", "steps": 40, "rank": 4, "learning_rate": 3e-4, "batch_size": 2, "seed": 9, "mix": True,
        "convolutions": True, "validation_prompts": ["rain", "wind"], "validate_every": 10, "checkpoint_every": 20,
        "resume": True}
    assert args.model == "base"


@pytest.mark.parametrize("argv", [["finetune", "lib"], ["finetune", "--name", "x"], ["adapters"], ["adapters", "drop"],
                                  ["adapters", "remove"], ["library"], ["finetune", "lib", "--name", "x", "--steps", "many"]])
def test_incomplete_commands_are_usage_errors(argv, capsys):
    assert main(argv) == 2
    assert "error:" in capsys.readouterr().err


def test_adapter_scale_is_refused_in_local_mode(tmp_path, capsys):
    out = tmp_path / "o.wav"
    assert main(["generate", "rain", "--local", "--adapter-scale", "0.5", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "adapter_scale:" in err and "--local" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_the_tables_show_every_clip_skip_and_adapter():
    text = library_table(dict(FinetuneFake.PREVIEW, clips=FinetuneFake.PREVIEW["clips"] * 2, total_seconds=2.0))
    lines = text.splitlines()
    assert lines[0] == "library /lib" and lines[-1] == "2 clip(s), 2.0 s in all; 1 skipped"
    assert sum("a.wav" in line and "names" in line and "1.00" in line for line in lines) == 2
    assert "  b.wav: silent" in lines
    assert adapters_table([]) == "no adapters"
    row = adapters_table([FinetuneFake.ADAPTER])
    assert all(part in row for part in ("fake-model+rain", "ready", "2 steps", "rank 8", "1 clip(s)"))


# ---------------------------------------------------------------------- against the stand-in engine


@pytest.fixture
def fake(tmp_path):
    engine = FinetuneFake(tmp_path / "engine.json").start()
    yield engine
    engine.stop()


def test_finetune_shows_progress_saves_validations_and_prints_the_variant(fake, tmp_path, capsys):
    renders = tmp_path / "renders" / "new"
    code = main(["finetune", str(tmp_path), "--name", "rain", "--steps", "3", "--validation-prompt", "soft rain",
                 "--validation-prompt", "wind!", "--validation-dir", str(renders),
                 "--connection-file", str(fake.connection_file)])
    out, err = capsys.readouterr()
    assert code == 0 and out == "fake-model+rain\n"
    assert sorted(p.name for p in renders.iterdir()) == ["step000003-001-soft-rain.wav", "step000003-002-wind.wav"]
    assert sf.info(renders / "step000003-002-wind.wav").frames == 4000
    umask = os.umask(0o077)
    os.umask(umask)
    assert {stat.S_IMODE(p.stat().st_mode) for p in renders.iterdir()} == {0o666 & ~umask}  # the user's to share
    assert "validation at step 3: soft rain" in err and "loss" in err
    assert fake.requests_of("finetune_request")[-1]["content"]["validation_prompts"] == ["soft rain", "wind!"]


@pytest.mark.parametrize("make, fragment", [
    (lambda d: (d / "renders").write_text("a file"), "renders exists and is not a folder"),
    (lambda d: (d / "file").write_text("a file"), "cannot create folder"),
], ids=["a-file", "inside-a-file"])
def test_an_unusable_validation_dir_is_one_line_before_training(fake, tmp_path, capsys, make, fragment):
    make(tmp_path)
    folder = tmp_path / "renders" if "renders" in fragment else tmp_path / "file" / "renders"
    code = main(["finetune", str(tmp_path), "--name", "rain", "--validation-dir", str(folder),
                 "--connection-file", str(fake.connection_file)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("soundloom: error: validation_dir: ") and fragment in err
    assert len(err.strip().splitlines()) == 1 and "[invalid_argument]" in err
    assert fake.requests_of("finetune_request") == []


def test_a_skip_reason_stays_on_its_line():
    preview = dict(FinetuneFake.PREVIEW, skipped=[{"path": "x.mp3", "reason": "unreadable (first\nsecond)"}])
    assert "  x.mp3: unreadable (first second)" in library_table(preview).splitlines()


def test_library_and_adapters_commands(fake, tmp_path, capsys):
    connection = ["--connection-file", str(fake.connection_file)]
    assert main(["library", str(tmp_path), *connection]) == 0
    assert "b.wav: silent" in capsys.readouterr().out
    assert main(["library", str(tmp_path), "--json", *connection]) == 0
    assert json.loads(capsys.readouterr().out)["root"] == str(tmp_path.resolve())
    assert main(["adapters", "list", "--json", *connection]) == 0
    assert json.loads(capsys.readouterr().out) == [FinetuneFake.ADAPTER]
    assert main(["adapters", "remove", "rain", *connection]) == 0
    assert capsys.readouterr().out == "removed rain\n"
    assert main(["adapters", "remove", "snow", *connection]) == 2
    err = capsys.readouterr().err
    assert err.startswith("soundloom: error: name:") and "[adapter_not_found]" in err


# ---------------------------------------------------------------------- against the real engine


@pytest.fixture(scope="module")
def real(tiny_model_path, tmp_path_factory):
    """(Client of a launched real engine on the tiny model, its connection file, a library inside its root)."""
    home = tmp_path_factory.mktemp("cli-engine")
    library = write_library(home / "root" / "samples")
    connection = home / "run" / "engine.json"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOUNDLOOM_RUNTIME_DIR", str(home / "run"))
        client = Client.connect(connection, timeout=120, engine_args=[
            "--model", str(tiny_model_path), "--data-dir", str(home / "data"), "--library-root", str(home / "root")])
        yield client, connection, library
        client.close()


def test_finetune_then_generate_with_the_variant_then_remove_it(real, tmp_path, capsys):
    client, connection, library = real
    engine = ["--connection-file", str(connection)]
    assert main(["library", str(library), *engine]) == 0
    out = capsys.readouterr().out
    assert "bell.wav" in out and "a small brass bell" in out and "silence.wav: silent" in out

    code = main(["finetune", str(library), "--name", "cli", "--steps", "2", "--batch-size", "2", "--lr", "1e-3",
                 "--validation-prompt", "rain", "--validate-every", "2", "--validation-dir", str(tmp_path / "v"), *engine])
    out, err = capsys.readouterr()
    variant = f"{client.info()['default_model']}+cli"
    assert code == 0 and out == f"{variant}\n"
    assert "loss" in err and list((tmp_path / "v").glob("step*-rain.wav"))

    assert main(["adapters", "list", *engine]) == 0
    assert variant in capsys.readouterr().out
    output = tmp_path / "v.wav"
    assert main(["generate", "rain", "--model", variant, "--adapter-scale", "0.5", "--seconds", "0.5", "--steps", "2",
                 "-o", str(output), *engine]) == 0
    capsys.readouterr()
    assert read_metadata(output)["model"] == variant

    assert main(["adapters", "remove", "cli", *engine]) == 0
    assert main(["adapters", "remove", "cli", *engine]) == 2
    assert "[adapter_not_found]" in capsys.readouterr().err


def test_finetune_errors_are_one_line_with_field_and_code(real, capsys):
    client, connection, library = real
    assert main(["finetune", str(library), "--name", "bad name", "--connection-file", str(connection)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("soundloom: error: name:") and "[invalid_argument]" in err
    assert len(err.strip().splitlines()) == 1
