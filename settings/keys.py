"""Every setting a user can keep in settings.toml: its default, what it allows, and how a value is checked.

A value reaches `Key.check` from the settings file (TOML types) or from `soundloom config set`
(words, turned into TOML types by `Key.parse` first); either way a bad value is refused with an
error naming the key and what it allows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from soundloom.protocol.errors import ErrorCode, SoundloomError, out_of_range

MAX_IDLE_TIMEOUT_S = 7 * 24 * 3600
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
# The desktop's export choices (soundloom.desktop.export RATES and SUBTYPES), kept here so reading
# settings never loads the audio stack; a test checks the two agree.
EXPORT_RATES = (44100, 48000)
EXPORT_SUBTYPES = ("PCM_16", "PCM_24", "FLOAT")
_DEVICE = re.compile(r"auto|cpu|mps|cuda(:\d+)?")


@dataclass(frozen=True)
class Key:
    name: str
    default: Any
    allowed: str                              # what the key accepts, as shown in errors and `config show`
    help: str
    check: Callable[[str, Any], Any]          # (key name, value) -> the value to keep; raises when bad
    parse: Callable[[str, list[str]], Any]    # (key name, command-line words) -> a value for `check`
    many: bool = False                        # takes several words (a list)


def _bad(name: str, value: Any, allowed: str) -> SoundloomError:
    return SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{value!r} is not allowed; allowed: {allowed}", name)


def _one(name: str, words: list[str]) -> str:
    return words[0] if len(words) == 1 else " ".join(words)


def _number(name: str, words: list[str]) -> Any:
    text = _one(name, words)
    try:
        number = float(text)
    except ValueError:
        return text  # `check` names the key and the range
    return int(number) if number.is_integer() else number


def _check_idle(name: str, value: Any) -> float:
    allowed = f"0 to {MAX_IDLE_TIMEOUT_S} seconds (0: the engine exits with the command that started it)"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _bad(name, value, allowed)
    if not 0 <= value <= MAX_IDLE_TIMEOUT_S:
        raise out_of_range(name, value, allowed)
    return value


def _choice(choices: tuple) -> Callable[[str, Any], Any]:
    allowed = ", ".join(str(c) for c in choices)

    def check(name: str, value: Any) -> Any:
        if isinstance(value, bool) or value not in choices:
            raise _bad(name, value, allowed)
        return value

    return check


def _check_device(name: str, value: Any) -> str:
    if not isinstance(value, str) or not _DEVICE.fullmatch(value):
        raise _bad(name, value, "auto, cpu, cuda, cuda:N or mps")
    return value


def _folder(name: str, value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise _bad(name, value, what)
    path = Path(value).expanduser()
    if not path.is_absolute():
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{value!r} is not an absolute path; allowed: {what}", name)
    return str(path)


def _existing_folder(name: str, text: str) -> str:
    """A folder typed on the command line: made absolute, and it must exist now."""
    path = Path(text).expanduser().resolve()
    if not path.is_dir():
        raise SoundloomError(ErrorCode.FILE_NOT_FOUND, f"{path} is not a folder; allowed: {KEYS[name].allowed}", name)
    return str(path)


def _model_words(name: str, words: list[str]) -> str:
    text = _one(name, words)
    return _existing_folder(name, text) if text else ""


def _root_words(name: str, words: list[str]) -> list[str]:
    return [_existing_folder(name, word) for word in words if word]


def _check_model(name: str, value: Any) -> str:
    return value if value == "" else _folder(name, value, KEYS[name].allowed)


def _check_roots(name: str, value: Any) -> list[str]:
    if not isinstance(value, list):
        raise _bad(name, value, KEYS[name].allowed)
    return [_folder(name, item, KEYS[name].allowed) for item in value]


def _rate(name: str, words: list[str]) -> Any:
    text = _one(name, words)
    return int(text) if text.isdigit() else text


KEYS: dict[str, Key] = {key.name: key for key in (
    Key("idle_timeout", 600, "0 to 604800 seconds",
        "seconds an engine started by a command or an app waits with no work before it exits; "
        "0: it exits with the command that started it", _check_idle, _number),
    Key("default_model", "", "a model folder, or \"\" for the bundled starter model",
        "the model requests use when they name none", _check_model, _model_words),
    Key("device", "auto", "auto, cpu, cuda, cuda:N or mps",
        "where the engine runs models; auto: the first CUDA GPU, else the CPU", _check_device, _one),
    Key("precision", "auto", ", ".join(PRECISIONS),
        "the UNet's arithmetic: fp32, bf16, fp16 (CUDA only), or auto (bf16 on a CPU that computes it in hardware, bf16 or fp16 on a CUDA GPU, else fp32)",
        _choice(PRECISIONS), _one),
    Key("library_roots", [], "absolute folder paths (empty: your home folder)",
        "folders a remote engine (--allow-remote) lets fine-tuning read; a local engine reads any folder you can",
        _check_roots, _root_words, many=True),
    Key("export_rate", "source", "source, " + ", ".join(str(r) for r in EXPORT_RATES),
        "sample rate (Hz) of sounds exported or dragged from the desktop app; source: keep the sound's own",
        _choice(("source", *EXPORT_RATES)), _rate),
    Key("export_subtype", "source", "source, " + ", ".join(EXPORT_SUBTYPES),
        "sample format of desktop exports: PCM_16, PCM_24 or FLOAT (32-bit float); source: keep the sound's own",
        _choice(("source", *EXPORT_SUBTYPES)), _one),
)}


def key(name: str) -> Key:
    """The key called `name`; an unknown name is refused with the list of known ones."""
    if name not in KEYS:
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"no setting called {name!r}; known: {', '.join(KEYS)}", "key")
    return KEYS[name]
