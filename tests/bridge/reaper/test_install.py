"""`soundloom bridge install`: copying the DAW scripts without ever losing a user's change."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from soundloom.bridge import install

PACKAGE = Path(install.__file__).resolve().parent
SOUNDLOOM = Path(sys.executable).parent / "soundloom"


def soundloom(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(SOUNDLOOM), *args], capture_output=True, text=True, timeout=120)


def test_install_through_the_command_writes_every_script_and_says_how_to_load_them(tmp_path):
    resource = tmp_path / "REAPER resource"
    result = soundloom("bridge", "install", "reaper", "--resource-path", str(resource))
    assert result.returncode == 0, result.stderr
    folder = resource / "Scripts" / "soundloom"
    shipped = sorted(p.name for p in (PACKAGE / "reaper").glob("*.lua"))
    assert len(shipped) >= 5
    for name in shipped:
        assert (folder / name).read_bytes() == (PACKAGE / "reaper" / name).read_bytes()
        assert f"{name}: added" in result.stdout
    # The scripts find this very command even when REAPER's PATH lacks it.
    assert (folder / "soundloom_command.txt").read_text().strip() == str(SOUNDLOOM.resolve())
    assert "Load ReaScript" in result.stdout and "Shortcut" in result.stdout
    assert str(folder) in result.stdout


def test_installing_again_changes_nothing(tmp_path):
    folder, first = install.install("reaper", tmp_path)
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    _, second = install.install("reaper", tmp_path)
    assert {what for _, what in second} == {"unchanged"}
    assert [name for name, _ in second] == [name for name, _ in first]
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir() if p.name != install.MANIFEST_NAME}
    assert after == {k: v for k, v in before.items() if k != install.MANIFEST_NAME}


def test_a_script_installed_earlier_and_untouched_is_updated(tmp_path):
    folder, _ = install.install("reaper", tmp_path)
    name = "soundloom_bridge.lua"
    old = b"-- an older soundloom_bridge.lua\n"
    (folder / name).write_bytes(old)
    manifest = json.loads((folder / install.MANIFEST_NAME).read_text())
    manifest["files"][name] = install.digest(old)
    (folder / install.MANIFEST_NAME).write_text(json.dumps(manifest))
    _, outcome = install.install("reaper", tmp_path)
    assert dict(outcome)[name] == "updated"
    assert (folder / name).read_bytes() == (PACKAGE / "reaper" / name).read_bytes()


@pytest.mark.parametrize("in_manifest", [True, False], ids=["edited-after-install", "not-ours"])
def test_a_changed_or_foreign_script_is_kept_and_the_new_one_goes_beside_it(tmp_path, in_manifest):
    folder, _ = install.install("reaper", tmp_path)
    name = "soundloom - Next variation of this take.lua"
    mine = b"-- my own tweaks\n"
    (folder / name).write_bytes(mine)
    if not in_manifest:
        (folder / install.MANIFEST_NAME).unlink()
    _, outcome = install.install("reaper", tmp_path)
    assert "kept yours" in dict(outcome)[name]
    assert (folder / name).read_bytes() == mine
    assert (folder / (name + ".new")).read_bytes() == (PACKAGE / "reaper" / name).read_bytes()
    # Still the user's on the next run, too.
    _, again = install.install("reaper", tmp_path)
    assert "kept yours" in dict(again)[name] and (folder / name).read_bytes() == mine


def test_force_replaces_a_changed_script_and_keeps_the_old_one_as_bak(tmp_path):
    folder, _ = install.install("reaper", tmp_path)
    name = "soundloom_json.lua"
    mine = b"-- edited\n"
    (folder / name).write_bytes(mine)
    result = soundloom("bridge", "install", "reaper", "--resource-path", str(tmp_path), "--force")
    assert result.returncode == 0, result.stderr
    assert f"{name}: replaced, yours saved as {name}.bak" in result.stdout
    assert (folder / (name + ".bak")).read_bytes() == mine
    assert (folder / name).read_bytes() == (PACKAGE / "reaper" / name).read_bytes()
    _, after = install.install("reaper", tmp_path)
    assert dict(after)[name] == "unchanged"


def test_ardour_scripts_go_into_the_config_folders_scripts(tmp_path):
    result = soundloom("bridge", "install", "ardour", "--resource-path", str(tmp_path / "ardour8"))
    assert result.returncode == 0, result.stderr
    shipped = sorted(p.name for p in (PACKAGE / "ardour").glob("*.lua"))
    assert shipped
    for name in shipped:
        assert (tmp_path / "ardour8" / "scripts" / name).read_bytes() == (PACKAGE / "ardour" / name).read_bytes()
    # The actions read the program's path from here: Ardour started from a menu may lack it on PATH.
    recorded = (tmp_path / "ardour8" / "scripts" / install.COMMAND_FILE).read_text().strip()
    assert Path(recorded).name == "soundloom" and os.access(recorded, os.X_OK)
    assert "Script Manager" in result.stdout


def test_the_default_folders_follow_the_system(tmp_path, monkeypatch):
    monkeypatch.setattr(install.sys, "platform", "linux")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert install.target_folder("reaper", None) == tmp_path / "REAPER" / "Scripts" / "soundloom"
    # No Ardour configured yet: the newest release's folder.
    assert install.target_folder("ardour", None) == tmp_path / "ardour8" / "scripts"
    (tmp_path / "ardour7").mkdir()
    assert install.target_folder("ardour", None) == tmp_path / "ardour7" / "scripts"
    (tmp_path / "ardour8").mkdir()
    assert install.target_folder("ardour", None) == tmp_path / "ardour8" / "scripts"
    monkeypatch.setattr(install.sys, "platform", "darwin")
    monkeypatch.setattr(install.Path, "home", lambda: tmp_path)
    assert install.target_folder("reaper", None) == tmp_path / "Library" / "Application Support" / "REAPER" / "Scripts" / "soundloom"
    monkeypatch.setattr(install.sys, "platform", "win32")
    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    assert install.target_folder("reaper", None) == tmp_path / "Roaming" / "REAPER" / "Scripts" / "soundloom"


def test_a_resource_path_that_is_a_file_is_refused_in_one_line(tmp_path):
    not_a_folder = tmp_path / "REAPER"
    not_a_folder.write_text("x")
    result = soundloom("bridge", "install", "reaper", "--resource-path", str(not_a_folder))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"soundloom: error: resource_path: {not_a_folder} is a file; give the folder of REAPER's resources"
        " or Ardour's settings [invalid_argument]"]
    assert not (not_a_folder.parent / "Scripts").exists()


def test_the_installed_scripts_run_from_the_installed_folder(tmp_path, run_script, fake_bridge):
    """The scripts load their module from their own folder, wherever they were installed."""
    folder, _ = install.install("reaper", tmp_path / "res with space")
    (folder / install.COMMAND_FILE).write_text(f"{fake_bridge}\n")  # as if installed by that command
    record = tmp_path / "argv.json"
    run = run_script(folder / "soundloom - Generate into time selection on selected track.lua", {
        "os": "Linux", "time_selection": [0.0, 1.0], "tracks": [{"selected": True}],
        "user_inputs": [[True, "hum"]], "project_path": str(tmp_path / "media"),
    }, {"FAKE_BRIDGE_RECORD": str(record), "PATH": "/usr/bin:/bin"})
    assert json.loads(record.read_text())[0] == "generate"
    assert run["inputs_used"] == 1 and len(run["items"]) == 1


def test_without_a_soundloom_program_to_record_the_scripts_will_ask_for_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(install, "soundloom_command", lambda: None)
    parser = argparse.ArgumentParser()
    install.configure_parser(parser)
    assert install.run(parser.parse_args(["reaper", "--resource-path", str(tmp_path)])) == 0
    assert not (tmp_path / "Scripts" / "soundloom" / install.COMMAND_FILE).exists()
    assert "the scripts will ask for its full path once" in capsys.readouterr().out
