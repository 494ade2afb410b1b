"""`soundloom bridge install reaper|ardour`: copy the DAW scripts into the DAW's script folder.

    REAPER  <resource path>/Scripts/soundloom/   (resource path: ~/.config/REAPER on Linux,
            ~/Library/Application Support/REAPER on macOS, %APPDATA%\\REAPER on Windows; REAPER's
            Options > Show REAPER resource path in explorer/finder shows it)
    Ardour  <config folder>/scripts/   (the newest configured Ardour: ~/.config/ardour8 or ardour7
            on Linux, ~/Library/Preferences/Ardour8 on macOS, %LOCALAPPDATA%\\Ardour8 on Windows)

`--resource-path DIR` names the REAPER resource path or the Ardour config folder instead.

It also writes soundloom_command.txt beside the scripts: the full path of the soundloom program
that ran the install, because a DAW started from a desktop menu often has a PATH without it.

Nothing the user owns is overwritten silently. A manifest, .soundloom-installed.json in the target
folder, records the SHA-256 of every file as it was installed. A file is written when it is new,
already identical, or unchanged since soundloom installed it; a file that was edited since, or
that soundloom did not write, is kept and the new version goes beside it as NAME.new, unless
--force, which saves the existing file as NAME.bak first. Every write is a temporary file in the
same folder renamed into place.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.resources
import json
import os
import re
import shutil
import sys
from pathlib import Path

from soundloom.bridge.errors import BridgeError
from soundloom.protocol.atomic_files import write_bytes_atomically

MANIFEST_NAME = ".soundloom-installed.json"
COMMAND_FILE = "soundloom_command.txt"
DAWS = ("reaper", "ardour")
# Ardour versions whose config folder is looked for, newest first; without any, the newest release.
ARDOUR_VERSIONS = (9, 8, 7, 6)
NEWEST_ARDOUR = 8

HOW_TO_LOAD = {
    "reaper": (
        "To load them in REAPER: Actions > Show action list > New action... > Load ReaScript...,\n"
        "and pick the three \"soundloom - ...\" scripts in that folder (soundloom_bridge.lua and\n"
        "soundloom_json.lua are loaded by them). To bind a key: select a script in the action list,\n"
        "then Shortcut: Add... and press the key."
    ),
    "ardour": (
        "To load them in Ardour (restart it first if it was running): Edit > Lua Scripts >\n"
        "Script Manager > Action Scripts > Add/Set, and pick the two \"soundloom: …\" actions. To bind a key:\n"
        "Window > Keyboard Shortcuts, Lua Scripts section."
    ),
}


def configure_parser(p: argparse.ArgumentParser) -> None:
    """The arguments of `soundloom bridge install`."""
    p.description = "Copy soundloom's scripts into REAPER's or Ardour's script folder."
    p.add_argument("daw", choices=DAWS, help="the DAW to install the scripts for")
    p.add_argument("--resource-path", type=Path, metavar="DIR",
                   help="REAPER's resource path or Ardour's config folder (default: the usual one on this system)")
    p.add_argument("--force", action="store_true",
                   help="also replace scripts that were changed since they were installed (the old file is kept as NAME.bak)")


# ---------------------------------------------------------------------- where


def reaper_resource_path() -> Path:
    """REAPER's default resource path on this system."""
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / "REAPER"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "REAPER"
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "REAPER"


def ardour_config_folder() -> Path:
    """The config folder of the newest Ardour that has one here, else that of the newest version."""
    if sys.platform == "win32":
        base, name = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")), "Ardour{}"
    elif sys.platform == "darwin":
        base, name = Path.home() / "Library" / "Preferences", "Ardour{}"
    else:
        base, name = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"), "ardour{}"
    candidates = [base / name.format(version) for version in ARDOUR_VERSIONS]
    return next((folder for folder in candidates if folder.is_dir()), base / name.format(NEWEST_ARDOUR))


def target_folder(daw: str, resource_path: Path | None) -> Path:
    """Where the scripts of `daw` go."""
    if daw == "reaper":
        return (resource_path or reaper_resource_path()) / "Scripts" / "soundloom"
    return (resource_path or ardour_config_folder()) / "scripts"


# ---------------------------------------------------------------------- what


def packaged_scripts(daw: str) -> dict[str, bytes]:
    """The DAW's script files shipped in the package: file name -> content."""
    folder = importlib.resources.files("soundloom.bridge") / daw
    scripts = {entry.name: entry.read_bytes() for entry in folder.iterdir() if entry.name.endswith(".lua")}
    if not scripts:
        raise BridgeError(f"this installation of soundloom has no {daw} scripts", "daw", bad_input=False)
    return scripts


