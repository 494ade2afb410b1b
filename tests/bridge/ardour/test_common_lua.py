"""The Ardour scripts' shared logic that needs no session, run by a real Lua
5.4 interpreter (Ardour embeds Lua 5.3; the code keeps to what both have):
the script descriptors Ardour reads, JSON, ranges, file headers, and running
and stopping the soundloom command."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

REPO = Path(__file__).resolve().parents[3]
SCRIPTS = REPO / "bridge" / "ardour"
LIB = SCRIPTS / "soundloom_common.lua"


@pytest.fixture(scope="module")
def lua() -> str:
    path = shutil.which("lua5.4")
    if not path:
        pytest.fail("lua5.4 is not installed: run `make system-deps` or `apt-get install lua5.4`", pytrace=False)
    return path


def run_lua(lua: str, code: str, timeout: float = 120) -> str:
    """Runs `code` with the library as M; returns what it printed."""
    program = f"local M = dofile({json.dumps(str(LIB))})\n{code}"
    proc = subprocess.run([lua, "-e", program], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("script, name", [
    ("soundloom_regenerate_range.lua", "soundloom: regenerate selected range"),
    ("soundloom_next_variation.lua", "soundloom: next variation"),
])
def test_action_scripts_declare_themselves_as_ardour_reads_them(lua, script, name):
    out = run_lua(lua, f"""
        local d
        function ardour (t) d = t end
        dofile({json.dumps(str(SCRIPTS / script))})
        local p = action_params ()
        print (d.type, d.name, type (factory), type (factory ({{}})), p.soundloom.default)
    """)
    assert out.split("\t") == ["EditorAction", name, "function", "function", "soundloom\n"]


def test_the_shared_file_is_not_listed_as_a_script(lua):
    out = run_lua(lua, """
        local called = false
        function ardour (t) called = true end
        local lib = dofile(""" + json.dumps(str(LIB)) + """)
        print (called, type (lib), type (lib.place_take))
    """)
    assert out.split() == ["false", "table", "function"]


def test_json_reports_decode(lua):
    text = json.dumps({"state": "done", "progress": 1.0, "message": "wrote \"1\" take — ok ☂",
                       "takes": ["/a b/clip.take-1.wav"], "seed": -12.5e3, "none": None, "yes": True})
    out = run_lua(lua, f"""
        local v = assert (M.json_decode ({json.dumps(text)}))
        print (v.state, v.progress, v.message, v.takes[1], #v.takes, v.seed, v.none, v.yes)
        print (M.json_decode ('{{"state": "run'))
        print (M.json_decode ('{{"a": 1}} x'))
    """)
    lines = out.splitlines()
    assert lines[0].split("\t") == ["done", "1.0", "wrote \"1\" take — ok ☂", "/a b/clip.take-1.wav", "1",
                                    "-12500.0", "nil", "true"]
    assert lines[1].startswith("nil\tbad JSON") and "unterminated string" in lines[1]
    assert lines[2] == "nil\tbad JSON: text after the value"


def test_range_in_the_file(lua):
    """A region 1 s into the timeline (48000), playing the file from 0.25 s
    (12000) for 1.5 s: the timeline range is clipped to the region and moved
    into the file. Positions as Ardour 6 numbers and as Ardour 7/8 objects."""
    out = run_lua(lua, """
        local function t (n) return { samples = function () return n end } end
        local region6 = { position = function () return 48000 end, start = function () return 12000 end,
                          length = function () return 72000 end, name = function () return "r" end }
        local region7 = { position = function () return t (48000) end, start = function () return t (12000) end,
                          length = function () return t (72000) end, name = function () return "r" end }
        print (M.region_arg (M.source_range (region6, 72000, 96000, 48000)))
        print (M.region_arg (M.source_range (region7, 0, 200000, 48000)))
        print (M.region_arg (M.source_range (region7, 72000, 96000, 96000)))
        print (M.source_range (region7, 0, 48000, 48000))
    """)
    assert out.splitlines() == ["0.750000000:1.250000000", "0.250000000:1.750000000",
                                "0.375000000:0.625000000", "nil\tthe range does not overlap region 'r'"]


def test_file_names(lua):
    out = run_lua(lua, """
        print (M.take_parent ("/s/clip.take-12.wav"), M.take_parent ("/s/a.b.take-1.aif"), M.take_parent ("/s/clip.wav"))
        print (M.stem ("/s/clip.take-1.wav"), M.basename ("/s/x/clip.wav"))
    """)
    assert out.splitlines() == ["/s/clip.wav\t/s/a.b.aif\tnil", "clip.take-1\tclip.wav"]


def test_shell_quoting_keeps_every_character(lua):
    nasty = ["it's", "a \"b\" $HOME `x` \\ ; & |", "-n", "line\nbreak", "", "☂ unicode"]
    out = run_lua(lua, f"""
        local words = {{ {", ".join(json.dumps(w, ensure_ascii=False) for w in nasty)} }}
        local f = io.popen ("python3 -c 'import json,sys; print(json.dumps(sys.argv[1:]))' " .. M.shell_join (words))
        print (f:read ("a"))
        f:close ()
    """)
    assert json.loads(out) == nasty


def test_sample_rate_from_file_headers(lua, tmp_path):
    files = {}
    for rate, fmt, ext, subtype in [(44100, "WAV", "wav", "PCM_24"), (96000, "AIFF", "aiff", "PCM_16"),
                                    (22050, "FLAC", "flac", "PCM_16"), (32000, "RF64", "wav", "FLOAT")]:
        path = tmp_path / f"r{rate}.{ext}"
        sf.write(str(path), np.zeros((64, 2)), rate, format=fmt, subtype=subtype)
        files[rate] = path
    out = run_lua(lua, "\n".join(f"print (M.file_rate ({json.dumps(str(p))}))" for p in files.values())
                  + f"\nprint (M.file_rate ({json.dumps(str(tmp_path / 'none.wav'))}))")
    assert out.split() == [str(rate) for rate in files] + ["nil"]


def test_command_line_for_the_bridge(lua):
    out = run_lua(lua, """
        local a = M.regen_argv ({ soundloom = "/opt/sl", source = "/s/clip.wav", region = "0.5:1.0",
            prompt = "-rain", negative = "hum", seed = 42, steps = 3, progress_file = "/tmp/p.json" })
        print (table.concat (a, "|"))
        local b = M.regen_argv ({ source = "/s/clip.wav", next_variation = true, prompt = "ignored",
            region = "0:1", steps = 3, progress_file = "/tmp/p.json" })
        print (table.concat (b, "|"))
    """)
    assert out.splitlines() == [
        "/opt/sl|regen|/s/clip.wav|--region|0.5:1.0|--prompt|-rain|--negative|hum|--seed|42|--steps|3"
        "|--json|--progress-file|/tmp/p.json",
        "soundloom|regen|/s/clip.wav|--next-variation|--json|--progress-file|/tmp/p.json",
    ]


def test_which_soundloom_runs(lua, tmp_path):
    (tmp_path / "soundloom_command.txt").write_text("\n  /home/me/.venv/bin/soundloom  \n")
    out = run_lua(lua, f"""
        print (M.command ({{ soundloom = "/x/soundloom" }}, {json.dumps(str(tmp_path))}))
        print (M.command ({{ soundloom = "soundloom" }}, {json.dumps(str(tmp_path))}))
        print (M.command (nil, {json.dumps(str(tmp_path / "nowhere"))}))
    """)
    assert out.splitlines() == ["/x/soundloom", "/home/me/.venv/bin/soundloom", "soundloom"]


def test_the_real_command_refusing_a_file_is_one_line(lua, tmp_path):
    """The real `soundloom regen` on a file that is not there: it ends with
    a failed report (or dies); the script gets its one-line error."""
    soundloom = Path(sys.executable).with_name("soundloom")
    missing = tmp_path / "gone.wav"
    out = run_lua(lua, f"""
        local job = M.new_job ({json.dumps(str(tmp_path / "job"))})
        M.start_job (job, M.regen_argv ({{ soundloom = {json.dumps(str(soundloom))}, source = {json.dumps(str(missing))},
            region = "0:1", prompt = "rain", progress_file = job.progress }}))
        local takes, why = M.wait_job (job, nil, function () os.execute ("sleep 0.1") end, 300)
        print (takes, why)
    """, timeout=360)
    takes, why = out.rstrip("\n").split("\t")
    assert takes == "nil"
    assert "gone.wav" in why and "\n" not in why


def test_a_command_that_cannot_start_is_noticed(lua, tmp_path):
    out = run_lua(lua, f"""
        local job = M.new_job ({json.dumps(str(tmp_path / "job"))})
        M.start_job (job, {{ {json.dumps(str(tmp_path / "no-such-program"))}, "regen" }})
        print (M.wait_job (job, nil, function () os.execute ("sleep 0.1") end, 120))
    """)
    assert out.startswith("nil\t") and "no-such-program" in out


def test_cancel_stops_the_command(lua, tmp_path):
    """Cancel from the progress window: the command gets SIGTERM (soundloom
    treats it as Ctrl-C) and ends; the wait returns at once."""
    marker = tmp_path / "still-running"
    program = f"import time, pathlib; time.sleep(60); pathlib.Path({str(marker)!r}).write_text('x')"
    out = run_lua(lua, f"""
        local job = M.new_job ({json.dumps(str(tmp_path / "job"))})
        M.start_job (job, {{ {json.dumps(sys.executable)}, "-c", {json.dumps(program)} }})
        local deadline = os.time () + 60
        while not M.read_file (job.pid) and os.time () < deadline do os.execute ("sleep 0.1") end
        os.execute ("sleep 0.5")
        print (M.wait_job (job, function () return true end, function () os.execute ("sleep 0.1") end))
    """)
    assert out == "nil\tcancelled\n"
    rc = tmp_path / "job.rc"
    deadline = time.monotonic() + 60
    while not rc.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert rc.exists(), "the command kept running after cancel"
    assert rc.read_text().strip() != "0"
    assert not marker.exists()
