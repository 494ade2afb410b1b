"""What the OSC/MIDI listener can be asked to do: plain values, made by the OSC and MIDI front
ends and run one at a time by `listen_worker.ActionWorker`.

A `source` of None means "the clip of the last take this listener made". `adapter_scale` (0–2)
is the fine-tuned adapter's strength for this action (None: the engine's default, 1.0).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ADAPTER_SCALE_RANGE = (0.0, 2.0)
SECONDS_RANGE = (0.5, 60.0)  # what the engine generates in one call


@dataclass(frozen=True)
class Regen:
    """Regenerate `start`–`end` (seconds) of `source` after `prompt`, as a new take beside it."""

    source: Path
    start: float
    end: float
    prompt: str
    adapter_scale: float | None = None


@dataclass(frozen=True)
class Again:
    """Regenerate the last take's regions once more: same prompt and seed (a new adapter scale is
    what makes it sound different), or the last generated clip with its seed."""

    source: Path | None = None
    adapter_scale: float | None = None


@dataclass(frozen=True)
class NextVariation:
    """The last take's regions with the next seed, or the last generated clip with the next seed."""

    source: Path | None = None
    adapter_scale: float | None = None


@dataclass(frozen=True)
class Generate:
    """A new clip of `seconds` (0.5–60) after `prompt`, saved in the listener's output folder;
    `loop` crossfades its end into its start so it repeats without a click."""

    prompt: str
    seconds: float
    loop: bool = False
    seed: int | None = None
    adapter_scale: float | None = None


Action = Regen | Again | NextVariation | Generate


def describe(action: Action) -> str:
    """One line naming the action, for the listener's console."""
    scale = "" if action.adapter_scale is None else f" (adapter scale {action.adapter_scale:.2f})"
    if isinstance(action, Regen):
        return f"regen {action.source.name} {action.start:g}-{action.end:g} s {action.prompt!r}{scale}"
    if isinstance(action, Generate):
        loop = ", loop" if action.loop else ""
        return f"generate {action.prompt!r} {action.seconds:.3g} s{loop}{scale}"
    what = "again" if isinstance(action, Again) else "next variation"
    of = f" of {action.source.name}" if action.source is not None else " of the last take"
    return f"{what}{of}{scale}"
