"""Reading and changing settings.toml.

Reading uses the standard library's TOML parser (fast: every engine start reads the file).
Changing uses tomlkit, so the user's comments and layout survive, and writes a temporary file
beside the real one and renames it over, so the file is never seen half-written.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from soundloom.protocol.atomic_files import write_text_atomically
from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.settings.keys import KEYS, key
from soundloom.settings.paths import settings_path

DEFAULT = "default"
FILE = "file"


@dataclass
class Settings:
    """Every key's value (from the file, else its default) and where the value came from."""

    path: Path
    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.values[key(name).name]


def _read_document(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{path} is not valid TOML: {exc}", "settings") from None
    except OSError as exc:
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"cannot read {path}: {exc.strerror}", "settings") from None


def load(path: Path | None = None) -> Settings:
    """The settings in `path` (default: the user's settings file); a missing file means all defaults.

    A value of the wrong type or range, or an unknown key, is an error naming the file and the key,
    so a typo is reported rather than silently ignored.
    """
    path = Path(path) if path is not None else settings_path()
    document = _read_document(path)
    settings = Settings(path)
    for name in document:
        if name not in KEYS:
            raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{path}: no setting called {name!r}; known: "
                                 f"{', '.join(KEYS)}", name)
    for name, spec in KEYS.items():
        if name in document:
            try:
                settings.values[name] = spec.check(name, document[name])
            except SoundloomError as exc:
                raise SoundloomError(exc.code, f"{path}: {exc.message}", name) from None
            settings.sources[name] = FILE
        else:
            settings.values[name] = spec.default
            settings.sources[name] = DEFAULT
    return settings


def _edit(path: Path, change) -> None:
    import tomlkit  # only for writing: reading needs no more than tomllib

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    try:
        document = tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as exc:
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{path} is not valid TOML: {exc}", "settings") from None
    change(document)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_text_atomically(path, tomlkit.dumps(document), mode=0o600)  # the user's alone, like the folder


def set_value(name: str, words: list[str], path: Path | None = None) -> Any:
    """Check `words` (as typed after `config set KEY`) for key `name` and store the value; returns it.

    Nothing is written when the value is refused.
    """
    spec = key(name)
    if not words or (not spec.many and len(words) != 1):
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"expected {'one or more values' if spec.many else 'one value'}; "
                             f"allowed: {spec.allowed}", name)
    value = spec.check(name, spec.parse(name, words))
    path = Path(path) if path is not None else settings_path()
    load(path)  # refuse to rewrite a file that is already broken: its other keys would be lost or kept wrong

    def change(document) -> None:
        document[name] = value

    _edit(path, change)
    return value


def unset(name: str, path: Path | None = None) -> bool:
    """Remove key `name` from the file, so its default applies again; False when it was not set."""
    key(name)
    path = Path(path) if path is not None else settings_path()
    removed = []

    def change(document) -> None:
        if name in document:
            del document[name]
            removed.append(name)

    if path.exists():
        _edit(path, change)
    return bool(removed)
