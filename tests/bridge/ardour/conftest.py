"""Real Ardour, headless: its Lua interpreter (ardour7-lua / ardour8-lua) with
the dummy audio backend, a throw-away HOME, and the session tool that runs the
scripts' shared logic (bridge/ardour/soundloom_common.lua)."""

from __future__ import annotations

import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
import soundfile as sf

REPO = Path(__file__).resolve().parents[3]
LIB = REPO / "bridge" / "ardour" / "soundloom_common.lua"
TOOL = Path(__file__).with_name("session_tool.lua")
INTERPRETERS = ("ardour8-lua", "ardour7-lua")


def find_interpreter() -> str:
    for name in INTERPRETERS:
        path = shutil.which(name)
        if path:
            return path
    pytest.fail("Ardour's headless Lua interpreter (ardour7-lua) is not installed: "
                "run `make system-deps` or `apt-get install ardour`", pytrace=False)


@dataclass
class Region:
    name: str
    position: int
    start: int
    length: int
    muted: bool
    layer: int
    channels: int
    sources: list[str]


class Ardour:
    """Runs session_tool.lua commands in fresh Ardour processes."""

    lib = LIB

    def __init__(self, interpreter: str, home: Path):
        self.interpreter = interpreter
        self.home = home
        home.mkdir(parents=True, exist_ok=True)

    def run(self, *args, timeout: float = 180, check: bool = True,
            extra_env: dict | None = None) -> dict[str, list[str]]:
        # ARDOUR_LUA_PATH: where Ardour (and the actions) look for scripts
        env = dict(os.environ, HOME=str(self.home), XDG_CONFIG_HOME=str(self.home / ".config"),
                   XDG_CACHE_HOME=str(self.home / ".cache"), ARDOUR_LUA_PATH=str(LIB.parent),
                   **(extra_env or {}))
        proc = subprocess.run([self.interpreter, "--", str(TOOL), *map(str, args)], env=env,
                              capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
        facts: dict[str, list[str]] = {}
        for line in proc.stdout.splitlines():
            if line.startswith("@@ "):
                key, _, value = line[3:].partition(" ")
                facts.setdefault(key, []).append(value)
        if check and (proc.returncode != 0 or "error" in facts):
            raise AssertionError(f"ardour-lua {args[0]} failed ({proc.returncode}): "
                                 f"{facts.get('error')}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        return facts

    @staticmethod
    def regions(facts) -> list[Region]:
        out = []
        for line in facts.get("region", []):
            name, *fields = line.split(" ")
            kv = dict(f.split("=", 1) for f in fields)
            out.append(Region(name=name, position=int(kv["position"]), start=int(kv["start"]),
                              length=int(kv["length"]), muted=kv["muted"] == "true",
                              layer=int(kv["layer"]), channels=int(kv["channels"]),
                              sources=kv["sources"].split("|")))
        return out

    @staticmethod
    def embed(session_dir: Path, audio: Path, channels: int | None = None, frames: int | None = None) -> None:
        """Adds `audio` to the session's region list the way Editor:do_embed
        leaves it (one external source per channel and a whole-file region over
        them). Editor:do_embed needs Ardour's editor window, which cannot run
        here; the session file is Ardour's own format, which it reads back.
        A file that does not exist yet (a take about to be written) needs its
        channels and frames; Ardour opens it when it plays or reads it."""
        session_file = session_dir / f"{session_dir.name}.ardour"
        tree = ET.parse(session_file)
        root = tree.getroot()
        if channels is None or frames is None:
            info = sf.info(str(audio))
            channels, frames = info.channels, info.frames
        next_id = int(root.get("id-counter"))
        source_ids = []
        sources = root.find("Sources")
        for channel in range(channels):
            next_id += 1
            source_ids.append(next_id)
            ET.SubElement(sources, "Source", {
                "name": str(audio), "type": "audio", "flags": "", "id": str(next_id),
                "channel": str(channel), "origin": str(audio), "gain": "1", "take-id": ""})
        next_id += 1
        region = {"name": audio.stem, "id": str(next_id), "type": "audio", "whole-file": "1",
                  "external": "1", "opaque": "1", "start": "0", "length": str(frames),
                  "position": "0", "channels": str(channels)}
        for i, sid in enumerate(source_ids):
            region[f"source-{i}"] = str(sid)
            region[f"master-source-{i}"] = str(sid)
        ET.SubElement(root.find("Regions"), "Region", region)
        root.set("id-counter", str(next_id + 1))
        tmp = session_file.with_suffix(".ardour.tmp")
        tree.write(tmp, xml_declaration=True, encoding="UTF-8")
        tmp.replace(session_file)


@pytest.fixture(scope="session")
def ardour(tmp_path_factory) -> Ardour:
    return Ardour(find_interpreter(), tmp_path_factory.mktemp("ardour-home"))


RATE = 48000
POSITION, START, LENGTH = 48000, 12000, 72000   # where the clip's region is laid, in samples


@pytest.fixture(scope="session")
def laid_sessions(ardour, tmp_path_factory):
    """Per channel count, made once by Ardour: a session whose one audio track
    plays part of a 2 s 24-bit 48 kHz clip (1 s into the timeline, starting
    0.25 s into the file, 1.5 s long). Returns (session folder, clip)."""
    from clips import write_clip

    made: dict[int, tuple[Path, Path]] = {}

    def get(channels: int) -> tuple[Path, Path]:
        if channels not in made:
            folder = tmp_path_factory.mktemp(f"laid-{channels}ch")
            session = folder / "take_test"
            ardour.run("create", session, "take_test", RATE, channels)
            clip = write_clip(folder / "clip.wav", seconds=2.0, rate=RATE, channels=channels, subtype="PCM_24")
            ardour.embed(session, clip)
            facts = ardour.run("lay-clip", LIB, session, "take_test", clip, POSITION, START, LENGTH)
            [region] = ardour.regions(facts)
            assert (region.position, region.start, region.length) == (POSITION, START, LENGTH)
            made[channels] = (session, clip)
        return made[channels]
    return get


@pytest.fixture
def laid_session(laid_sessions, tmp_path):
    """A copy of a laid session in this test's folder, with its own copy of
    the clip (the session file is pointed at it)."""
    def get(channels: int) -> tuple[Path, Path]:
        template, template_clip = laid_sessions(channels)
        session = tmp_path / "take_test"
        shutil.copytree(template, session)
        clip = tmp_path / "clip.wav"
        shutil.copyfile(template_clip, clip)
        session_file = session / "take_test.ardour"
        text = session_file.read_text(encoding="utf-8")
        assert str(template_clip) in text
        session_file.write_text(text.replace(str(template_clip), str(clip)), encoding="utf-8")
        return session, clip
    return get
