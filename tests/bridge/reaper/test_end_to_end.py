"""The regenerate ReaScript end to end: lua5.4 runs the script against the fake REAPER (REAPER
itself cannot be installed here), the script starts the real `soundloom regen` in the background,
which asks the real engine (tiny model) for the region; the script then adds the take it wrote."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import soundfile as sf

from clips import native, write_clip

REGENERATE = Path(__file__).resolve().parents[3] / "bridge" / "reaper" / "soundloom - Regenerate time selection in selected item.lua"
SOUNDLOOM = Path(sys.executable).parent / "soundloom"


def test_the_script_adds_a_take_identical_to_its_source_outside_the_selection(run_script, bridge_engine, tmp_path):
    folder = tmp_path / "my session"
    folder.mkdir()
    source = write_clip(folder / "engine room.wav", seconds=2.0, rate=48000, channels=2, subtype="PCM_24")
    prompt = 'a "low" hum, then a clank'

    run = run_script(REGENERATE, {
        "os": "Linux",
        # Item at 5 s playing the file from 0.25 s; selection 5.5–6.25 s = 0.75–1.5 s in the file.
        "time_selection": [5.5, 6.25],
        "items": [{"position": 5.0, "length": 1.75, "takes": [
            {"start_offset": 0.25, "source": {"type": "WAVE", "file": str(source), "length": 2.0}}]}],
        # The options field: the fewest steps the tiny model needs, so the test stays quick.
        "user_inputs": [[True, f"{prompt}\n--steps 2 --guidance 1"]],
        "ext_state": {"soundloom/command": str(SOUNDLOOM)},
        "max_iterations": 30000,  # about 10 minutes of REAPER's timer: a loaded machine is slow
    }, {"SOUNDLOOM_RUNTIME_DIR": str(bridge_engine.runtime)}, timeout=900)

    assert run.messages() == []
    item = run["items"][0]
    new = item["takes"][1]
    assert item["active_take"] == new["id"]
    take = Path(new["file"])
    assert take.parent == folder and take.name == "engine room.take-1.wav"
    assert new["values"]["D_STARTOFFS"] == 0.25 and new["values"]["D_PLAYRATE"] == 1.0
    assert [p["label"] for p in run["undo_points"]] == ["soundloom: regenerate 0.75:1.5 s"]
    assert run["changes_outside_undo"] == []

    before, after = sf.info(str(source)), sf.info(str(take))
    assert (after.samplerate, after.channels, after.subtype, after.frames) == (48000, 2, "PCM_24", before.frames)
    original, regenerated = native(source), native(take)
    start, end = round(0.75 * 48000), round(1.5 * 48000)
    assert np.array_equal(regenerated[:start], original[:start])
    assert np.array_equal(regenerated[end:], original[end:])
    assert not np.array_equal(regenerated[start:end], original[start:end])
    assert list(tmp_path.glob("soundloom-*")) == [], "the job's progress files are cleaned up"


GENERATE = REGENERATE.with_name("soundloom - Generate into time selection on selected track.lua")


def test_generate_puts_a_sound_of_exactly_the_selection_on_the_track(run_script, bridge_engine, tmp_path):
    media = tmp_path / "Project Media"
    run = run_script(GENERATE, {
        "os": "Linux",
        "time_selection": [12.0, 13.25],
        "tracks": [{"name": "Ambience", "selected": True}],
        "user_inputs": [[True, "distant traffic\n--steps 2 --guidance 1"]],
        "project_path": str(media),
        "ext_state": {"soundloom/command": str(SOUNDLOOM)},
        "max_iterations": 30000,
    }, {"SOUNDLOOM_RUNTIME_DIR": str(bridge_engine.runtime)}, timeout=900)

    assert run.messages() == []
    [item] = run["items"]
    assert (item["position"], item["length"], item["track"]) == (12.0, 1.25, "track1")
    sound = Path(item["takes"][0]["file"])
    assert sound == media / "soundloom-distant-traffic.wav"
    info = sf.info(str(sound))
    assert info.frames == round(1.25 * info.samplerate)


def test_a_failure_of_the_real_command_shows_its_one_line(run_script, bridge_engine, tmp_path):
    not_audio = tmp_path / "notes.wav"
    not_audio.write_text("these are words, not samples")
    run = run_script(REGENERATE, {
        "os": "Linux",
        "time_selection": [0.0, 0.5],
        "items": [{"position": 0.0, "length": 1.0, "takes": [
            {"source": {"type": "WAVE", "file": str(not_audio), "length": 1.0}}]}],
        "user_inputs": [[True, "hum"]],
        "ext_state": {"soundloom/command": str(SOUNDLOOM)},
    }, {"SOUNDLOOM_RUNTIME_DIR": str(bridge_engine.runtime)}, timeout=300)
    [message] = run.messages()
    assert "notes.wav" in message and "\n" not in message
    assert run["items"][0]["takes"][1:] == [] and run["undo_points"] == []
