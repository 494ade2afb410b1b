"""The Ardour actions on real Ardour sessions, headless (ardour7-lua, dummy backend).

Each test lays part of a 24-bit 48 kHz clip on a track (1 s into the
timeline, starting 0.25 s into the file, 1.5 s long), runs an action script
as Ardour runs it, saves, and reloads the session in a fresh Ardour process
to check what Ardour kept. Only what needs Ardour's editor window is stood in
for (see session_tool.lua): the selection, the dialogs, the progress window
and Editor:do_embed (the take is put into the session's region list as
do_embed leaves it).

The default-run tests also stand in for the engine: a small program answers
for `soundloom regen` as the real command does (progress file, --json) and
names a take the test wrote. The slow test runs the real `soundloom regen`
against the real engine.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from clips import native

REPO = Path(__file__).resolve().parents[3]
SCRIPTS = REPO / "bridge" / "ardour"
REGENERATE = SCRIPTS / "soundloom_regenerate_range.lua"
NEXT_VARIATION = SCRIPTS / "soundloom_next_variation.lua"

RATE = 48000
POSITION, START, LENGTH = 48000, 12000, 72000        # the clip's region, in samples (see conftest.py)
RANGE = (72000, 96000)                               # the time selection on the timeline
FILE_RANGE = (START + RANGE[0] - POSITION, START + RANGE[1] - POSITION)   # 36000..60000 in the file

STAND_IN = '''
"""Answers for `soundloom regen` without an engine: records its arguments,
reports through the progress file as the real command does (atomically), and
names the take the test wrote (STANDIN_TAKES, one per call)."""
import json, os, sys
from pathlib import Path

args = sys.argv[1:]
record = Path(os.environ["STANDIN_RECORD"])
calls = json.loads(record.read_text()) if record.exists() else []
calls.append(args)
record.write_text(json.dumps(calls))
progress = Path(args[args.index("--progress-file") + 1])

def report(**state):
    tmp = progress.with_name(progress.name + ".tmp")
    tmp.write_text(json.dumps(state))
    os.replace(tmp, progress)

take = os.environ["STANDIN_TAKES"].split(os.pathsep)[len(calls) - 1]
report(state="running", progress=0.5, message="step 1/2", takes=[])
report(state="done", progress=1.0, message="wrote 1 take(s)", takes=[take])
print(json.dumps({"takes": [take], "seed": 7}))
'''


@pytest.fixture
def stand_in(tmp_path) -> Path:
    path = tmp_path / "soundloom-stand-in"
    path.write_text(f"#!{sys.executable}\n{STAND_IN}")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def premade_take(clip: Path, name: str, seed: int) -> Path:
    """What the bridge would write: the clip, other sound inside FILE_RANGE."""
    samples = native(clip)
    rng = np.random.default_rng(seed)
    a, b = FILE_RANGE
    samples[a:b] = (rng.integers(-2**22, 2**22, size=samples[a:b].shape) << 8).astype(np.int32)
    take = clip.with_name(name)
    sf.write(str(take), samples, RATE, subtype="PCM_24")
    return take


def run_action(ardour, session, script, soundloom, *, select="region", prompt="rain on a tin roof",
               mode="mute", steps="", embedded=(), env=None):
    return ardour.run("run-action", session, "take_test", script, soundloom, select, RANGE[0], RANGE[1],
                      prompt, mode, steps, *embedded, extra_env=env)


def test_regenerate_lays_the_take_over_the_region(ardour, laid_session, tmp_path, stand_in):
    session, clip = laid_session(2)
    take = premade_take(clip, "clip.take-1.wav", seed=1)
    ardour.embed(session, take)
    record = tmp_path / "calls.json"
    env = {"STANDIN_RECORD": str(record), "STANDIN_TAKES": str(take)}

    facts = run_action(ardour, session, REGENERATE, stand_in, embedded=[take], env=env)
    assert facts["action"] == ["EditorAction soundloom: regenerate selected range"]
    assert "message" not in facts, facts["message"]
    assert facts["embed"] == [str(take)]
    assert int(facts["progress-shown"][0]) >= 2          # the running report, then the final one
    [call] = json.loads(record.read_text())
    # the range 1.5–2.0 s on the timeline is 0.75–1.25 s into the file
    assert call[:6] == ["regen", str(clip), "--region", "0.750000000:1.250000000", "--prompt", "rain on a tin roof"]
    assert call[6:8] == ["--json", "--progress-file"]

    # what a fresh Ardour finds in the saved session
    regions = sorted(ardour.regions(ardour.run("inspect", ardour.lib, session, "take_test")), key=lambda r: r.layer)
    assert [r.sources for r in regions] == [[str(clip)] * 2, [str(take)] * 2]
    assert [r.muted for r in regions] == [True, False]
    for r in regions:
        assert (r.position, r.start, r.length, r.channels) == (POSITION, START, LENGTH, 2)
    assert regions[1].name == "clip.take-1"


@pytest.mark.slow
def test_next_variation_of_a_take(ardour, laid_session, tmp_path, stand_in):
    """The take's region is selected: its variation is asked of the file it
    came from, and goes over it; the earlier take stays, muted."""
    session, clip = laid_session(2)
    take1 = premade_take(clip, "clip.take-1.wav", seed=1)
    take2 = premade_take(clip, "clip.take-2.wav", seed=2)
    ardour.embed(session, take1)
    ardour.embed(session, take2)
    record = tmp_path / "calls.json"
    env = {"STANDIN_RECORD": str(record), "STANDIN_TAKES": os.pathsep.join([str(take1), str(take2)])}
    run_action(ardour, session, REGENERATE, stand_in, embedded=[take1], env=env)

    facts = run_action(ardour, session, NEXT_VARIATION, stand_in, embedded=[take2], env=env)
    assert facts["action"] == ["EditorAction soundloom: next variation"]
    assert "message" not in facts, facts["message"]
    calls = json.loads(record.read_text())
    assert calls[1][:5] == ["regen", str(clip), "--next-variation", "--json", "--progress-file"]

    regions = sorted(ardour.regions(ardour.run("inspect", ardour.lib, session, "take_test")), key=lambda r: r.layer)
    assert [r.sources for r in regions] == [[str(clip)] * 2, [str(take1)] * 2, [str(take2)] * 2]
    assert [r.muted for r in regions] == [True, True, False]
    for r in regions:
        assert (r.position, r.start, r.length) == (POSITION, START, LENGTH)


@pytest.mark.slow
def test_range_on_the_track_and_replace(ardour, laid_session, tmp_path, stand_in):
    """No region selected, only a time range on the track (the Range tool);
    "replace" takes the original off the playlist. Before that, the real
    soundloom command refuses the region's file (moved away): its one-line
    error reaches the user and nothing is placed."""
    session, clip = laid_session(1)
    moved = clip.rename(clip.with_name("moved.wav"))
    facts = run_action(ardour, session, REGENERATE, Path(sys.executable).with_name("soundloom"), select="range")
    [message] = facts["message"]
    assert message.startswith("3 ") and "clip.wav" in message     # 3: LuaDialog.MessageType.Error
    [region] = ardour.regions(facts)
    assert (region.sources, region.muted) == ([str(clip)], False)
    moved.rename(clip)

    take = premade_take(clip, "clip.take-1.wav", seed=3)
    ardour.embed(session, take)
    record = tmp_path / "calls.json"
    env = {"STANDIN_RECORD": str(record), "STANDIN_TAKES": str(take)}
    facts = run_action(ardour, session, REGENERATE, stand_in, select="range", mode="replace", steps="3",
                       prompt="-distant thunder", embedded=[take], env=env)
    assert "message" not in facts, facts["message"]
    [call] = json.loads(record.read_text())
    # a prompt starting with '-' still arrives as the prompt
    assert call[:8] == ["regen", str(clip), "--region", "0.750000000:1.250000000",
                        "--prompt", "-distant thunder", "--steps", "3"]

    [region] = ardour.regions(ardour.run("inspect", ardour.lib, session, "take_test"))
    assert region.sources == [str(take)]
    assert (region.position, region.start, region.length, region.muted) == (POSITION, START, LENGTH, False)


def test_placing_a_take_is_one_undo_step(ardour, laid_session):
    """The diff commands the placement records take the playlist and the
    original's mute state back (what Ctrl+Z replays), and the placed state
    is what Ardour saves."""
    session, clip = laid_session(2)
    take = premade_take(clip, "clip.take-1.wav", seed=4)
    ardour.embed(session, take)

    facts = ardour.run("place", ardour.lib, session, "take_test", clip, take, "mute")
    assert facts["placed-regions"] == ["2"]
    assert facts["undone-regions"] == ["1 before=1"]
    assert facts["undone-original-muted"] == ["false"]
    assert facts["undone-original-on-playlist"] == ["true"]
    regions = sorted(ardour.regions(facts), key=lambda r: r.layer)
    assert [(r.sources, r.muted) for r in regions] == [([str(clip)] * 2, True), ([str(take)] * 2, False)]
    history = (session / "take_test.history").read_text()
    assert "soundloom: regenerate" in history


@pytest.mark.slow
def test_real_bridge_take_lands_in_ardour(ardour, laid_session, bridge_engine):
    """The real `soundloom regen` (tiny model, 2 steps) from the action, then
    next variation; Ardour keeps both takes, and each is the clip exactly
    outside the range."""
    session, clip = laid_session(2)
    frames = sf.info(str(clip)).frames
    take1, take2 = clip.with_name("clip.take-1.wav"), clip.with_name("clip.take-2.wav")
    # announced before they exist: Ardour opens an embedded file when it reads it
    ardour.embed(session, take1, channels=2, frames=frames)
    ardour.embed(session, take2, channels=2, frames=frames)
    soundloom = Path(sys.executable).with_name("soundloom")
    env = {"SOUNDLOOM_RUNTIME_DIR": str(bridge_engine.runtime)}

    facts = run_action(ardour, session, REGENERATE, soundloom, steps="2", embedded=[take1], env=env)
    assert "message" not in facts, facts["message"]
    facts = run_action(ardour, session, NEXT_VARIATION, soundloom, embedded=[take2], env=env)
    assert "message" not in facts, facts["message"]

    source = native(clip)
    a, b = FILE_RANGE
    for take in (take1, take2):
        info = sf.info(str(take))
        assert (info.samplerate, info.channels, info.frames, info.subtype) == (RATE, 2, frames, "PCM_24")
        samples = native(take)
        assert np.array_equal(samples[:a], source[:a])
        assert np.array_equal(samples[b:], source[b:])
        assert not np.array_equal(samples[a:b], source[a:b])
    assert not np.array_equal(native(take1)[a:b], native(take2)[a:b])

    regions = sorted(ardour.regions(ardour.run("inspect", ardour.lib, session, "take_test")), key=lambda r: r.layer)
    assert [r.sources for r in regions] == [[str(clip)] * 2, [str(take1)] * 2, [str(take2)] * 2]
    assert [r.muted for r in regions] == [True, True, False]
    for r in regions:
        assert (r.position, r.start, r.length) == (POSITION, START, LENGTH)
