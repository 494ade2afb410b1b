"""Running the soundloom ReaScripts under real lua5.4 against the fake REAPER (fake_reaper.lua).

REAPER cannot be installed on test machines; the fake stands in for REAPER's API only. The Lua
interpreter, the scripts, the file system and the background processes they start are real.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def lua_literal(value) -> str:
    """A Python value as Lua source (the scenario table the fake REAPER is built from)."""
    if value is None:
        return "nil"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (str, Path)):
        escaped = []
        for byte in str(value).encode():
            if byte in (0x22, 0x5C) or byte < 0x20 or byte == 0x7F:
                escaped.append(f"\\{byte:03d}")
            else:
                escaped.append(chr(byte) if byte < 0x80 else f"\\{byte:03d}")
        return '"' + "".join(escaped) + '"'
    if isinstance(value, (list, tuple)):
        return "{" + ", ".join(lua_literal(v) for v in value) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{lua_literal(k)}] = {lua_literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no Lua form for {value!r}")


class Run:
    """What one script run did: the fake's report, plus helpers to read it."""

    def __init__(self, report: dict, process: subprocess.CompletedProcess):
        self.report = report
        self.process = process

    def __getitem__(self, key):
        return self.report[key]

    def calls(self, name: str) -> list[dict]:
        return [c for c in self.report["calls"] if c["fn"] == name]

    def names(self) -> list[str]:
        return [c["fn"] for c in self.report["calls"]]

    def messages(self) -> list[str]:
        return [box["message"] for box in self.report["message_boxes"]]

    def item(self, item_id: str) -> dict:
        return next(i for i in self.report["items"] if i["id"] == item_id)


@pytest.fixture
def fake_bridge(tmp_path):
    """An executable stand-in for `soundloom` in a folder whose name has spaces and a quote."""
    folder = tmp_path / "bin dir 'x'"
    folder.mkdir()
    command = folder / "soundloom"
    command.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{HERE / "fake_bridge.py"}" "$@"\n')
    command.chmod(0o755)
    return command


@pytest.fixture
def run_script(tmp_path):
    """run_script(script, scenario, env=None) -> Run: one ReaScript run in the fake REAPER."""
    counter = iter(range(1000))

    def run(script: Path, scenario: dict, env: dict | None = None, timeout: float = 120) -> Run:
        n = next(counter)
        scenario_file = tmp_path / f"scenario-{n}.lua"
        scenario_file.write_text("return " + lua_literal(scenario) + "\n")
        report_file = tmp_path / f"report-{n}.json"
        process = subprocess.run(
            ["lua5.4", str(HERE / "run_scenario.lua"), str(scenario_file), str(script), str(report_file)],
            env={**os.environ, "TMPDIR": str(tmp_path), **(env or {})},
            capture_output=True, text=True, timeout=timeout,
        )
        assert process.returncode == 0, process.stderr
        report = json.loads(report_file.read_text())
        assert report["errors"] == [], report["errors"][0]
        assert not report["defer_limit_reached"], "the script kept polling past the fake's limit"
        return Run(report, process)

    return run
