"""Rendering work units: a batch of specs of one source, made and written by one worker.

FluidSynth batches are rendered whole (one soundfont load per batch, see `midi_render`), even
when only some of their clips are missing, so a resumed build writes the very samples a
complete build would have written.
"""

from __future__ import annotations

import time
from pathlib import Path

from . import midi_render, procedural, recordings, speech
from .clip import ClipSpec, Rendered
from .ground_truth import finish, is_done, write_clip


def _midi_clip(spec: ClipSpec) -> midi_render.MidiClip:
    p = spec.params
    if spec.source == "drums":
        return midi_render.MidiClip(program=p["kit"], notes=p["notes"], ring_s=p["ring_s"], channel=midi_render.DRUM_CHANNEL)
    return midi_render.MidiClip(program=p["program"], notes=p["notes"], ring_s=p["release_s"])


def score_onsets(notes: list, merge_s: float = 0.03) -> list[float]:
    """Event onsets (s) of a score: note starts, with starts closer than `merge_s` seconds taken
    as one event (a strummed chord, a kick and a hi-hat on the same beat); a start counts as new
    when it is at least `merge_s` after the previous note's start."""
    out: list[float] = []
    previous = None
    for start in sorted(float(n[0]) for n in notes):
        # Chained: each string of a strum is within merge_s of the one before it.
        if previous is None or start - previous >= merge_s:
            out.append(round(start, 4))
        previous = start
    return out


def render_one(spec: ClipSpec) -> Rendered:
    """Render a single non-MIDI clip (MIDI clips go through `render_batch`)."""
    if spec.source == "procedural":
        return procedural.render(spec.cls, spec.params)
    if spec.source == "speech":
        return speech.render(spec.params)
    if spec.source == "recordings":
        return recordings.render(spec.params)
    raise ValueError(f"render_one cannot render source {spec.source!r}")


def render_batch(root: str, specs: list[ClipSpec], audio_format: str) -> list[tuple[str, str, float]]:
    """Make and write the missing clips of a batch; returns (id, source, seconds) per written clip.

    For FluidSynth sources the seconds are the batch time shared out equally."""
    root_path = Path(root)
    todo = [s for s in specs if not is_done(root_path, s)]
    if not todo:
        return []
    done = []
    if specs[0].source in ("midi", "drums"):
        start = time.perf_counter()
        rendered = midi_render.render_clips([_midi_clip(s) for s in specs])
        share = (time.perf_counter() - start) / len(specs)
        missing = {s.id for s in todo}
        for spec, audio in zip(specs, rendered):
            if spec.id in missing:
                audio, truth = finish(spec, Rendered(audio, score_onsets(spec.params["notes"])))
                write_clip(root_path, spec, audio, truth, audio_format)
                done.append((spec.id, spec.source, share))
        return done
    for spec in todo:
        start = time.perf_counter()
        audio, truth = finish(spec, render_one(spec))
        write_clip(root_path, spec, audio, truth, audio_format)
        done.append((spec.id, spec.source, time.perf_counter() - start))
    return done
