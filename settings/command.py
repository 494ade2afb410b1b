"""`soundloom config show|set|unset|path`: the settings file from the shell."""

from __future__ import annotations

import argparse
import json

from soundloom.settings.keys import KEYS
from soundloom.settings.paths import settings_path
from soundloom.settings.store import load, set_value, unset


def add_parser(commands) -> None:
    """Add `config` and its actions to the `soundloom` parser's subcommands."""
    p = commands.add_parser("config", help="show or change settings kept in settings.toml (soundloom config show)")
    actions = p.add_subparsers(dest="config_command", required=True, parser_class=type(p))
    showing = actions.add_parser("show", help="every setting with its value and where it came from")
    showing.add_argument("--json", action="store_true", help="print the settings as JSON")
    setting = actions.add_parser("set", help="store a setting (checked first; comments in the file are kept)")
    setting.add_argument("key", help=f"one of: {', '.join(KEYS)}")
    setting.add_argument("value", nargs="+", help="the value; library_roots takes one or more folders")
    unsetting = actions.add_parser("unset", help="remove a setting from the file, so its default applies again")
    unsetting.add_argument("key", help=f"one of: {', '.join(KEYS)}")
    actions.add_parser("path", help="print where the settings file is")


def _shown(value) -> str:
    if isinstance(value, list):
        return " ".join(value) if value else "[]"
    return '""' if value == "" else str(value)


def config_command(args: argparse.Namespace) -> int:
    """Run `soundloom config …`; a bad key or value raises SoundloomError naming it."""
    if args.config_command == "path":
        print(settings_path())
        return 0
    if args.config_command == "set":
        value = set_value(args.key, args.value)
        print(f"{args.key} = {_shown(value)}  ({settings_path()})")
        return 0
    if args.config_command == "unset":
        removed = unset(args.key)
        default = KEYS[args.key].default
        print(f"{args.key} = {_shown(default)}  (default{'' if removed else '; it was not set'})")
        return 0
    settings = load()
    if args.json:
        print(json.dumps({name: {"value": settings.values[name], "source": settings.sources[name]} for name in KEYS},
                         indent=2))
        return 0
    print(f"# {settings.path}")
    width = max(len(name) for name in KEYS)
    for name in KEYS:
        print(f"{name:{width}}  {_shown(settings.values[name])}  ({settings.sources[name]})")
    return 0
