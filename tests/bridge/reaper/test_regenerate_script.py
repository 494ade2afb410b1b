"""The "Regenerate time selection in selected item" ReaScript, under lua5.4 with the fake REAPER.

These scenarios check the script's own logic (selection → seconds in the file, refusals, the take
it adds, quoting, errors), so `soundloom` is the stand-in fake_bridge.py: a real background program
that writes the progress file like the real command. test_end_to_end.py runs the real command.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

REGENERATE = Path(__file__).resolve().parents[3] / "bridge" / "reaper" / "soundloom - Regenerate time selection in selected item.lua"


@pytest.fixture
def clip(tmp_path):
    path = tmp_path / "media folder" / "door slam.wav"
    path.parent.mkdir()
    sf.write(path, np.zeros((48000 * 8, 2), dtype=np.float32), 48000, subtype="PCM_24")
    return path


@pytest.fixture
def scenario(clip, fake_bridge):
    """An item at 10 s, 4 s long, playing `clip` from 1.25 s at half speed; selection 11–13 s."""
    def make(**changes):
        take = {"start_offset": 1.25, "playrate": 0.5, "pitch": -3.0, "volume": 0.5,
                "source": {"type": "WAVE", "file": str(clip), "length": 8.0}}
        take.update(changes.pop("take", {}))
        item = {"position": 10.0, "length": 4.0, "takes": [take]}
        item.update(changes.pop("item", {}))
        base = {
            "os": "Linux",
            "time_selection": [11.0, 13.0],
            "items": [item],
            "user_inputs": [[True, "heavy wooden door"]],
            "ext_state": {"soundloom/command": str(fake_bridge)},
        }
        base.update(changes)
        return base
    return make


@pytest.fixture
def bridge_env(tmp_path):
    record = tmp_path / "argv.json"
    env = {"FAKE_BRIDGE_RECORD": str(record)}

    def argv():
        return json.loads(record.read_text())
    env_argv = (env, argv, record)
    return env_argv


def region_of(argv):
    return argv[argv.index("--region") + 1]


def test_offset_and_playrate_map_the_selection_to_seconds_in_the_file(run_script, scenario, bridge_env, clip):
    env, argv, _ = bridge_env
    run = run_script(REGENERATE, scenario(), env)
    # file seconds = offset + (project seconds - item position) * playrate = 1.25 + (1..3) * 0.5
    assert region_of(argv()) == "1.75:2.75"
    assert argv()[-2:] == [str(clip), "heavy wooden door"]
    assert argv()[argv().index("--progress-file") + 1].endswith(".progress.json")

    item = run.item("item1")
    new = item["takes"][1]
    assert item["active_take"] == new["id"]
    assert new["file"] == str(clip.with_name("door slam.take-1.wav"))
    # Lined up and sounding like the original: same offset, rate, pitch and volume.
    assert new["values"] == item["takes"][0]["values"]
    assert run.messages() == []
    assert run["console"] == []


def test_the_undo_block_wraps_the_whole_take_creation(run_script, scenario, bridge_env):
    env, _, _ = bridge_env
    run = run_script(REGENERATE, scenario(), env)
    names = run.names()
    begin, end = names.index("Undo_BeginBlock"), names.index("Undo_EndBlock")
    for change in ("AddTakeToMediaItem", "SetMediaItemTake_Source", "SetMediaItemTakeInfo_Value",
                   "GetSetMediaItemTakeInfo_String", "SetActiveTake"):
        assert begin < names.index(change) < end, change
    assert run["changes_outside_undo"] == []
    assert [p["label"] for p in run["undo_points"]] == ["soundloom: regenerate 1.75:2.75 s"]
    assert run["undo_depth"] == 0
    assert names.index("UpdateArrange") > end


def test_reaper_gets_control_back_at_once_and_the_window_shows_the_commands_progress(
        run_script, scenario, bridge_env, tmp_path):
    """The script only starts the command and returns; the take is added by a later reaper.defer
    cycle, after the progress window showed the command's own progress line."""
    env, _, _ = bridge_env
    release = tmp_path / "progress-seen"
    run = run_script(REGENERATE, scenario(release_when_drawn=["step 1 of 2", str(release)]),
                     {**env, "FAKE_BRIDGE_RELEASE": str(release)})
    names = run.names()
    top_level = names[:run["top_level_calls"]]
    assert "defer" in top_level and "AddTakeToMediaItem" not in top_level
    assert names.index("AddTakeToMediaItem") >= run["top_level_calls"]
    assert run["iterations"] > 1
    assert "step 1 of 2" in run["drawn"] and run["windows"][0]["closed"]
    assert len(run.item("item1")["takes"]) == 2 and run.messages() == []


