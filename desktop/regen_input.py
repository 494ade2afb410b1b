"""What the user asked for, checked before anything goes to the engine: one clear line per problem,
naming the field and what is allowed. Qt-free."""

from __future__ import annotations

from soundloom.protocol.messages import (CROSSFADE_SECONDS, MAX_CLIP_SECONDS, MAX_INPAINT_AUDIO_SECONDS,
                                         MAX_INPAINT_CLIP_SECONDS, MAX_PROMPT_CHARS)

MIN_REGION_SECONDS = 2 * CROSSFADE_SECONDS + 0.01  # both edge crossfades and something between them
MIN_CLIP_SECONDS = 0.1
MIN_EXTEND_SECONDS = 0.5


class InputError(ValueError):
    """One line for the user: the field, what was wrong, what is allowed."""


def check_prompt(text: str) -> str:
    prompt = " ".join((text or "").split())  # lines and runs of spaces are one space to the engine
    if not prompt:
        raise InputError("prompt: empty — type what should be there, e.g. \"glass shatter, small shards\"")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise InputError(f"prompt: {len(prompt):,} characters; at most {MAX_PROMPT_CHARS:,}")
    return prompt


def check_clip(duration: float, regions: bool = False, takes: int = 1) -> None:
    """The sound's length (seconds) against what the engine takes: longer sounds for regenerating
    a selection (`regions`), where also length × takes is bounded."""
    longest = MAX_INPAINT_CLIP_SECONDS if regions else MAX_CLIP_SECONDS
    if not MIN_CLIP_SECONDS <= duration <= longest:
        what = "regenerates selections of" if regions else "re-imagines and extends"
        raise InputError(f"sound: {duration:.2f} s long; the engine {what} sounds of "
                         f"{MIN_CLIP_SECONDS:g} to {longest:g} s")
    if regions and duration * takes > MAX_INPAINT_AUDIO_SECONDS:
        most = max(1, int(MAX_INPAINT_AUDIO_SECONDS // duration))
        raise InputError(f"takes: {takes} of a {duration:.1f} s sound; at most {most} at a time "
                         f"(length × takes ≤ {MAX_INPAINT_AUDIO_SECONDS:g} s)")


def check_selection(selection: tuple[float, float] | None, duration: float) -> tuple[tuple[float, float], str]:
    """The selection as a region to regenerate, clipped to the sound, and a note when it was clipped.

    `selection` is (start, end) in seconds in either order, or None; `duration` the sound's length.
    """
    if selection is None:
        raise InputError("selection: none — drag across the waveform to select what to regenerate")
    start, end = sorted(float(t) for t in selection)
    if end <= 0 or start >= duration:
        raise InputError(f"selection: {start:.2f}–{end:.2f} s lies outside the sound (0.00–{duration:.2f} s)")
    clipped = (max(start, 0.0), min(end, duration))
    length = clipped[1] - clipped[0]
    if length < MIN_REGION_SECONDS:
        raise InputError(f"selection: {length:.3f} s long; select at least {MIN_REGION_SECONDS:.2f} s "
                         f"inside 0.00–{duration:.2f} s")
    note = ""
    if clipped != (start, end):
        note = f"selection clipped to the sound: {clipped[0]:.2f}–{clipped[1]:.2f} s"
    return clipped, note


def check_extend(seconds: float, duration: float) -> float:
    room = MAX_CLIP_SECONDS - duration
    if room < MIN_EXTEND_SECONDS:
        raise InputError(f"extend: the sound is already {duration:.2f} s of the {MAX_CLIP_SECONDS:g} s maximum")
    if not MIN_EXTEND_SECONDS <= seconds <= room:
        raise InputError(f"extend: {seconds:g} s; add {MIN_EXTEND_SECONDS:g} to {room:.2f} s "
                         f"(sound plus extension ≤ {MAX_CLIP_SECONDS:g} s)")
    return seconds


def check_strength(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise InputError(f"strength: {value:g}; allowed 0 (keep the sound) to 1 (ignore it)")
    return value
