"""The "Next variation" and "Generate into time selection" ReaScripts, and the Windows launch
path, under lua5.4 with the fake REAPER (REAPER itself cannot be installed here). `soundloom` is
the stand-in fake_bridge.py, a real background program writing the progress file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

SCRIPTS = Path(__file__).resolve().parents[3] / "bridge" / "reaper"
NEXT_VARIATION = SCRIPTS / "soundloom - Next variation of this take.lua"
GENERATE = SCRIPTS / "soundloom - Generate into time selection on selected track.lua"
REGENERATE = SCRIPTS / "soundloom - Regenerate time selection in selected item.lua"


@pytest.fixture
def record(tmp_path):
    return tmp_path / "argv.json"


@pytest.fixture
def take_file(tmp_path):
    path = tmp_path / "rain on tin.take-1.wav"
    sf.write(path, np.zeros((16000, 1), dtype=np.float32), 16000, subtype="PCM_16")
    return path


def test_next_variation_passes_the_active_takes_file_and_adds_the_result_lined_up(run_script, fake_bridge, record, take_file):
    run = run_script(NEXT_VARIATION, {
        "os": "Linux",
        "items": [{"position": 3.0, "length": 0.5, "active_take": 2, "takes": [
            {"source": {"type": "WAVE", "file": str(take_file.with_name("rain on tin.wav")), "length": 1.0}},
            {"start_offset": 0.25, "playrate": 2.0, "source": {"type": "WAVE", "file": str(take_file), "length": 1.0}},
        ]}],
        "ext_state": {"soundloom/command": str(fake_bridge)},
    }, {"FAKE_BRIDGE_RECORD": str(record)})
    argv = json.loads(record.read_text())
    assert argv[0] == "regen" and "--next-variation" in argv
    assert argv[argv.index("--") + 1:] == [str(take_file)]
    assert run["inputs_used"] == 0, "a variation needs no prompt: the sidecar has it"
    item = run["items"][0]
    new = item["takes"][2]
    assert item["active_take"] == new["id"]
    assert new["values"]["D_STARTOFFS"] == 0.25 and new["values"]["D_PLAYRATE"] == 2.0
    assert [p["label"] for p in run["undo_points"]] == ["soundloom: next variation"]
    assert run["changes_outside_undo"] == []


def test_next_variation_without_a_selected_item_says_so(run_script, fake_bridge, record):
    run = run_script(NEXT_VARIATION, {"os": "Linux", "ext_state": {"soundloom/command": str(fake_bridge)}},
                     {"FAKE_BRIDGE_RECORD": str(record)})
    assert run.messages() == ["no item selected: select the audio item to work on"]
    assert not record.exists()


def generate_scenario(tmp_path, fake_bridge, **changes):
    scenario = {
        "os": "Linux",
        "time_selection": [4.0, 6.5],
        "tracks": [{"name": "FX"}, {"name": "Foley", "selected": True}],
        "user_inputs": [[True, 'Footsteps on "gravel", slow']],
        "project_path": str(tmp_path / "My Project" / "Media"),
        "ext_state": {"soundloom/command": str(fake_bridge)},
    }
    scenario.update(changes)
    return scenario


def test_generate_places_an_item_of_exactly_the_selection_on_the_selected_track(run_script, fake_bridge, record, tmp_path):
    run = run_script(GENERATE, generate_scenario(tmp_path, fake_bridge), {"FAKE_BRIDGE_RECORD": str(record)})
    argv = json.loads(record.read_text())
    output = tmp_path / "My Project" / "Media" / "soundloom-footsteps-on-gravel-slow.wav"
    assert argv[0] == "generate"
    assert argv[argv.index("--seconds") + 1] == "2.5"
    assert argv[argv.index("-o") + 1] == str(output)
    assert argv[argv.index("--") + 1:] == ['Footsteps on "gravel", slow']
    [item] = run["items"]
    assert item["track"] == "track2"
    assert item["position"] == 4.0 and item["length"] == 2.5
    assert item["takes"][0]["file"] == str(output)
    assert item["takes"][0]["name"] == 'Footsteps on "gravel", slow'
    names = run.names()
    assert names.index("Undo_BeginBlock") < names.index("AddMediaItemToTrack") < names.index("Undo_EndBlock")
    assert run["changes_outside_undo"] == []


def test_generate_never_names_an_existing_file(run_script, fake_bridge, record, tmp_path):
    media = tmp_path / "My Project" / "Media"
    media.mkdir(parents=True)
    (media / "soundloom-wind.wav").write_bytes(b"mine")
    (media / "soundloom-wind-2.wav").write_bytes(b"mine too")
    run_script(GENERATE, generate_scenario(tmp_path, fake_bridge, user_inputs=[[True, "wind"]]),
               {"FAKE_BRIDGE_RECORD": str(record)})
    argv = json.loads(record.read_text())
    assert argv[argv.index("-o") + 1] == str(media / "soundloom-wind-3.wav")
    assert (media / "soundloom-wind.wav").read_bytes() == b"mine"


@pytest.mark.parametrize("changes, reason", [
    ({"tracks": [{"name": "FX"}]}, "no track selected"),
    ({"time_selection": [3.0, 3.0]}, "no time selection"),
    ({"project_path": ""}, "the project has no media folder"),
])
def test_generate_refuses_without_a_track_or_a_selection(run_script, fake_bridge, record, tmp_path, changes, reason):
    run = run_script(GENERATE, generate_scenario(tmp_path, fake_bridge, **changes), {"FAKE_BRIDGE_RECORD": str(record)})
    assert len(run.messages()) == 1 and reason in run.messages()[0]
    assert not record.exists() and run["items"] == []


def test_an_unknown_command_path_is_asked_for_once_and_kept(run_script, fake_bridge, record, tmp_path):
    run = run_script(GENERATE, generate_scenario(
        tmp_path, fake_bridge, ext_state={},
        user_inputs=[[True, "wind"], [True, f"  {fake_bridge}  "]]),
        {"FAKE_BRIDGE_RECORD": str(record), "PATH": "/usr/bin:/bin"})
    assert run["ext_state"]["soundloom/command"] == str(fake_bridge)
    assert record.exists() and len(run["items"]) == 1


def test_a_command_path_that_does_not_exist_is_refused(run_script, fake_bridge, record, tmp_path):
    run = run_script(GENERATE, generate_scenario(
        tmp_path, fake_bridge, ext_state={"soundloom/command": "/gone/soundloom"},
        user_inputs=[[True, "wind"], [True, "/still/gone"]]),
        {"FAKE_BRIDGE_RECORD": str(record)})
    assert run.messages() == ["command: no file at '/still/gone'; give the full path of the soundloom program"
                              " (`which soundloom` in a terminal shows it)"]
    assert run.calls("GetUserInputs")[1]["args"][3] == "/gone/soundloom"
    assert not record.exists()


def test_the_command_is_found_on_path(run_script, fake_bridge, record, tmp_path):
    run = run_script(GENERATE, generate_scenario(tmp_path, fake_bridge, ext_state={}),
                     {"FAKE_BRIDGE_RECORD": str(record), "PATH": f"/nonexistent:{fake_bridge.parent}:/usr/bin:/bin"})
    assert record.exists() and run["inputs_used"] == 1


# The Windows launch: no Windows here, so the fake records ExecProcess's command line instead of
# starting it; the test splits that line by the C runtime's documented rules and compares.

def split_windows_command_line(line: str) -> list[str]:
    """CommandLineToArgvW's rules: 2n backslashes + quote -> n backslashes and a quote toggle;
    2n+1 backslashes + quote -> n backslashes and a literal quote; other backslashes are literal."""
    args, current, in_quotes, have_arg, i = [], [], False, False, 0
    while i < len(line):
        c = line[i]
        if c == "\\":
            n = 0
            while i < len(line) and line[i] == "\\":
                n, i = n + 1, i + 1
            if i < len(line) and line[i] == '"':
                current.append("\\" * (n // 2))
                if n % 2:
                    current.append('"')
                    i += 1
                have_arg = True
            else:
                current.append("\\" * n)
                have_arg = True
            continue
        if c == '"':
            in_quotes, have_arg = not in_quotes, True
        elif c in " \t" and not in_quotes:
            if have_arg:
                args.append("".join(current))
            current, have_arg = [], False
        else:
            current.append(c)
            have_arg = True
        i += 1
    if have_arg:
        args.append("".join(current))
    return args


def test_on_windows_the_command_starts_through_exec_process_without_waiting(run_script, tmp_path):
    clip = tmp_path / "C folder" / 'odd "name" \\ here.wav'
    clip.parent.mkdir()
    clip.write_bytes(b"RIFF")
    command = tmp_path / "Program Files" / "soundloom.exe"
    command.parent.mkdir()
    command.write_bytes(b"MZ")
    prompt = 'a "quoted\\" prompt \\\\ with %PATH% ^ & | trailing\\'
    run = run_script(REGENERATE, {
        "os": "Win64",
        "time_selection": [0.0, 1.0],
        "items": [{"position": 0.0, "length": 2.0, "takes": [
            {"source": {"type": "WAVE", "file": str(clip), "length": 2.0}}]}],
        "user_inputs": [[True, prompt]],
        "ext_state": {"soundloom/command": str(command)},
        "exec_process_result": None,
    })
    [call] = run["exec"]
    assert call["timeout"] == -2
    argv = split_windows_command_line(call["cmdline"])
    assert argv[0] == str(command)
    assert argv[1:4] == ["regen", "--progress-file", argv[3]] and argv[3].endswith(".progress.json")
    assert argv[-2:] == [str(clip), prompt]
    # ExecProcess answering nil means the program could not be started at all.
    assert run.messages() == [f"could not start {command}"]


def test_on_windows_a_command_that_never_reports_is_given_up_after_two_minutes(run_script, tmp_path):
    clip = tmp_path / "a.wav"
    clip.write_bytes(b"RIFF")
    command = tmp_path / "soundloom.exe"
    command.write_bytes(b"MZ")
    run = run_script(REGENERATE, {
        "os": "Win64",
        "time_selection": [0.0, 1.0],
        "items": [{"position": 0.0, "length": 2.0, "takes": [
            {"source": {"type": "WAVE", "file": str(clip), "length": 2.0}}]}],
        "user_inputs": [[True, "hum"]],
        "ext_state": {"soundloom/command": str(command)},
        "exec_process_result": "0\n",  # started; it just never writes its progress file
        "sleep_s": 0,  # nothing runs in the background, so REAPER's clock needs no real time
    })
    assert run.messages() == [f"soundloom did not report progress within 120 s; check the command path ({command})"]
    assert 120 * 30 <= run["iterations"] < 125 * 30
    assert run["windows"][0]["closed"] and run["undo_points"] == []