def test_a_section_source_adds_its_offset_and_the_new_take_plays_the_file_directly(run_script, scenario, bridge_env, clip):
    env, argv, _ = bridge_env
    section = {"type": "SECTION", "offset": 2.0, "length": 5.0,
               "parent": {"type": "WAVE", "file": str(clip), "length": 8.0}}
    run = run_script(REGENERATE, scenario(take={"source": section, "playrate": 1.5, "start_offset": 0.5}), env)
    # 2.0 (section) + 0.5 (take offset) + (11 - 10) * 1.5 = 4.0; end: 2.5 + 3 * 1.5 = 7.0
    assert region_of(argv()) == "4:7"
    new = run.item("item1")["takes"][1]
    assert new["values"]["D_STARTOFFS"] == pytest.approx(2.5)
    assert new["values"]["D_PLAYRATE"] == 1.5


def test_a_selection_starting_before_the_item_is_clipped_to_its_start(run_script, scenario, bridge_env):
    env, argv, _ = bridge_env
    run = run_script(REGENERATE, scenario(time_selection=[8.0, 12.0]), env)
    assert region_of(argv()) == "1.25:2.25"
    assert any("starts before the item" in line for line in run["console"])
    assert len(run.item("item1")["takes"]) == 2


def test_a_selection_running_past_the_item_is_clipped_to_its_end(run_script, scenario, bridge_env):
    env, argv, _ = bridge_env
    run = run_script(REGENERATE, scenario(time_selection=[13.0, 20.0]), env)
    assert region_of(argv()) == "2.75:3.25"
    assert any("runs past the item" in line for line in run["console"])


def test_a_selection_past_the_end_of_the_file_is_clipped_to_the_file(run_script, scenario, bridge_env):
    env, argv, _ = bridge_env
    run = run_script(REGENERATE, scenario(take={"playrate": 4.0}), env)
    # 1.25 + 1 * 4 = 5.25 to 1.25 + 3 * 4 = 13.25, but the file ends at 8 s.
    assert region_of(argv()) == "5.25:8"
    assert any("past the end of the audio file" in line for line in run["console"])


@pytest.mark.parametrize("changes, reason", [
    ({"time_selection": [0.0, 0.0]}, "no time selection"),
    ({"time_selection": [2.0, 9.0]}, "does not overlap the selected item"),
    ({"item": {"selected": False}}, "no item selected"),
    ({"take": {"midi": True, "source": {"type": "MIDI", "length": 4.0}}}, "is MIDI"),
    ({"take": {"source": {"type": "WAVE", "file": "/nowhere/gone.wav", "length": 8.0}}},
     "missing or offline: /nowhere/gone.wav"),
    ({"take": {"source": {"type": "SECTION", "offset": 0.0, "length": 8.0, "reversed": True,
                          "parent": {"type": "WAVE", "file": "CLIP", "length": 8.0}}}}, "the take is reversed"),
    ({"take": {"stretch_markers": 2}}, "stretch markers"),
    ({"take": {"playrate_envelope_points": 3}}, "playrate envelope"),
    ({"take": {"start_offset": 20.0}}, "covers no audio"),
])
def test_what_cannot_be_regenerated_is_refused_before_anything_runs(run_script, scenario, bridge_env, clip, changes, reason):
    env, _, record = bridge_env
    text = json.dumps(changes).replace('"CLIP"', json.dumps(str(clip)))
    run = run_script(REGENERATE, scenario(**json.loads(text)), env)
    assert len(run.messages()) == 1 and reason in run.messages()[0]
    assert run["inputs_used"] == 0, "the prompt is asked only when the selection can be used"
    assert not record.exists(), "soundloom must not be started"
    assert run["undo_points"] == [] and run.calls("AddTakeToMediaItem") == []


def test_two_selected_items_are_refused(run_script, scenario, bridge_env, clip):
    env, _, record = bridge_env
    base = scenario()
    base["items"].append({"position": 20.0, "length": 1.0, "takes": base["items"][0]["takes"]})
    run = run_script(REGENERATE, base, env)
    assert run.messages() == ["2 items are selected: select just the one to work on"]
    assert not record.exists()


def test_a_bridge_failure_shows_its_one_line_and_changes_nothing(run_script, scenario, bridge_env):
    env, _, _ = bridge_env
    run = run_script(REGENERATE, scenario(), {**env, "FAKE_BRIDGE_MODE": "fail"})
    assert run.messages() == ["region: 9.5:12 ends after the clip (0 to 4.0 s)"]
    assert run["message_boxes"][0]["title"] == "soundloom"
    assert len(run.item("item1")["takes"]) == 1
    assert run["undo_points"] == []
    assert run["windows"][0]["closed"]


def test_an_error_with_quotes_and_non_ascii_reaches_the_message_box_intact(run_script, scenario, bridge_env):
    env, _, _ = bridge_env
    message = 'prompt: "pluie d\'été" — 夜の雨 🌧 \\ is 2001 characters; allowed: 1 to 2000 [out_of_range]'
    run = run_script(REGENERATE, scenario(), {**env, "FAKE_BRIDGE_MODE": "fail", "FAKE_BRIDGE_MESSAGE": message})
    assert run.messages() == [message]


