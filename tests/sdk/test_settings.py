"""settings.toml: `soundloom config show|set|unset|path`, checking, comments kept, and who reads it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from soundloom.daemon.serve import build_parser, engine_choices, library_roots
from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.sdk.cli import main
from soundloom.settings import paths as settings_paths
from soundloom.settings.keys import EXPORT_RATES, EXPORT_SUBTYPES, KEYS
from soundloom.settings.store import load, set_value, unset


@pytest.fixture
def config(tmp_path, monkeypatch) -> Path:
    """An empty settings folder of the test's own; returns the settings file's path."""
    folder = tmp_path / "config"
    monkeypatch.setenv("SOUNDLOOM_CONFIG_DIR", str(folder))
    return folder / "settings.toml"


def test_show_prints_every_key_with_its_value_and_where_it_came_from(config, capsys):
    assert main(["config", "set", "idle_timeout", "90"]) == 0
    capsys.readouterr()
    assert main(["config", "show"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"# {config}"
    shown = {line.split()[0]: line for line in lines[1:]}
    assert set(shown) == set(KEYS)
    assert shown["idle_timeout"].split()[1:] == ["90", "(file)"]
    assert shown["precision"].split()[1:] == ["auto", "(default)"]
    assert main(["config", "show", "--json"]) == 0
    as_json = json.loads(capsys.readouterr().out)
    assert as_json["idle_timeout"] == {"value": 90, "source": "file"}
    assert as_json["library_roots"] == {"value": [], "source": "default"}


def test_path_prints_the_settings_file(config, capsys):
    assert main(["config", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(config)


@pytest.mark.parametrize("key, words, fragment", [
    ("idle_timeout", ["soon"], "allowed: 0 to 604800 seconds"),
    ("idle_timeout", ["-1"], "out of range"),
    ("precision", ["fp64"], "allowed: auto, fp32, bf16"),
    ("device", ["gpu"], "allowed: auto, cpu, cuda, cuda:N or mps"),
    ("export_rate", ["22050"], "allowed: source, 44100, 48000"),
    ("export_subtype", ["PCM_8"], "allowed: source, PCM_16, PCM_24, FLOAT"),
    ("library_roots", ["/no/such/folder"], "is not a folder"),
    ("default_model", ["/no/such/model"], "is not a folder"),
    ("colour", ["blue"], "no setting called 'colour'; known: idle_timeout"),
])
def test_a_bad_value_is_refused_naming_the_key_and_nothing_is_written(config, capsys, key, words, fragment):
    config.parent.mkdir()
    config.write_text("# mine\nidle_timeout = 5\n", encoding="utf-8")
    assert main(["config", "set", key, *words]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err
    assert err.startswith(f"soundloom: error: {key if key != 'colour' else 'key'}: ")
    assert config.read_text(encoding="utf-8") == "# mine\nidle_timeout = 5\n"


def test_set_keeps_comments_and_layout_and_leaves_no_temporary_file(config, tmp_path):
    config.parent.mkdir()
    config.write_text("# my settings\nprecision = \"fp32\"  # measured on my laptop\n\n# later\n", encoding="utf-8")
    set_value("idle_timeout", ["120"])
    set_value("library_roots", [str(tmp_path), str(tmp_path / "config")])
    text = config.read_text(encoding="utf-8")
    assert text.startswith("# my settings\nprecision = \"fp32\"  # measured on my laptop\n")
    assert "# later" in text
    assert load()["idle_timeout"] == 120 and load()["library_roots"] == [str(tmp_path), str(tmp_path / "config")]
    assert sorted(p.name for p in config.parent.iterdir()) == ["settings.toml"]
    assert unset("precision") and not unset("precision")
    settings = load()
    assert settings["precision"] == "auto" and settings.sources["precision"] == "default"
    assert "# measured" not in config.read_text(encoding="utf-8") and "# my settings" in config.read_text(encoding="utf-8")


def test_a_broken_file_names_itself_and_the_key(config):
    config.parent.mkdir()
    config.write_text("precision = \"fp8\"\n", encoding="utf-8")
    with pytest.raises(SoundloomError) as caught:
        load()
    assert caught.value.field == "precision" and str(config) in caught.value.message
    config.write_text("idle_timeout = [\n", encoding="utf-8")
    with pytest.raises(SoundloomError) as caught:
        set_value("precision", ["fp32"])
    assert "not valid TOML" in caught.value.message
    config.write_text("idel_timeout = 3\n", encoding="utf-8")
    with pytest.raises(SoundloomError) as caught:
        load()
    assert caught.value.code is ErrorCode.INVALID_ARGUMENT and caught.value.field == "idel_timeout"


def test_the_command_line_overrides_the_settings_and_settings_override_defaults(config, tmp_path):
    settings = load()
    assert engine_choices(build_parser().parse_args([]), settings) == {"device": None, "dtype": "auto"}
    set_value("precision", ["bf16"])
    set_value("device", ["cpu"])
    set_value("library_roots", [str(tmp_path)])
    settings = load()
    assert engine_choices(build_parser().parse_args([]), settings) == {"device": "cpu", "dtype": "bfloat16"}
    assert engine_choices(build_parser().parse_args(["--precision", "fp32", "--device", "cuda"]), settings) == \
        {"device": "cuda", "dtype": "float32"}
    remote = build_parser().parse_args(["--allow-remote"])
    assert library_roots(remote, settings) == [tmp_path]
    assert library_roots(build_parser().parse_args(["--allow-remote", "--library-root", "/srv"]), settings) == [Path("/srv")]


def test_export_choices_are_the_desktops():
    from soundloom.desktop.export import RATES, SUBTYPES

    assert EXPORT_RATES == RATES and set(EXPORT_SUBTYPES) == set(SUBTYPES)


def test_one_data_folder_for_engine_desktop_library_and_training(tmp_path, monkeypatch):
    from soundloom.daemon import serve
    from soundloom.desktop import paths as desktop_paths
    from soundloom.library import paths as library_paths

    assert serve.data_dir is desktop_paths.data_dir is library_paths.data_dir is settings_paths.data_dir
    monkeypatch.setenv("SOUNDLOOM_DATA_DIR", str(tmp_path / "data"))
    assert library_paths.data_dir() == tmp_path / "data" and (tmp_path / "data").stat().st_mode & 0o777 == 0o700
    assert settings_paths.data_dir(tmp_path / "given") == tmp_path / "given"


def test_settings_load_neither_torch_nor_qt():
    code = ("import sys, soundloom.settings.store, soundloom.settings.command, soundloom.settings.models; "
            "import soundloom.settings.paths as p; p.data_dir(create=False); "
            "print(sorted(m for m in ('torch', 'PyQt6') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