def soundloom_command() -> Path | None:
    """The full path of the soundloom program running now (or on PATH), if there is one."""
    name = "soundloom.exe" if sys.platform == "win32" else "soundloom"
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if argv0 is not None and re.fullmatch(r"soundloom(\.exe)?", argv0.name) and argv0.exists():
        return argv0.resolve()
    beside_python = Path(sys.executable).parent / name
    if beside_python.exists():
        return beside_python
    found = shutil.which("soundloom")
    return Path(found).resolve() if found else None


# ---------------------------------------------------------------------- writing


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def read_manifest(folder: Path) -> dict[str, str]:
    """name -> SHA-256 of each file as soundloom last installed it (empty if none or unreadable)."""
    try:
        data = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
        files = data.get("files", {})
        return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}
    except (OSError, ValueError, AttributeError):
        return {}


def write_atomically(path: Path, content: bytes) -> None:
    """Replace `path` with `content`, whole or not at all, with the permissions of an installed script (0644)."""
    write_bytes_atomically(path, content, mode=0o644, sync=False)


def install_files(folder: Path, files: dict[str, bytes], *, force: bool = False) -> list[tuple[str, str]]:
    """Install `files` into `folder` without losing a user's change; returns (name, what happened)
    for each: "added", "updated", "unchanged", "kept yours, new version in NAME.new", or
    "replaced, yours saved as NAME.bak"."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = read_manifest(folder)
    outcome: list[tuple[str, str]] = []
    installed: dict[str, str] = dict(manifest)
    for name in sorted(files):
        content, path = files[name], folder / name
        new_digest = digest(content)
        if not path.exists():
            write_atomically(path, content)
            outcome.append((name, "added"))
        else:
            current = digest(path.read_bytes())
            if current == new_digest:
                outcome.append((name, "unchanged"))
            elif manifest.get(name) == current:
                write_atomically(path, content)
                outcome.append((name, "updated"))
            elif force:
                backup = path.with_name(name + ".bak")
                write_atomically(backup, path.read_bytes())
                write_atomically(path, content)
                outcome.append((name, f"replaced, yours saved as {backup.name}"))
            else:
                write_atomically(path.with_name(name + ".new"), content)
                outcome.append((name, f"kept yours (changed since it was installed), new version in {name}.new"))
                continue  # the manifest keeps the old digest: the file is still the user's
        installed[name] = new_digest
    write_atomically(folder / MANIFEST_NAME,
                     (json.dumps({"version": 1, "files": installed}, indent=2, sort_keys=True) + "\n").encode())
    return outcome


# ---------------------------------------------------------------------- the command


def install(daw: str, resource_path: Path | None = None, *, force: bool = False) -> tuple[Path, list[tuple[str, str]]]:
    """Install the scripts of `daw`; returns the folder and what happened to each file."""
    if daw not in DAWS:
        raise BridgeError(f"daw must be one of {', '.join(DAWS)}, got {daw!r}", "daw")
    if resource_path is not None and resource_path.exists() and not resource_path.is_dir():
        raise BridgeError(f"{resource_path} is a file; give the folder of REAPER's resources or Ardour's settings",
                          "resource_path")
    folder = target_folder(daw, resource_path)
    files = packaged_scripts(daw)
    command = soundloom_command()
    if command is not None:
        files[COMMAND_FILE] = (str(command) + "\n").encode()
    return folder, install_files(folder, files, force=force)


def run(args: argparse.Namespace) -> int:
    """`soundloom bridge install`: prints what was written and how to load the scripts."""
    try:
        folder, outcome = install(args.daw, args.resource_path, force=args.force)
    except BridgeError as exc:
        print(f"soundloom: error: {exc}", file=sys.stderr)
        return 2 if exc.bad_input else 1
    except OSError as exc:
        print(f"soundloom: error: cannot write the scripts: {exc}", file=sys.stderr)
        return 1
    print(f"{args.daw} scripts in {folder}:")
    for name, what in outcome:
        print(f"  {name}: {what}")
    if not any(name == COMMAND_FILE for name, _ in outcome):
        print("  (the soundloom program was not found: the scripts will ask for its full path once)")
    print()
    print(HOW_TO_LOAD[args.daw])
    return 0