def test_a_command_that_dies_without_reporting_shows_its_last_error_line(run_script, scenario, bridge_env):
    env, _, _ = bridge_env
    run = run_script(REGENERATE, scenario(), {**env, "FAKE_BRIDGE_MODE": "crash"})
    assert run.messages() == ["ModuleNotFoundError: No module named 'soundloom'"]
    assert run["undo_points"] == []


@pytest.mark.parametrize("prompt", [
    'the "big" door\'s slam, $HOME `id` ; rm -rf x && echo *',
    "-leading dash option-looking prompt",
    "café à l'aube — 夜の雨 🌧",
    "back\\slash\\ and  two  spaces",
])
def test_the_prompt_reaches_the_command_exactly(run_script, scenario, bridge_env, prompt):
    env, argv, _ = bridge_env
    run_script(REGENERATE, scenario(user_inputs=[[True, prompt]]), env)
    assert argv()[-1] == prompt


def test_a_cancelled_prompt_runs_nothing(run_script, scenario, bridge_env):
    env, _, record = bridge_env
    run = run_script(REGENERATE, scenario(user_inputs=[[False, ""]]), env)
    assert not record.exists() and run.messages() == [] and run["undo_points"] == []


def test_an_empty_prompt_is_refused(run_script, scenario, bridge_env):
    env, _, record = bridge_env
    run = run_script(REGENERATE, scenario(user_inputs=[[True, "   "]]), env)
    assert run.messages() == ["prompt: describe the sound to make (1 to 2000 characters)"]
    assert not record.exists()


def test_the_last_prompt_is_offered_again(run_script, scenario, bridge_env):
    env, _, _ = bridge_env
    run = run_script(REGENERATE, scenario(ext_state={**scenario()["ext_state"], "soundloom/last_prompt": "rain",
                                                     "soundloom/options": "--steps 5"},
                                          user_inputs=[[True]]), env)
    assert run.calls("GetUserInputs")[0]["args"][3] == "rain\n--steps 5"
    assert run["ext_state"]["soundloom/last_prompt"] == "rain"


def test_an_item_removed_while_working_gets_no_take_and_the_file_is_named(run_script, scenario, bridge_env, clip):
    env, _, _ = bridge_env
    run = run_script(REGENERATE, scenario(delete_item_after=1), env)
    assert run.messages() == [
        f"the item was removed while soundloom worked; the new take is saved as {clip.with_name('door slam.take-1.wav')}"]
    assert run["undo_points"] == []


def test_closing_the_progress_window_still_adds_the_take(run_script, scenario, bridge_env):
    env, _, _ = bridge_env
    run = run_script(REGENERATE, scenario(close_window_after=1), env)
    assert run["windows"][0]["closed"]
    assert len(run.item("item1")["takes"]) == 2


def test_the_job_files_are_removed_afterwards(run_script, scenario, bridge_env, tmp_path):
    env, _, _ = bridge_env
    run_script(REGENERATE, scenario(), env)
    run_script(REGENERATE, scenario(), {**env, "FAKE_BRIDGE_MODE": "fail"})
    assert list(tmp_path.glob("soundloom-*")) == []


def test_options_typed_with_the_prompt_reach_the_command_and_are_offered_again(run_script, scenario, bridge_env):
    env, argv, _ = bridge_env
    run = run_script(REGENERATE, scenario(user_inputs=[[True, 'rain\n--steps 10 --negative "thunder, wind"']]), env)
    words = argv()
    assert words[words.index("--steps") + 1] == "10"
    assert words[words.index("--negative") + 1] == "thunder, wind"
    assert words[-1] == "rain"
    assert run["ext_state"]["soundloom/options"] == '--steps 10 --negative "thunder, wind"'
    # The dialog has two fields split by a newline, so commas in a prompt are safe.
    dialog = run.calls("GetUserInputs")[0]["args"]
    assert dialog[1] == 2 and "separator=\n" in dialog[2]


def test_variations_become_takes_of_the_item_in_one_undo_point(run_script, scenario, bridge_env, clip):
    env, _, _ = bridge_env
    run = run_script(REGENERATE, scenario(user_inputs=[[True, "rain\n-n 3"]]), env)
    item = run.item("item1")
    assert [t["file"] for t in item["takes"][1:]] == [str(clip.with_name(f"door slam.take-{k}.wav")) for k in (1, 2, 3)]
    assert item["active_take"] == item["takes"][1]["id"]
    assert len(run["undo_points"]) == 1 and run["changes_outside_undo"] == []


@pytest.mark.parametrize("options, reason", [
    ("--in-place", "options: --in-place is set by the script"),
    ("--region=0:1", "options: --region is set by the script"),
    ('--negative "wind', "options: a double quote is not closed"),
])
def test_options_the_script_sets_itself_are_refused(run_script, scenario, bridge_env, options, reason):
    env, _, record = bridge_env
    run = run_script(REGENERATE, scenario(user_inputs=[[True, "rain\n" + options]]), env)
    assert len(run.messages()) == 1 and run.messages()[0].startswith(reason)
    assert not record.exists()
